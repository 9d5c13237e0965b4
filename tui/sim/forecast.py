"""How a rollout in flight will end: the simulation's own scheduler run forward from a live Canary.

A fresh object store is seeded with the Canary as the API serves it, its Deployments and the router at its
current weights; SimFlagger then ticks once per analysis interval from the last tick, with every Deployment ready
and every check passing (or, for the rollback time, every check failing) and the gates answering as they do now.
Pure and bounded: no I/O, no threads, at most MAX_TICKS ticks.
"""

from __future__ import annotations

import copy
import random
from typing import Any
from urllib.parse import urlsplit

from tui.domain.forecast import Forecast
from tui.domain.model import CanaryKey
from tui.domain.names import primary_name
from tui.domain.observations import ForecastObserved
from tui.kube.parse import parse_timestamp
from tui.sim.flagger import PROVIDER, SimFlagger, _Run
from tui.sim.forecast_gates import HOLDS, IN_FLIGHT, GateAnswer, all_open_but_rollback
from tui.sim.loadtester import SimLoadtester
from tui.sim.logger_pod import LoggerPod
from tui.sim.routers import RouterError
from tui.sim.store import ObjectStore
from tui.sim.traffic import TrafficModel
from tui.sim.workloads import Workloads

MAX_TICKS = 300
_AT_REST = frozenset({"Initialized", "Succeeded", "Failed"})


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
        if not passes and (hook.get("type") or "rollout") in HOLDS:
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
    gates: GateAnswer = all_open_but_rollback,
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
        return all_open_but_rollback(hook)

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
