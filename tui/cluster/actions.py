"""The action keys on a real cluster: the same keys as in the simulation, safe by default.

Every action asks for confirmation naming the object and the change (unless --yes), runs in a worker thread,
and follows up where Flagger needs it: a rollback gate is closed again once the canary has failed, a
promotion gate once promotion has started, spec.skipAnalysis is unset once promoted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.actions.base import ActionKind, Outcome
from tui.actions.performer import PlannedActions
from tui.actions.plan import (
    CanaryFacts,
    ChangeConfig,
    CloseGate,
    FollowUp,
    Gate,
    Load,
    LoadFacts,
    OpenGate,
    Release,
    SetSkipAnalysis,
    SetSuspend,
    StartLoad,
    Step,
    StopLoad,
    Voice,
)
from tui.actions.planner import SKIP_ANALYSIS_WARNING, pause_gate, promotion_gate
from tui.base.redact import scrub
from tui.cluster import config_change as cfg
from tui.cluster import release as rel
from tui.cluster.credentials import generation_of, renewed_after_refusal
from tui.cluster.discovery import ServedGroups
from tui.cluster.http import HttpProblem, get_json
from tui.cluster.kubeconfig import Connection
from tui.cluster.loadtester import GATE_CHECK, ROLLBACK_CHECK, LoadtesterError, gate_route, hook, loadtester_for
from tui.domain.model import CanaryInfo, CanaryKey, Webhook
from tui.domain.observations import LoadObserved, LoadRemoved, Observation
from tui.domain.state import AppState

FLUX_WARNING = "Flux puts git's value back at its next reconcile unless the Kustomization is suspended"
LOAD_REPORT_EVERY_S = 1.0


# The loadtester path each gate's webhook checks.
_CHECK_PATH = {Gate.PROMOTION: GATE_CHECK, Gate.TRAFFIC: GATE_CHECK, Gate.ROLLBACK: ROLLBACK_CHECK}


@dataclass
class _Pending:
    """A planned follow-up, with its step bound to the loadtester or API it goes to."""

    when: FollowUp
    undo: Callable[[], None]


class ClusterActions(PlannedActions):
    """The planner's steps over the Kubernetes API, the loadtester, the load generators and the release paths."""

    read_only = False
    blocking = True

    def __init__(
        self,
        connection: Connection,
        state: Callable[[], AppState],
        *,
        served: Callable[[], ServedGroups | None],
        release: rel.ReleaseConfig,
        target_url: str,
        loads: Any,
        background: Any,
        errors: Any,
        loadtester_url: str | None = None,
        confirm: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(self)
        self.connection = connection
        self.state = state
        self.served = served
        self.release = release
        self.target_url = target_url
        self.loads = loads
        self.background = background
        self.errors = errors
        self.loadtester_url = loadtester_url
        self.needs_confirmation = confirm
        self.clock = clock
        self._report: Callable[[list[Observation]], None] | None = None
        self._follow_ups: list[_Pending] = []
        self._lock = threading.Lock()
        self._releases = 0
        self._stop = threading.Event()
        self._reporter: threading.Thread | None = None
        self._known_loads: set[str] = set()

    # --- wiring ------------------------------------------------------------------------------------------

    def bind(self, report: Callable[[list[Observation]], None]) -> None:
        """Where load statistics go (a thread-safe poster into the app)."""
        self._report = report

    def stop(self) -> None:
        self._stop.set()
        self.loads.stop_all(timeout=1.0, close=True)
        self._report_loads()

    # --- what a confirmation says ------------------------------------------------------------------------

    def _info(self, key: CanaryKey) -> CanaryInfo | None:
        view = self.state().canaries.get(key)
        return view.info if view else None

    def _strategy(self, info: CanaryInfo) -> str:
        if self.release.strategy:
            return self.release.strategy
        dep = self.state().deployment(info.key.namespace, info.target)
        return "helmrelease" if dep is not None and dep.helm_release else "deployment"

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return scrub(self._describe(kind, key))

    def _gate_question(self, info: CanaryInfo, webhook: Webhook, what: str, then: str = "") -> str:
        """`what` on the exact service (or URL) it posts to, or why nothing will be posted at all."""
        try:
            where = gate_route(info, webhook, self.loadtester_url).describe()
        except LoadtesterError as exc:
            return f"{what}? Refused, nothing will be sent: {exc}."
        return f"{what} on {where}?{then}"

    def _describe(self, kind: ActionKind, key: CanaryKey) -> str:
        info = self._info(key)
        if kind in (ActionKind.TOGGLE_LOAD, ActionKind.INJECT_ERRORS):
            preset = self.background if kind is ActionKind.TOGGLE_LOAD else self.errors
            if kind is ActionKind.TOGGLE_LOAD and self.loads.running_with_label(preset.label):
                return f"Stop the background load against {self.target_url}?"
            spec = preset.spec(self.target_url)
            until = f" for {int(spec.duration_s)}s" if spec.duration_s else ""
            return (
                f"Send load to {spec.url}: -c {spec.concurrency} -q {spec.rate_per_worker:g}{until} "
                f"(up to {spec.max_rate:g} requests/s)?"
            )
        if info is None:
            return f"{key} is not in view any more"
        namespace, target = key.namespace, info.target
        if kind in (ActionKind.RELEASE, ActionKind.FAULTY_RELEASE):
            faulty = kind is ActionKind.FAULTY_RELEASE
            change = f"a new {rel.ECHO_KEY}" + (
                f" and {rel.ERROR_KEY}={self.release.faulty_error_rate} (faulty)" if faulty else f", {rel.ERROR_KEY}=0"
            )
            strategy = self._strategy(info)
            if strategy == "helmrelease":
                dep = self.state().deployment(namespace, target)
                owner = dep.helm_release if dep and dep.helm_release else (namespace, target)
                return (
                    f"Merge-patch HelmRelease {owner[0]}/{owner[1]} {self.release.value_path}: {change}. "
                    f"{FLUX_WARNING}. Continue?"
                )
            if strategy == "git":
                return (
                    f"Commit {self.release.git_file} in {self.release.git_repo} with {change}, and push? "
                    "Flux then applies it and Flagger starts an analysis."
                )
            return (
                f"Patch Deployment {namespace}/{target}: {change} in the pod template. Flagger starts a canary "
                "analysis at its next tick. Continue?"
            )
        if kind is ActionKind.CHANGE_CONFIG:
            flux = ""
            dep = self.state().deployment(namespace, target)
            if dep is not None and dep.helm_release:
                flux = f" {FLUX_WARNING}."
            return (
                f"Patch the ConfigMap Deployment {namespace}/{target} reads (where its first container gets "
                f"{cfg.ECHO_KEY}, else the first it reads whole): a new {cfg.ECHO_KEY}. Flagger tracks it and starts "
                f"a canary analysis at its next tick.{flux} Continue?"
            )
        facts = self._canary_facts(key, info)
        if kind is ActionKind.PROMOTE:
            gate = promotion_gate(facts)
            if gate is not None:
                return self._gate_question(
                    info, self._webhook(info, gate), f"Open the promotion gate of {key} (POST /gate/open)"
                )
            return f"Set spec.skipAnalysis=true on Canary {key}? {SKIP_ANALYSIS_WARNING}."
        if kind is ActionKind.ABORT:
            if Gate.ROLLBACK in facts.gates:
                return self._gate_question(
                    info,
                    self._webhook(info, Gate.ROLLBACK),
                    f"Open the rollback gate of {key} (POST /rollback/open)",
                    " Flagger rolls back at its next tick; canaryscope closes the gate again once the canary "
                    "has failed.",
                )
            return f"{key} has no rollback webhook; nothing can abort it from here."
        if kind is ActionKind.TOGGLE_SUSPEND:
            paused_by = pause_gate(facts)
            if paused_by is not None:
                return self._gate_question(
                    info, self._webhook(info, paused_by), f"Toggle the traffic-increase gate of {key} (pause/resume)"
                )
            verb = "Resume" if info.suspend else "Suspend"
            effect = "Flagger continues the analysis" if info.suspend else "Flagger skips it, routing stays as it is"
            return f"{verb} Canary {key} (spec.suspend={'false' if info.suspend else 'true'}): {effect}?"
        return f"{kind} {key}?"

    # --- doing it ----------------------------------------------------------------------------------------

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        generation = generation_of(self.connection.api_client)
        try:
            return super().perform(kind, key)
        except (HttpProblem, LoadtesterError) as exc:
            if self._renewed(exc, generation):
                return self._expired(kind)
            return Outcome(False, f"Nothing changed: {exc}")
        except Exception as exc:  # a failing action is reported on screen, whatever went wrong
            if self._renewed(exc, generation):
                return self._expired(kind)
            from tui.load.errors import LoadError

            if isinstance(exc, LoadError):
                return Outcome(False, str(exc))
            status = getattr(exc, "status", None)
            if status == 403:
                return Outcome(False, f"Forbidden: your credentials may not change this object ({kind} on {key})")
            return Outcome(False, f"{kind} failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:160]}")

    def _renewed(self, exc: Exception, generation: int) -> bool:
        """A 401 with renewable credentials (an exec plugin's, an OIDC token), now renewed."""
        return getattr(exc, "status", None) == 401 and renewed_after_refusal(self.connection.api_client, generation)

    @staticmethod
    def _expired(kind: ActionKind) -> Outcome:
        # Not sent again on its own: a step before the refused one may have been applied already.
        return Outcome(False, f"{kind} refused (HTTP 401): the credentials had expired; they are renewed, try again")

    # --- the effector: facts for the planner, and its steps carried out ----------------------------------

    def facts(self, kind: ActionKind, key: CanaryKey) -> CanaryFacts:
        facts = self._canary_facts(key, self._info(key))
        running = self.loads.running_with_label(self.errors.label)
        left: float | None = None
        if running is not None:
            stats = running.stats()
            if stats.duration_s:
                left = max(0.0, stats.started_at + stats.duration_s - self.clock())
        return CanaryFacts(
            key,
            Voice.CLUSTER,
            present=facts.present,
            suspended=facts.suspended,
            gates=facts.gates,
            background_on=self.loads.running_with_label(self.background.label) is not None,
            background=_load_facts(self.background.spec(self.target_url)),
            errors=_load_facts(self.errors.spec(self.target_url)),
            errors_running=running is not None,
            errors_left_s=left,
        )

    def _canary_facts(self, key: CanaryKey, info: CanaryInfo | None) -> CanaryFacts:
        """What the canary's spec says: its gates are the webhooks that point at a loadtester's check paths."""
        if info is None:
            return CanaryFacts(key, Voice.CLUSTER, present=False)
        gates = frozenset(gate for gate in Gate if hook(info, gate.value, _CHECK_PATH[gate]) is not None)
        return CanaryFacts(key, Voice.CLUSTER, present=True, suspended=info.suspend, gates=gates)

    def _webhook(self, info: CanaryInfo, gate: Gate) -> Webhook:
        webhook = hook(info, gate.value, _CHECK_PATH[gate])
        if webhook is None:
            raise LoadtesterError(f"{info.key} has no {gate} webhook any more")
        return webhook

    def apply(self, key: CanaryKey, step: Step) -> Any:
        return self._bind(key, step)()

    def schedule(self, follow_up: FollowUp) -> None:
        # Bound now, while the canary is in view: the undo still reaches the same loadtester if it goes away.
        undo = self._bind(follow_up.key, follow_up.step)
        with self._lock:
            self._follow_ups.append(_Pending(follow_up, undo))

    def _bind(self, key: CanaryKey, step: Step) -> Callable[[], Any]:
        """The step as a call to make, resolved against the canary as it is now."""
        if isinstance(step, StartLoad | StopLoad):
            return lambda: self._load(step)
        info = self._info(key)
        if info is None:
            return lambda: Outcome(False, f"{key} is not in view any more")
        if isinstance(step, Release):
            return lambda: self._release(info, faulty=step.faulty)
        if isinstance(step, ChangeConfig):
            return lambda: self._change_config(info)
        if isinstance(step, SetSkipAnalysis):
            return lambda: self._patch_canary(info, {"skipAnalysis": True if step.on else None})
        if isinstance(step, SetSuspend):
            return lambda: self._patch_canary(info, {"suspend": True if step.on else None})
        # Each gate on the loadtester of its own hook (the rollback hook's for `a`), never another hook's host.
        tester = self._loadtester(info, self._webhook(info, step.gate))
        name, namespace = key.name, key.namespace
        rollback = step.gate is Gate.ROLLBACK
        if isinstance(step, OpenGate):
            return lambda: tester.open_rollback(name, namespace) if rollback else tester.open_gate(name, namespace)
        if isinstance(step, CloseGate):
            return lambda: tester.close_rollback(name, namespace) if rollback else tester.close_gate(name, namespace)
        return lambda: _toggle_gate(tester, name, namespace)

    def _load(self, step: StartLoad | StopLoad) -> None:
        preset = self.background if step.load is Load.BACKGROUND else self.errors
        if isinstance(step, StopLoad):
            # toggle, as before: it stops the running one, and starts anew only if that ended meanwhile.
            self.loads.toggle(preset.spec(self.target_url), preset.label)
        else:
            self.loads.start(preset.spec(self.target_url), preset.label)
        self._ensure_reporter()

    def _apis(self) -> tuple[Any, Any]:
        from kubernetes import client

        api = self.connection.api_client
        return client.AppsV1Api(api), client.CustomObjectsApi(api)

    def _release(self, info: CanaryInfo, *, faulty: bool) -> Outcome:
        with self._lock:
            self._releases += 1
            count = self._releases
        now = self.clock()
        values = rel.release_values(count, faulty=faulty, error_rate=self.release.faulty_error_rate, now=now)
        rid = rel.release_id(count, faulty=faulty, now=now)
        namespace, target = info.key.namespace, info.target
        apps, custom = self._apis()
        strategy = self._strategy(info)
        what = rel.describe_values(values)
        if strategy == "git":
            from tui.release.git_release import ReleaseError, release_via_git

            if not self.release.git_repo:
                return Outcome(False, "The git strategy needs --git-repo PATH")
            try:
                result = release_via_git(
                    Path(self.release.git_repo),
                    self.release.git_file,
                    values,
                    value_path=self.release.value_path,
                    message=f"Release {target}: {rel.ECHO_KEY}={values[rel.ECHO_KEY]}"
                    + (f", {rel.ERROR_KEY}={values[rel.ERROR_KEY]}" if faulty else ""),
                )
            except ReleaseError as exc:
                return Outcome(False, str(exc))
            pushed = result.push.describe() if result.push is not None else "not pushed"
            return Outcome(result.pushed, f"Committed {result.short} '{result.subject}'; {pushed}")
        if strategy == "helmrelease":
            dep = get_json(apps.read_namespaced_deployment, name=target, namespace=namespace)
            owner = rel.helm_release_of(dep) or (namespace, target)
            served = self.served()
            version = served.version("helm.toolkit.fluxcd.io") if served else None
            if version is None:
                return Outcome(False, "Flux's HelmRelease API (helm.toolkit.fluxcd.io) is not served by this cluster")
            resp = custom.patch_namespaced_custom_object(
                "helm.toolkit.fluxcd.io",
                version,
                owner[0],
                "helmreleases",
                owner[1],
                rel.helmrelease_patch(self.release.value_path, values),
                _preload_content=False,
            )
            _release_conn(resp)
            return Outcome(True, f"Patched HelmRelease {owner[0]}/{owner[1]}: {what}. {FLUX_WARNING}.")
        dep = get_json(apps.read_namespaced_deployment, name=target, namespace=namespace)
        container = rel.first_container(dep)
        if container is None:
            return Outcome(False, f"Deployment {namespace}/{target} has no container to release")
        resp = apps.patch_namespaced_deployment(
            target,
            namespace,
            rel.deployment_patch(container, values, rid),
            _content_type="application/strategic-merge-patch+json",
            _preload_content=False,
        )
        _release_conn(resp)
        return Outcome(True, f"Released {info.key}: {what} (patched Deployment {namespace}/{target})")

    def _change_config(self, info: CanaryInfo) -> Outcome:
        from kubernetes import client

        with self._lock:
            self._releases += 1
            count = self._releases
        value = rel.release_values(count, faulty=False, error_rate=0, now=self.clock())[rel.ECHO_KEY]
        namespace, target = info.key.namespace, info.target
        apps, _ = self._apis()
        dep = get_json(apps.read_namespaced_deployment, name=target, namespace=namespace)
        where = cfg.config_target(dep)
        if where is None:
            return Outcome(False, f"Nothing changed: Deployment {namespace}/{target} reads no ConfigMap")
        core = client.CoreV1Api(self.connection.api_client)
        config_map = get_json(core.read_namespaced_config_map, name=where.name, namespace=namespace)
        if cfg.tracking_disabled(config_map):
            return Outcome(
                False,
                f"Nothing changed: ConfigMap {namespace}/{where.name} opts out of Flagger's tracking "
                f"({cfg.TRACKING_ANNOTATION}), so a change there would start no analysis",
            )
        resp = core.patch_namespaced_config_map(
            where.name,
            namespace,
            cfg.config_patch(where, value),
            _content_type="application/merge-patch+json",
            _preload_content=False,
        )
        _release_conn(resp)
        flux = f" {FLUX_WARNING}." if rel.helm_release_of(dep) else ""
        return Outcome(True, f"Changed ConfigMap {namespace}/{where.name} ({where.how}): {where.key}={value!r}.{flux}")

    def _patch_canary(self, info: CanaryInfo, spec: dict[str, Any]) -> None:
        served = self.served()
        version = (served.version("flagger.app") if served else None) or "v1beta1"
        _, custom = self._apis()
        resp = custom.patch_namespaced_custom_object(
            "flagger.app",
            version,
            info.key.namespace,
            "canaries",
            info.key.name,
            {"spec": spec},
            _preload_content=False,
        )
        _release_conn(resp)

    def _loadtester(self, info: CanaryInfo, webhook: Webhook) -> Any:
        return loadtester_for(gate_route(info, webhook, self.loadtester_url), self.connection.api_client)

    # --- follow-ups and load statistics ------------------------------------------------------------------

    def after_state(self, state: AppState) -> None:
        """Called by the app with each new state: run the follow-ups whose moment has come (in a thread)."""
        due: list[_Pending] = []
        with self._lock:
            keep = []
            for follow_up in self._follow_ups:
                view = state.canaries.get(follow_up.when.key)
                if follow_up.when.due(view.info.phase if view else None, present=view is not None):
                    due.append(follow_up)
                else:
                    keep.append(follow_up)
            self._follow_ups = keep
        for follow_up in due:
            threading.Thread(target=self._run_follow_up, args=(follow_up,), daemon=True).start()

    def _run_follow_up(self, follow_up: _Pending) -> None:
        try:
            follow_up.undo()
        except Exception:
            # Keep it and try again with the next state change.
            with self._lock:
                self._follow_ups.append(follow_up)

    def pending_follow_ups(self) -> list[str]:
        with self._lock:
            return [f"{f.when.what} for {f.when.key}" for f in self._follow_ups]

    def _ensure_reporter(self) -> None:
        if self._reporter is None or not self._reporter.is_alive():
            self._reporter = threading.Thread(target=self._report_loop, name="load-stats", daemon=True)
            self._reporter.start()
        self._report_loads()

    def _report_loop(self) -> None:
        while not self._stop.wait(LOAD_REPORT_EVERY_S):
            self._report_loads()
            if not any(g.running for g in self.loads.generators()):
                self._report_loads()
                return

    def _report_loads(self) -> None:
        if self._report is None:
            return
        stats = self.loads.stats()
        current = {s.id for s in stats}
        observations: list[Observation] = [LoadObserved(s) for s in stats]
        observations += [LoadRemoved(gen_id) for gen_id in self._known_loads - current]
        self._known_loads = current
        if observations:
            self._report(observations)


def _toggle_gate(tester: Any, name: str, namespace: str) -> bool:
    """Close the gate if open, else open it; whether it is open afterwards."""
    if tester.gate_open(name, namespace):
        tester.close_gate(name, namespace)
        return False
    tester.open_gate(name, namespace)
    return True


def _load_facts(spec: Any) -> LoadFacts:
    return LoadFacts(spec.concurrency, spec.rate_per_worker, spec.duration_s, url=spec.url)


def _release_conn(resp: Any) -> None:
    from tui.cluster.http import check

    try:
        check(resp)
    finally:
        # The body is read to its end first: a connection handed back with the answer unread makes the next
        # request on it read that answer's rest as its status line (BadStatusLine).
        drain = getattr(resp, "drain_conn", None)
        if drain is not None:
            drain()
        release = getattr(resp, "release_conn", None)
        if release is not None:
            release()
