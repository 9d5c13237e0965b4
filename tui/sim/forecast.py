"""How a rollout in flight will end: the simulation's own scheduler run forward from a live Canary.

A fresh object store is seeded with the Canary as the API serves it, its Deployments and the router at its
current weights; SimFlagger then ticks once per analysis interval from the last tick, with every Deployment ready
and every check passing (or, for the rollback time, every check failing) and the gates answering as they do now.
Pure and bounded: no I/O, no threads, at most MAX_TICKS ticks.
"""

from __future__ import annotations

import copy
import random
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from tui.domain.flagger.messages import classify
from tui.domain.flagger.providers import effective_provider, router_family
from tui.domain.flagger.router_kinds import ROUTER_KINDS, kinds_of_family
from tui.domain.forecast import Forecast
from tui.domain.hook_results import HookOutcome, HookResult, hook_results, read_hook_event
from tui.domain.model import CanaryInfo, CanaryKey, FlaggerEvent, RouterInfo
from tui.domain.names import primary_name
from tui.domain.observations import (
    EventObserved,
    ForecastObserved,
    Observation,
    RouterDeleted,
    RouterObserved,
    RoutersListed,
)
from tui.kube.parse import parse_canary, parse_timestamp
from tui.sim.flagger import PROVIDER, SimFlagger, _Run
from tui.sim.loadtester import SimLoadtester
from tui.sim.logger_pod import LoggerPod
from tui.sim.routers import RouterError
from tui.sim.store import ObjectStore
from tui.sim.traffic import TrafficModel
from tui.sim.workloads import Workloads

MAX_TICKS = 300
# A cluster source's memory: router objects seen (any canary's), and per canary in flight its latest hook events.
MAX_ROUTERS = 5000
EVENTS_KEPT = 64
MAX_CANARIES = 2000
IN_FLIGHT = frozenset({"Progressing", "Waiting", "WaitingPromotion", "Promoting", "Finalising"})
_AT_REST = frozenset({"Initialized", "Succeeded", "Failed"})
_HOLDS = frozenset({"confirm-rollout", "confirm-promotion", "confirm-traffic-increase"})

# A gate's answer now: True when the hook would let the canary go on (for a rollback hook: roll back).
GateAnswer = Callable[[dict[str, Any]], bool]


def _all_open_but_rollback(hook: dict[str, Any]) -> bool:
    return (hook.get("type") or "rollout") != "rollback"


class _Checks:
    """The hook runner the forecast uses: rollout hooks answer as the checks do, post-rollout hooks do nothing."""

    def __init__(self, passing: bool) -> None:
        self.passing = passing

    def pre_rollout(self, canary: dict[str, Any], obj: str) -> bool:
        return True  # the analysis starts; its metric checks decide from the next tick on

    def rollout(self, canary: dict[str, Any], obj: str) -> bool:
        return self.passing

    def post_rollout(self, canary: dict[str, Any], event_phase: str) -> None:
        return None


class _ForecastFlagger(SimFlagger):
    """SimFlagger with the world held still: Deployments ready at once, checks passing or failing by choice."""

    def __init__(self, store: ObjectStore, mesh_provider: str, gates: GateAnswer, passing: bool) -> None:
        traffic = TrafficModel(random.Random(0))
        super().__init__(store, Workloads(store, {}), traffic, SimLoadtester(), LoggerPod(), mesh_provider)
        self._gates = gates
        self._checks = _Checks(passing)
        self._hook_runner = self._checks  # type: ignore[assignment]
        self.held_by: str | None = None

    def at(self, now: float) -> None:
        self._now = now

    def tick(self, namespace: str, name: str) -> None:
        self._tick(namespace, name)

    def _event(self, canary: dict[str, Any], event_type: str, message: str, phase: str | None = None) -> None:
        return None

    def _is_ready(self, run: _Run, deployment: str, *, primary: bool) -> bool:
        return True

    def _changed(self, canary: dict[str, Any], target_obj: dict[str, Any]) -> bool:
        # The live target's hash is Flagger's, not ours: an analysis in flight goes on, one at rest starts.
        return ((canary.get("status") or {}).get("phase") or "") in _AT_REST

    def _hook_passes(self, hook: dict[str, Any], name: str, namespace: str) -> bool:
        passes = self._gates(hook)
        if not passes and (hook.get("type") or "rollout") in _HOLDS:
            self.held_by = str(hook.get("name") or hook.get("type"))
        return passes

    def _check_metrics(self, canary: dict[str, Any], obj: str, target: str) -> str | None:
        return None if self._checks.passing else "a check fails"

    def _scale(self, namespace: str, name: str, replicas: int) -> None:
        self._store.patch("Deployment", namespace, name, {"spec": {"replicas": replicas}})

    def _promote(self, target_obj: dict[str, Any], primary_name: str) -> None:
        namespace = target_obj["metadata"]["namespace"]
        template = copy.deepcopy(target_obj["spec"].get("template") or {})
        self._store.replace_spec_field("Deployment", namespace, primary_name, "template", template)


