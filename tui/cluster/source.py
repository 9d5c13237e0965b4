"""The cluster as a source: discovery, then one thread per watch, the logger stream and Prometheus."""

from __future__ import annotations

import contextlib
import functools
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.cluster.api_paths import PathCall, collection_path
from tui.cluster.backoff import FAST_CAP_S, Backoff
from tui.cluster.builtin_queries import MetricTarget, metric_target
from tui.cluster.check_poller import CheckPoller
from tui.cluster.connect_errors import describe_transport
from tui.cluster.credentials import generation_of, renewed_after_refusal
from tui.cluster.daemonsets import daemonsets_spec
from tui.cluster.discovery import ServedGroups, discover
from tui.cluster.flagger_install import LOOK, Defaulted, LogFollow, PrometheusChoice, plan_readers
from tui.cluster.kubeconfig import ClusterTarget, Connection, insecure_notice
from tui.cluster.logger_follow import LoggerFollower
from tui.cluster.prometheus import PrometheusPoller, Scope, prometheus_client
from tui.cluster.scope_probe import find_allowed
from tui.cluster.template_watch import QuietRefusal, TemplateWatches, templates_served
from tui.cluster.watch_loop import DEFAULT_READ_TIMEOUT_S, WatchLoop, WatchSpec
from tui.domain.flagger.providers import router_family
from tui.domain.flagger.router_kinds import ROUTER_KINDS, RouterKind, kinds_of_family
from tui.domain.model import CanaryInfo, CanaryKey, Health
from tui.domain.not_found import not_found_text
from tui.domain.observations import (
    AllowedScopesObserved,
    CanariesListed,
    CanaryDeleted,
    CanaryObserved,
    CanarySelected,
    ClockTick,
    FlaggerSettingsObserved,
    NoticeObserved,
    Observation,
)
from tui.kube.translate import Translator
from tui.sources.mailbox import Consumer, Mailbox, mailbox_for

KUBERNETES = "kubernetes"
# A canary named on the command line and not found is said until it is created (a day, in practice for ever).
NOT_FOUND_NOTICE_S = 86_400.0
# The longest the other lists wait for the canaries' first list (a slow answer must not hold them back for ever).
FIRST_LIST_WAIT_S = 3.0
# Begun before the screen: the longest they then wait for the owner to say the canaries are on screen.
FIRST_SCREEN_WAIT_S = 2.0

# (change, Canary object, Flagger's -mesh-provider if known, the object as parsed already if it was) -> observations
# (a ForecastObserved). The object is the API's answer as decoded, which nothing changes: it may be kept as it is.
Forecaster = Callable[[str, dict[str, Any], str | None, CanaryInfo | None], Sequence[Observation]]
# (what the source reports, Flagger's -mesh-provider) -> forecasts that changed with it (a router, a gate's result).
ForecastInputs = Callable[[Sequence[Observation], str | None], Sequence[Observation]]
# (the canaries whose forecasts are wanted, None: all) -> the forecasts of those newly followed.
ForecastFollow = Callable[[frozenset[CanaryKey] | None], Sequence[Observation]]


@dataclass(frozen=True)
class ClusterOptions:
    """None: switched off; LOOK: found through Flagger's Deployment, else the seed's (tui.cluster.flagger_install)."""

    prometheus: tuple[str, str] | str | Defaulted | None = LOOK
    logger: tuple[str, str] | Defaulted | None = LOOK
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S
    refresh_s: float = 5.0
    # --provider: overrides Flagger's -mesh-provider.
    provider: str | None = None


