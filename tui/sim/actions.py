"""The action keys, carried out on the simulated cluster (instantly, between two simulation steps)."""

from __future__ import annotations

from typing import Any

from tui.actions.base import ActionKind, Outcome
from tui.actions.performer import PlannedActions
from tui.actions.plan import CanaryFacts, ChangeConfig, FollowUp, Gate, LoadFacts, Release, Step, Voice
from tui.domain.model import CanaryKey
from tui.sim import manifests
from tui.sim.engine import Simulation
from tui.sim.scenario import LoadSpec

# confirm-rollout gates exist in scenarios too, but no key opens them.
_GATES = frozenset(g.value for g in Gate)


class SimEffector:
    """Steps taken on the simulation; the facts come from the simulation itself, never a state that may lag."""

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim

    def facts(self, kind: ActionKind, key: CanaryKey) -> CanaryFacts:
        sim = self._sim
        if key not in sim.canaries:
            return CanaryFacts(key, Voice.SIMULATION, present=False)
        canary = sim.store.get("Canary", key.namespace, key.name) or {}
        running = sim.errors_running(key)
        left: float | None = None
        if running is not None and running.duration_s:
            left = max(0.0, running.started_at + running.duration_s - sim.now)
        scenario = sim.scenario
        return CanaryFacts(
            key,
            Voice.SIMULATION,
            present=True,
            suspended=bool((canary.get("spec") or {}).get("suspend")),
            gates=frozenset(Gate(g) for g in sim.spec_of(key).gates if g in _GATES),
            background_on=sim.background_on(key),
            background=_load_facts(scenario.background),
            errors=_load_facts(scenario.errors),
            errors_running=running is not None,
            errors_left_s=left,
        )

    def apply(self, key: CanaryKey, step: Step) -> Any:
        result = self._sim.apply(key, step)
        if isinstance(step, Release):
            if step.faulty:
                rate = self._sim.scenario.faulty_error_rate
                return Outcome(True, f"Released a faulty {key}: SERVER_ERROR_RATE={rate}, ECHO_VALUE={result!r}")
            return Outcome(True, f"Released {key}: ECHO_VALUE={result!r}")
        if isinstance(step, ChangeConfig):
            spec = self._sim.spec_of(key)
            if result is None:
                return Outcome(
                    False,
                    f"{key}'s pod template reads no ConfigMap in this scenario; the 'configmap' scenario's reads "
                    f"ECHO_VALUE from one (canaryscope demo --scenario configmap)",
                )
            config = f"{key.namespace}/{manifests.config_map_name(spec)}"
            return Outcome(True, f"Changed ConfigMap {config}: ECHO_VALUE={result!r}, the pod template untouched")
        return result

    def schedule(self, follow_up: FollowUp) -> None:
        self._sim.schedule(follow_up)


def _load_facts(load: LoadSpec) -> LoadFacts:
    return LoadFacts(load.concurrency, load.rate, load.duration_s, delay=load.delay, status=load.status)


class SimActions(PlannedActions):
    def __init__(self, sim: Simulation) -> None:
        super().__init__(SimEffector(sim))

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return f"{kind} on the simulated {key}"