def _deployment(namespace: str, name: str, source: dict[str, Any] | None) -> dict[str, Any]:
    spec = (source or {}).get("spec") or {}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": int(spec.get("replicas") or 1), "template": copy.deepcopy(spec.get("template") or {})},
    }


def _run_forward(
    canary: dict[str, Any],
    target: dict[str, Any] | None,
    weights: tuple[int, int, bool],
    start: float,
    interval: int,
    mesh_provider: str,
    gates: GateAnswer,
    *,
    passing: bool,
) -> tuple[str, int, float, str | None] | None:
    """(final phase, ticks, time) of the run forward: Succeeded, Failed, or the phase a gate holds it in."""
    meta = canary["metadata"]
    namespace, name = meta["namespace"], meta["name"]
    target_name = canary["spec"]["targetRef"]["name"]
    t = start
    store = ObjectStore(lambda: t)
    store.create(copy.deepcopy({**canary, "kind": "Canary"}))
    store.create(_deployment(namespace, target_name, target))
    store.create(_deployment(namespace, primary_name(target_name), target))
    flagger = _ForecastFlagger(store, mesh_provider, gates, passing)
    flagger.at(t)
    try:
        router = flagger.router_of(canary)
        router.reconcile(canary)
        router.set_routes(canary, weights[0], weights[1], weights[2])
    except (RouterError, KeyError, ValueError):
        return None
    for ticks in range(1, MAX_TICKS + 1):
        t = start + ticks * interval
        flagger.at(t)
        flagger.tick(namespace, name)
        phase = ((store.get("Canary", namespace, name) or {}).get("status") or {}).get("phase") or ""
        if phase in ("Succeeded", "Failed"):
            return phase, ticks, t, None
        if flagger.held_by is not None:  # a closed gate holds it here (as it is asked now) until it opens
            return phase, ticks, t, flagger.held_by
    return None


def forecast(
    canary: dict[str, Any],
    target: dict[str, Any] | None,
    weights: tuple[int, int, bool],
    last_tick: float | None = None,
    mesh_provider: str = PROVIDER,
    gates: GateAnswer = _all_open_but_rollback,
) -> Forecast | None:
    """The forecast for a Canary in flight (None at rest or when it cannot be told). `weights`: the router's
    (primary, canary, mirrored) now; `last_tick`: when the last analysis tick ran (else the status's
    lastTransitionTime); `gates`: how each webhook gate answers now."""
    status = canary.get("status") or {}
    if status.get("phase") not in IN_FLIGHT or canary["spec"].get("suspend"):
        return None
    start = last_tick if last_tick is not None else parse_timestamp(status.get("lastTransitionTime"))
    if start is None:
        return None
    interval = SimFlagger._interval(canary)
    ahead = _run_forward(canary, target, weights, start, interval, mesh_provider, gates, passing=True)
    if ahead is None:
        return None
    phase, ticks, t, held_by = ahead
    if phase == "Failed":  # the threshold is reached already: the next tick rolls back whatever the checks say
        return Forecast(ticks_left=None, promotion_at=None, rollback_at=t, rollback_certain=True)
    rollback_at: float | None = None
    if int(status.get("failedChecks") or 0) > 0:
        failing = _run_forward(canary, target, weights, start, interval, mesh_provider, gates, passing=False)
        if failing is not None and failing[0] == "Failed":
            rollback_at = failing[2]
    if held_by is not None:
        return Forecast(ticks_left=None, promotion_at=None, waits_for=held_by, rollback_at=rollback_at)
    if phase != "Succeeded":
        return Forecast(ticks_left=None, promotion_at=None, rollback_at=rollback_at)
    return Forecast(ticks_left=ticks, promotion_at=t, rollback_at=rollback_at)


def loadtester_gates(loadtester: SimLoadtester, name: str, namespace: str) -> GateAnswer:
    """How the simulated loadtester's gate routes answer now (asking them has no side effect); other hooks pass,
    rollback hooks do not roll back."""

    def answer(hook: dict[str, Any]) -> bool:
        path = urlsplit(str(hook.get("url") or "")).path
        if path in ("/gate/approve", "/gate/halt", "/gate/check", "/rollback/check"):
            code, _ = loadtester.call(str(hook.get("url")), name, namespace)
            return code is not None and code <= 202
        return _all_open_but_rollback(hook)

    return answer