class ClusterSource:
    def __init__(
        self,
        connection: Connection,
        target: ClusterTarget,
        options: ClusterOptions = ClusterOptions(),
        *,
        clock: Callable[[], float] = time.time,
        forecaster: Forecaster | None = None,
        forecast_inputs: ForecastInputs | None = None,
        forecast_follow: ForecastFollow | None = None,
    ) -> None:
        """`forecaster`: forecasts a Canary's rollout from each status it watches (the composition root passes the
        simulation's, which this module does not import); `forecast_inputs`: sees every other observation, for what
        the forecast also depends on; `forecast_follow`: narrows the forecasts to the canaries a screen shows."""
        self.connection = connection
        self.target = target
        self.options = options
        self.clock = clock
        self.namespace = target.namespace  # None: all namespaces
        scope = self.namespace or "all namespaces"
        self.label = f"cluster {connection.context} · {scope}"
        self.stop_event = threading.Event()
        self.emitter: Mailbox | None = None
        self.loops: dict[str, WatchLoop] = {}
        self.follower: LoggerFollower | None = None
        self.followers: list[LoggerFollower] = []
        self.poller: PrometheusPoller | None = None
        self.served: ServedGroups | None = None
        self._threads: list[threading.Thread] = []
        self._canaries: dict[CanaryKey, CanaryInfo] = {}
        self._canaries_lock = threading.Lock()
        self._canaries_kept: tuple[CanaryInfo, ...] | None = None
        self._mesh_provider: str | None = None  # Flagger's -mesh-provider, once known (_note_settings)
        self.translator = Translator(clock, self.namespace, target.canary)
        self._forecaster = forecaster  # runs on the watch thread, off the UI thread
        self._forecast_inputs = forecast_inputs
        self._forecast_lock = threading.RLock()
        self._forecast_follow = forecast_follow
        self._followed: frozenset[CanaryKey] | None = None
        # What the screen shows (in_view) and follows: their rates are asked every refresh (tui/cluster/prometheus.py).
        self._in_view: frozenset[CanaryKey] | None = None
        self._metrics_followed: CanaryKey | None = None
        # Counts changes to what Prometheus is asked for the canaries (added, removed, target or provider changed).
        self._targets_version = 0
        # The poller's last Scope, with what it was made from: (version, mesh, shown, followed, targets by canary).
        self._scope_kept: (
            tuple[int, str | None, frozenset[CanaryKey] | None, CanaryKey | None, dict[CanaryKey, MetricTarget], Scope]
            | None
        ) = None
        self._selected_sent = False
        self._canaries_listed = False  # the first list of canaries is in
        self._missing_said = False  # the named canary was not in it, and the screen says so
        # Set by begin(): the source writes into its own mailbox, which hands everything on to the owner's.
        self._relay: Mailbox | None = None
        self._owner: Mailbox | None = None
        self._relay_lock = threading.Lock()
        self._first_shown = threading.Event()
        # Router kinds the server does not serve (known after discovery), and whether a note on them was shown.
        self._unserved_routers: tuple[RouterKind, ...] | None = None
        self._routers_noted = False
        self._scopes_probed = False  # the namespaces that allow listing Canaries were looked for
        # MetricTemplates (once the kind is known to be served) and the poller of the custom checks' values.
        self.template_watches: TemplateWatches | None = None
        self.check_poller: CheckPoller | None = None

    # --- starting before the screen exists ---------------------------------------------------------------

    def begin(self) -> None:
        """Connect and list now, before there is an owner: the first lists travel while the screen is built (a
        second or so of imports and layout); what they bring waits in this source's mailbox until `start`."""
        if self._relay is not None or self.emitter is not None:
            return
        self._relay = Mailbox(wake=self._hand_on)
        self.emitter = self._relay
        self._spawn("cluster-discovery", self._discover_and_watch)

    def first_list_shown(self) -> None:
        """The owner has drawn the canaries' first list: the other lists, the logger and Prometheus may start (on
        two cores, their parsing would otherwise slow the first frame down by half)."""
        self._first_shown.set()

    def _hand_on(self) -> None:
        # One lock for every hand-over keeps each thread's observations in the order it wrote them.
        with self._relay_lock:
            if self._owner is not None and self._relay is not None:
                self._owner.put(self._note_settings(self._relay.drain()))

    # --- Source protocol ---------------------------------------------------------------------------------

    pacing = None  # the cluster keeps its own time

    def start(self, sink: Mailbox | Consumer) -> None:
        if self._relay is not None:
            with self._relay_lock:
                self._owner = mailbox_for(sink)
            self._hand_on()
        else:
            self.emitter = mailbox_for(sink)
        if self.connection.insecure:
            now = self.clock()
            self._emit(NoticeObserved(insecure_notice(self.connection), "warning", now, now + 30))
        if self._relay is None:
            self._spawn("cluster-discovery", self._discover_and_watch)
        self._spawn("cluster-clock", self._tick)

    def pump(self) -> None:
        box = self._owner or self.emitter
        if box is not None:
            box.flush()

    def stop(self) -> None:
        self.stop_event.set()
        self._first_shown.set()
        if self.poller is not None:
            self.poller.poke()
        for loop in list(self.loops.values()):
            loop.close()
        for follower in list(self.followers):
            follower.close()

    def join(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _emit(self, *observations: Observation) -> None:
        assert self.emitter is not None
        self._note_settings(observations)
        self.emitter.emit(*observations)

    def _note_settings(self, observations: Sequence[Observation]) -> Sequence[Observation]:
        """Keep Flagger's -mesh-provider from whatever reports it: it picks the observer Prometheus is asked for."""
        for observation in observations:
            if isinstance(observation, FlaggerSettingsObserved):
                self._mesh_provider = observation.settings.mesh_provider
        return observations

    def _tick(self) -> None:
        """The time the screen shows (ages, countdowns) moves once a second."""
        while not self.stop_event.is_set():
            self._emit(ClockTick(self.clock()))
            self.stop_event.wait(1.0)

    # --- discovery ---------------------------------------------------------------------------------------

    def _discover_and_watch(self) -> None:
        import urllib3.exceptions
        from kubernetes.client.exceptions import ApiException

        assert self.emitter is not None
        where = f"{self.connection.context} · {self.connection.server}"
        self.emitter.health(KUBERNETES, Health.CONNECTING, where)
        backoff = Backoff(fast_cap=FAST_CAP_S)
        while not self.stop_event.is_set():
            generation = generation_of(self.connection.api_client)
            try:
                self.served = discover(self.connection.api_client)
                break
            except (ApiException, urllib3.exceptions.HTTPError, OSError, ValueError, Exception) as exc:
                status = getattr(exc, "status", None)
                if status == 401 and renewed_after_refusal(self.connection.api_client, generation, self.emitter):
                    continue
                if status in (401, 403):
                    self.emitter.health(KUBERNETES, Health.FORBIDDEN, f"{where}: discovery refused ({status})")
                else:
                    self.emitter.health(
                        KUBERNETES, Health.UNREACHABLE, f"{where}: {describe_transport(exc)}", backoff.attempt + 1
                    )
                self.stop_event.wait(backoff.next_delay(random.random))
        if self.stop_event.is_set() or self.served is None:
            return
        self.emitter.health(KUBERNETES, Health.CONNECTED, where)
        specs = self._watch_specs(self.served)
        first = next((spec for spec in specs if spec[0].source == "canaries"), None)
        if first is not None:
            # The first screen lists the canaries: their list goes first and alone, the rest waits for its answer.
            loop = self._start_watch(*first)
            loop.first_list_done.wait(FIRST_LIST_WAIT_S)
            if self._relay is not None and loop.relists:
                self._first_shown.wait(FIRST_SCREEN_WAIT_S)
        for spec in specs:
            if spec is not first and not self.stop_event.is_set():
                self._start_watch(*spec)
        if self.stop_event.is_set():
            return
        self._watch_templates(self.served.version("flagger.app"))
        self._start_readers()

    def _start_watch(self, spec: WatchSpec, on_list: Any, on_event: Any) -> WatchLoop:
        assert self.emitter is not None
        loop = WatchLoop(
            spec, self.emitter, on_list, on_event, self.stop_event, read_timeout_s=self.options.read_timeout_s
        )
        self.loops[spec.source] = loop
        self._spawn(f"watch-{spec.source}", loop.run)
        return loop

    def _find_allowed_scopes(self) -> None:
        """Every namespace refused: find the ones that allow it, once, on a thread of its own."""
        if self._scopes_probed:
            return
        self._scopes_probed = True

        def probe() -> None:
            allowed = find_allowed(self.connection.api_client, self.connection.namespace, self.stop_event)
            if allowed is not None and not self.stop_event.is_set():
                self._emit(AllowedScopesObserved(allowed))

        self._spawn("scope-probe", probe)

    def _path(self, group: str, version: str, plural: str) -> PathCall:
        """The list (and watch) of `plural` in scope: every namespace with -A, else the one namespace."""
        return PathCall(self.connection.api_client, collection_path(group, version, plural, self.namespace))

    def _watch_specs(self, served: ServedGroups) -> list[tuple[WatchSpec, Any, Any]]:
        assert self.emitter is not None
        ns_text = f"in {self.namespace}" if self.namespace else "in all namespaces"
        context = self.connection.context
        specs: list[tuple[WatchSpec, Any, Any]] = []
        flagger = served.version("flagger.app")
        if flagger is None:
            self.emitter.health(
                "canaries",
                Health.NOT_INSTALLED,
                f"Flagger's Canary CRD (flagger.app) is not installed in context {context}",
            )
        else:
            specs.append(
                (
                    WatchSpec(
                        "canaries",
                        f"canaries.flagger.app {ns_text}",
                        f"canaries.flagger.app/{flagger} is not served in context {context}",
                        self._path("flagger.app", flagger, "canaries"),
                        on_forbidden=self._find_allowed_scopes if self.namespace is None else None,
                    ),
                    functools.partial(self._listed, "Canary"),
                    self._canary_event,
                )
            )
        deployments = self._path("apps", "v1", "deployments")
        specs.append(
            (
                WatchSpec("deployments", f"deployments.apps {ns_text}", "apps/v1 is not served", deployments),
                functools.partial(self._listed, "Deployment"),
                functools.partial(self._changed, "Deployment"),
            )
        )
        specs.append(daemonsets_spec(self._path("apps", "v1", "daemonsets"), ns_text, self._listed, self._changed))
        specs.extend(self._router_specs(served, ns_text))
        if self.namespace is not None:
            # The seed chart keeps ECHO_VALUE in a ConfigMap (envFrom); only its revision keys are kept.
            specs.append(
                (
                    WatchSpec(
                        "configmaps",
                        f"list configmaps {ns_text}",
                        "v1 configmaps are not served",
                        self._path("", "v1", "configmaps"),
                    ),
                    functools.partial(self._listed, "ConfigMap"),
                    functools.partial(self._changed, "ConfigMap"),
                )
            )
        selector = "involvedObject.kind=Canary"
        if self.target.canary and self.namespace:
            selector += f",involvedObject.name={self.target.canary}"
        events = self._path("", "v1", "events")
        specs.append(
            (
                WatchSpec(
                    "events", f"events {ns_text}", "v1 events are not served", events, {"field_selector": selector}
                ),
                functools.partial(self._listed, "Event"),
                functools.partial(self._changed, "Event"),
            )
        )
        return specs

    def _router_specs(self, served: ServedGroups, ns_text: str) -> list[tuple[WatchSpec, Any, Any]]:
        """A watch of every router kind the server serves (at the version Flagger writes, where served); the kinds
        not served are remembered for the note on providers whose router is not installed."""
        assert self.emitter is not None
        context = self.connection.context
        specs: list[tuple[WatchSpec, Any, Any]] = []
        unserved: list[RouterKind] = []
        for rk in ROUTER_KINDS:
            versions = served.groups.get(rk.group, ())
            version = next((v for v in rk.versions if v in versions), None)
            if version is None:
                unserved.append(rk)
                continue
            namespace = None if rk.cluster_scoped else self.namespace
            where = "cluster-wide" if rk.cluster_scoped else ns_text
            path = PathCall(self.connection.api_client, collection_path(rk.group, version, rk.plural, namespace))
            spec = WatchSpec(
                rk.key,
                f"{rk.plural}.{rk.group} {where}",
                f"{rk.plural}.{rk.group}/{version} is not served in context {context}",
                path,
            )
            specs.append(
                (spec, functools.partial(self._listed, rk.qualified), functools.partial(self._changed, rk.qualified))
            )
        self._unserved_routers = tuple(unserved)
        if not specs:
            self._routers_noted = True
            self.emitter.health(
                "routers", Health.DISABLED, f"no router kind Flagger writes is served in context {context}"
            )
        return specs

    def _note_routers(self) -> None:
        """One quiet line naming the providers in use (a canary's spec.provider) whose router kind is not served:
        their canaries can have no router; a provider nobody uses is not worth a word."""
        if self._unserved_routers is None or self.emitter is None or len(self._unserved_routers) == len(ROUTER_KINDS):
            return  # nothing served at all: said once, after discovery
        families = {router_family(info.provider).family for info in self.canaries() if info.provider}
        missing = [
            " or ".join(rk.label for rk in kinds)
            for family in sorted(families)
            if (kinds := kinds_of_family(family)) and all(rk in self._unserved_routers for rk in kinds)
        ]
        if missing:
            self._routers_noted = True
            self.emitter.health("routers", Health.DISABLED, "; ".join(f"{m} not installed" for m in missing))
        elif self._routers_noted:
            self.emitter.health("routers", Health.CONNECTED, "every provider's router kind in use is installed")

    # --- callbacks from the watch threads ----------------------------------------------------------------

    def _in_scope(self, namespace: str, name: str) -> bool:
        return self.namespace is None or namespace == self.namespace

    def _listed(self, kind: str, items: list[dict[str, Any]]) -> None:
        observations = self.translator.listed(kind, items)
        self._deliver(observations)
        if kind == "Canary":
            parsed = _parsed_canaries(observations)
            for item in items:
                self._forecast("MODIFIED", item, parsed)

    def _changed(self, kind: str, change: str, obj: dict[str, Any]) -> list[Observation]:
        observations = self.translator.changed(change, obj, kind)
        self._deliver(observations)
        return observations

    def _canary_event(self, change: str, obj: dict[str, Any]) -> None:
        """The canaries watch's events: a method of its own, so a fault can be injected into exactly this watch."""
        self._forecast(change, obj, _parsed_canaries(self._changed("Canary", change, obj)))

    def _forecast(self, change: str, obj: dict[str, Any], parsed: dict[CanaryKey, CanaryInfo]) -> None:
        """`parsed`: the Canaries the translator read from these objects, which the forecaster need not read again."""
        meta = obj.get("metadata") or {}
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
        if self._forecaster is None or not self._in_scope(namespace, name):
            return
        info = parsed.get(CanaryKey(namespace, name))
        with self._forecast_lock:
            self._deliver(list(self._forecaster(change, obj, self._mesh_provider, info)))

    def follow(self, _context: str | None, key: CanaryKey | None) -> None:
        """Forecasts are made only for `key`, the canary the screen follows (none for None). Called on the UI
        thread: the followed canary's forecast is made on a thread of its own, from the latest choice when it
        runs, so that choices made in quick succession end on the last."""
        if key != self._metrics_followed:
            self._metrics_followed = key
            if key is not None and self.poller is not None:
                self.poller.poke()
        followed = frozenset() if key is None else frozenset((key,))
        if self._forecast_follow is None or followed == self._followed:
            return
        self._followed = followed
        threading.Thread(target=self._refollow, name="forecast-follow", daemon=True).start()

    def _refollow(self) -> None:
        if self._forecast_follow is None:
            return
        with self._forecast_lock:
            self._deliver(list(self._forecast_follow(self._followed)))

    def _deliver(self, observations: list[Observation]) -> None:
        if not observations:
            return
        # A forecast is made and handed on under one lock: one made from older inputs never lands after a newer one.
        with self._forecast_lock if self._forecast_inputs is not None else contextlib.nullcontext():
            if self._forecast_inputs is not None:
                observations = [*observations, *self._forecast_inputs(observations, self._mesh_provider)]
            providers_changed = self._know(observations)
            self._emit(*observations)
        if self.template_watches is not None:
            self.template_watches.follow(_canary_infos(observations))
        if providers_changed:
            self._note_routers()
        self._select_requested()

    def _know(self, observations: list[Observation]) -> bool:
        """Keep the canaries in scope (Prometheus asks about them, a named canary is selected once it is here).
        True when the providers they name may have changed (a status update, the usual change, does not)."""
        providers_changed = False
        with self._canaries_lock:
            self._canaries_kept = None
            for observation in observations:
                if isinstance(observation, CanariesListed):
                    self._canaries_listed = True
                    self._canaries = {info.key: info for info in observation.items}
                    providers_changed = True
                    self._targets_version += 1
                elif isinstance(observation, CanaryObserved):
                    info = observation.info
                    old = self._canaries.get(info.key)
                    providers_changed |= old is None or old.provider != info.provider
                    self._canaries[info.key] = info
                    # A status change (the usual one) leaves what Prometheus is asked alone.
                    mesh = self._mesh_provider
                    if old is None or metric_target(old, mesh) != metric_target(info, mesh):
                        self._targets_version += 1
                elif isinstance(observation, CanaryDeleted):
                    gone = self._canaries.pop(observation.key, None) is not None
                    providers_changed |= gone
                    self._targets_version += gone
        return providers_changed

    def _select_requested(self) -> None:
        if self._selected_sent or not self.target.canary:
            return
        namespace = self.namespace or self.connection.namespace
        key = CanaryKey(namespace, self.target.canary)
        with self._canaries_lock:
            present = key in self._canaries
            names = [k.name for k in self._canaries if k.namespace == namespace]
        now = self.clock()
        if present:
            self._selected_sent = True
            if self._missing_said:
                self._emit(NoticeObserved("", "information", now, now))  # the notice below is over
            self._emit(CanarySelected(key))
        elif self._canaries_listed and not self._missing_said:
            # Listed and absent: said once (it stays until the canary is created), not waited for in silence.
            self._missing_said = True
            self._emit(NoticeObserved(not_found_text(key, names), "error", now, now + NOT_FOUND_NOTICE_S))

    def canaries(self) -> tuple[CanaryInfo, ...]:
        """Every Canary in scope, as last parsed: the same tuple until one changes (the pollers that ask every second
        tell a quiet fleet by it)."""
        with self._canaries_lock:
            if self._canaries_kept is None:
                self._canaries_kept = tuple(self._canaries.values())
            return self._canaries_kept

    # --- logger and Prometheus ---------------------------------------------------------------------------

    def _start_readers(self) -> None:
        """Flagger's own Deployment (its provider, Prometheus and pod), then the logs and Prometheus it points at."""
        assert self.emitter is not None
        options = self.options
        plan = plan_readers(
            self.connection.api_client,
            self.emitter,
            logger=options.logger,
            prometheus=options.prometheus,
            provider=options.provider,
        )
        if plan.settings is not None:
            # The settings went straight to the mailbox: the Prometheus scope needs the mesh provider here too.
            self._mesh_provider = plan.settings.mesh_provider
        if options.logger is None:
            self.emitter.health("logger", Health.DISABLED, "no --logger given")
        for follow in plan.logs:
            if not self.stop_event.is_set():
                self._start_logger(follow)
        if plan.prometheus is not None and not self.stop_event.is_set():
            self._start_prometheus(plan.prometheus)
        if options.prometheus is not None and not self.stop_event.is_set():
            given = plan.prometheus.option if plan.prometheus is not None else None
            self._start_check_poller(given, plan.flagger.namespace if plan.flagger is not None else None)

    def _start_logger(self, follow: LogFollow) -> None:
        assert self.emitter is not None
        namespace, selector = follow.namespace, follow.selector
        follower = LoggerFollower(
            self.connection.api_client,
            namespace,
            selector,
            self.emitter,
            self.stop_event,
            accept=self._in_scope,
            read_timeout_s=max(self.options.read_timeout_s, 30.0),
            source=follow.source,
            container=follow.container,
            quiet=follow.quiet,
        )
        self.followers.append(follower)
        if self.follower is None:
            self.follower = follower
        pods = WatchSpec(
            f"{follow.source} pods",
            f"pods in {namespace}",
            f"v1 pods in {namespace}",
            PathCall(self.connection.api_client, collection_path("", "v1", "pods", namespace)),
            {"label_selector": selector},
        )
        loop = WatchLoop(
            pods,
            self.emitter,
            follower.pods_listed,
            follower.pod_event,
            self.stop_event,
            read_timeout_s=self.options.read_timeout_s,
        )
        self.loops[pods.source] = loop
        self._spawn(f"watch-{pods.source}", loop.run)
        self._spawn(f"follow-{follow.source}", follower.run)

    def in_view(self, keys: frozenset[CanaryKey] | None) -> None:
        """The canaries whose rows the screen shows now (None: all of them count, as when rows are sorted by a rate).
        Called on the UI thread; a canary that comes into view is asked for at once."""
        before, self._in_view = self._in_view, keys
        if keys is None or self.poller is None:
            return
        # Rows new on screen, or the followed canary leaving the overview for its own screen (its history is drawn).
        followed = self._metrics_followed
        drawn = followed is not None and followed not in keys and (before is None or followed in before)
        if before is None or not keys <= before or drawn:
            self.poller.poke()

    def _scope(self) -> Scope:
        """What the Prometheus poller asks for: the same Scope while the canaries' targets, the mesh, the rows on screen
        and the followed canary stay the same (a quiet fleet's refreshes, and a busy one's status changes, build
        nothing)."""
        with self._canaries_lock:
            version = self._targets_version
        mesh, shown, followed = self._mesh_provider, self._in_view, self._metrics_followed
        kept = self._scope_kept
        if kept is not None and kept[:4] == (version, mesh, shown, followed):
            return kept[5]
        if kept is not None and kept[:2] == (version, mesh):
            by_key = kept[4]
            targets = kept[5].targets
        else:
            by_key = {c.key: metric_target(c, mesh) for c in sorted(self.canaries(), key=lambda c: c.key)}
            targets = tuple(by_key.values())
        # Its history is filled in for the screen that draws it: not for a row the cursor passes on the overview.
        drawn = by_key.get(followed) if followed is not None and shown is not None and followed not in shown else None
        where = (drawn.namespace, drawn.target) if drawn is not None else None
        if shown is None:
            scope = Scope(self.namespace, targets)
        else:
            # Shown or followed: every refresh. (Nothing else reads a canary's rates: triage goes by its status.)
            hot = frozenset((t.namespace, t.target) for k in (*shown, followed) if (t := by_key.get(k)) is not None)
            scope = Scope(self.namespace, targets, hot, where)
        self._scope_kept = (version, mesh, shown, followed, by_key, scope)
        return scope

    def _start_prometheus(self, choice: PrometheusChoice) -> None:
        assert self.emitter is not None
        option, describe = choice.option, choice.describe

        def connect() -> Any:
            prom, _ = prometheus_client(option, self.connection.api_client)
            return prom

        self.poller = PrometheusPoller(
            connect,
            describe,
            self._scope,
            self.emitter,
            self.stop_event,
            refresh_s=self.options.refresh_s,
            clock=self.clock,
        )
        self._spawn("prometheus", self.poller.run)

    # --- MetricTemplates and the custom checks' values --------------------------------------------------

    def _watch_templates(self, version: str | None) -> None:
        """Watch MetricTemplates where the canaries can name them, when the server serves the kind."""
        if version is None or not templates_served(self.connection.api_client, version):
            return
        assert self.emitter is not None
        watches = TemplateWatches(
            self.connection.api_client, version, self.namespace, self.emitter, self._start_template_watch
        )
        self.template_watches = watches
        self._start_template_watch(*watches.spec(self.namespace))
        watches.follow(self.canaries())

    def _start_template_watch(self, spec: WatchSpec, on_list: Any, on_event: Any) -> WatchLoop:
        assert self.emitter is not None
        quiet: Any = QuietRefusal(self.emitter)
        loop = WatchLoop(spec, quiet, on_list, on_event, self.stop_event, read_timeout_s=self.options.read_timeout_s)
        self.loops[spec.source] = loop
        self._spawn(f"watch-{spec.source}", loop.run)
        return loop

    def _start_check_poller(self, given: tuple[str, str] | str | None, home: str | None) -> None:
        assert self.emitter is not None
        watches = self.template_watches
        self.check_poller = CheckPoller(
            self.canaries,
            watches.templates if watches is not None else dict,
            lambda: given,
            self.emitter,
            self.stop_event,
            api_client=self.connection.api_client,
            home=lambda: home,
            clock=self.clock,
        )
        self._spawn("check-poller", self.check_poller.run)


def _canary_infos(observations: Sequence[Observation]) -> list[CanaryInfo]:
    infos: list[CanaryInfo] = []
    for observation in observations:
        if isinstance(observation, CanariesListed):
            infos.extend(observation.items)
        elif isinstance(observation, CanaryObserved):
            infos.append(observation.info)
    return infos


def _parsed_canaries(observations: Sequence[Observation]) -> dict[CanaryKey, CanaryInfo]:
    return {info.key: info for info in _canary_infos(observations)}