def phase_gates(canary: dict[str, Any]) -> GateAnswer:
    """Gates as a live Canary shows them without asking: the confirm gate it waits behind is closed, others open."""
    phase = (canary.get("status") or {}).get("phase")
    closed = {"Waiting": "confirm-rollout", "WaitingPromotion": "confirm-promotion"}.get(str(phase))

    def answer(hook: dict[str, Any]) -> bool:
        kind = hook.get("type") or "rollout"
        return kind != closed and _all_open_but_rollback(hook)

    return answer


class SimForecasts:
    """The simulation source's forecasts: one per change of a Canary's status, as it is written."""

    def __init__(self, store: ObjectStore, flagger: SimFlagger, loadtester: SimLoadtester) -> None:
        self._store = store
        self._flagger = flagger
        self._loadtester = loadtester
        self._seen: dict[CanaryKey, Any] = {}

    def changed(self, change: str, obj: dict[str, Any]) -> list[ForecastObserved]:
        if obj.get("kind") != "Canary":
            return []
        meta = obj["metadata"]
        key = CanaryKey(meta["namespace"], meta["name"])
        if change == "DELETED":
            self._seen.pop(key, None)
            return []
        status = obj.get("status") or {}
        if self._seen.get(key) == status:
            return []
        self._seen[key] = copy.deepcopy(status)
        return [ForecastObserved(key, self._forecast(obj, key))]

    def _forecast(self, canary: dict[str, Any], key: CanaryKey) -> Forecast | None:
        if (canary.get("status") or {}).get("phase") not in IN_FLIGHT:
            return None
        router = self._flagger.router_of(canary)
        try:
            primary, weight = router.get_routes(canary)
            mirrored = router.mirrored(canary)
        except RouterError:
            return None
        target = self._store.get("Deployment", key.namespace, canary["spec"]["targetRef"]["name"])
        gates = loadtester_gates(self._loadtester, key.name, key.namespace)
        return forecast(canary, target, (primary, weight, mirrored), None, self._flagger.mesh_provider, gates)


def status_weights(canary: dict[str, Any]) -> tuple[int, int, bool]:
    """The router's weights as the Canary's status tells them, for a source that does not read the router."""
    weight = max(0, min(100, int((canary.get("status") or {}).get("canaryWeight") or 0)))
    return 100 - weight, weight, False


def result_gates(canary: dict[str, Any], results: tuple[HookResult, ...]) -> GateAnswer:
    """Gates as Flagger last reported them: a confirm gate whose newest event says it waits is closed, one that
    passed since is open; a gate with no result yet is closed only if the Canary's phase waits behind it."""
    by_phase = phase_gates(canary)
    closed = {r.name for r in results if r.outcome is HookOutcome.WAITING}
    opened = {r.name for r in results if r.outcome is HookOutcome.PASSED}

    def answer(hook: dict[str, Any]) -> bool:
        if (hook.get("type") or "rollout") in _HOLDS:
            name = str(hook.get("name") or "")
            if name in closed:
                return False
            if name in opened:
                return True
        return by_phase(hook)

    return answer


RouterId = tuple[str, str, str]  # namespace, name, kind


class LiveForecasts:
    """A cluster source's forecasts, for canaries in flight only: one whenever something the run forward starts
    from changes: the Canary (spec and status), its router's weights where the status does not tell them (see
    _weights) and its webhooks' last results in Flagger's events (the confirm gates). `changed` takes each Canary
    the source watches, `observed` whatever else it reports; both run on the source's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._canaries: dict[CanaryKey, dict[str, Any]] = {}
        self._infos: dict[CanaryKey, CanaryInfo] = {}
        self._routers: dict[RouterId, RouterInfo] = {}
        self._events: dict[CanaryKey, deque[FlaggerEvent]] = {}
        self._sent: dict[CanaryKey, Forecast | None] = {}
        self._router_readers: set[CanaryKey] = set()  # the canaries in flight whose forecast reads their router
        self._mesh_provider: str | None = None

    def changed(self, change: str, obj: dict[str, Any], mesh_provider: str | None) -> list[ForecastObserved]:
        meta = obj.get("metadata") or {}
        key = CanaryKey(str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        with self._lock:
            self._mesh_provider = mesh_provider or self._mesh_provider
            old = self._canaries.get(key)
            if change == "DELETED":
                self._forget(key)
                self._events.pop(key, None)
                self._sent.pop(key, None)
                return []
            if old is not None and old.get("status") == obj.get("status") and old.get("spec") == obj.get("spec"):
                return []
            info = parse_canary(obj)
            if info is None or (obj.get("status") or {}).get("phase") not in IN_FLIGHT:
                self._forget(key)
                if key in self._sent and self._sent[key] is None:
                    return []
                self._sent[key] = None
                return [ForecastObserved(key, None)]
            self._canaries[key] = copy.deepcopy(obj)
            self._infos[key] = info
            if self._reads_router(key):
                self._router_readers.add(key)
            else:
                self._router_readers.discard(key)
            found = self._forecast(key)
            self._sent[key] = found
            return [ForecastObserved(key, found)]

    def observed(self, observations: Sequence[Observation], mesh_provider: str | None) -> list[ForecastObserved]:
        """Forecasts again the canaries in flight whose router or webhook results these observations change."""
        touched: set[CanaryKey] = set()
        with self._lock:
            self._mesh_provider = mesh_provider or self._mesh_provider
            for observation in observations:
                touched |= self._take(observation)
            out: list[ForecastObserved] = []
            for key in sorted(touched, key=str):
                found = self._forecast(key)
                if self._sent.get(key) != found:
                    self._sent[key] = found
                    out.append(ForecastObserved(key, found))
            return out

    def _take(self, observation: Observation) -> set[CanaryKey]:
        match observation:
            case RouterObserved(info=router):
                if len(self._routers) >= MAX_ROUTERS:
                    self._routers.pop(next(iter(self._routers)))
                self._routers[(router.namespace, router.name, router.kind)] = router
                return self._routed_by({(router.namespace, router.name, router.kind)})
            case RouterDeleted(namespace=namespace, name=name, kind=kind):
                gone = {rid for rid in self._routers if rid[:2] == (namespace, name) and kind in (None, rid[2])}
                for rid in gone:
                    del self._routers[rid]
                return self._routed_by(gone)
            case RoutersListed(items=items, namespace=namespace, kind=kind):
                for rid in [r for r in self._routers if namespace in (None, r[0]) and kind in (None, r[2])]:
                    del self._routers[rid]
                for router in items[:MAX_ROUTERS]:
                    self._routers[(router.namespace, router.name, router.kind)] = router
                return set(self._router_readers)
            case EventObserved(event=event):
                # Kept for any canary, in flight or not yet: a gate's one "waiting" event may come first.
                if read_hook_event(event.message) is None and not _releases(event):
                    return set()
                key = CanaryKey(event.namespace, event.name)
                if key not in self._events and len(self._events) >= MAX_CANARIES:
                    self._events.pop(next(iter(self._events)))
                self._events.setdefault(key, deque(maxlen=EVENTS_KEPT)).append(event)
                return {key} if key in self._canaries else set()
        return set()

    def _forget(self, key: CanaryKey) -> None:
        self._canaries.pop(key, None)
        self._infos.pop(key, None)
        self._router_readers.discard(key)

    def _router_ids(self, key: CanaryKey) -> list[RouterId]:
        info = self._infos[key]
        provider = effective_provider(info.provider, self._mesh_provider)
        family = router_family(provider).family if provider is not None else None
        kinds = kinds_of_family(family) if family is not None else ROUTER_KINDS
        return [(rk.namespace_for(info), name, rk.kind) for rk in kinds if (name := rk.name_for(info)) is not None]

    def _routed_by(self, routers: set[RouterId]) -> set[CanaryKey]:
        """The canaries whose forecast reads one of these routers (see _weights): few, so a router's change on
        every tick costs nothing for the others."""
        return {key for key in self._router_readers if routers.intersection(self._router_ids(key))}

    def _reads_router(self, key: CanaryKey) -> bool:
        canary = self._canaries[key]
        analysis = (canary.get("spec") or {}).get("analysis") or {}
        return (canary.get("status") or {}).get("phase") == "WaitingPromotion" and not analysis.get("iterations")

    def _weights(self, key: CanaryKey) -> tuple[int, int, bool]:
        """The status's weights, or the router's where the status does not tell them: WaitingPromotion reads 0
        while the traffic stays where the last step put it. (In the other phases a router that differs from the
        status is a tick under way: Flagger writes the router first and the status a moment later. An A/B or
        blue/green route's weights are its rules', not a share: those move by iterations.)"""
        canary = self._canaries[key]
        if self._reads_router(key):
            for rid in self._router_ids(key):
                router = self._routers.get(rid)
                if router is not None and router.primary_weight is not None and router.canary_weight is not None:
                    return router.primary_weight, router.canary_weight, False
        return status_weights(canary)

    def _forecast(self, key: CanaryKey) -> Forecast | None:
        canary = self._canaries.get(key)
        if canary is None:
            return None
        results = hook_results(self._infos[key].webhooks, self._events.get(key, ()))
        try:
            return forecast(
                canary,
                None,
                self._weights(key),
                None,
                self._mesh_provider or PROVIDER,
                result_gates(canary, results),
            )
        except (KeyError, TypeError, ValueError, AttributeError):  # a Canary too malformed to run forward
            return None


def _releases(event: FlaggerEvent) -> bool:
    return classify(event.message).kind in ("new-revision", "restart")
