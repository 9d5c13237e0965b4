"""The action keys, carried out on the simulated cluster (instantly, between two simulation steps)."""

from __future__ import annotations

from tui.actions.base import ActionKind, Outcome, errors_already_running
from tui.model import CanaryKey
from tui.sim.engine import Simulation


class SimActions:
    read_only = False
    needs_confirmation = False
    blocking = False

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return f"{kind} on the simulated {key}"

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        sim = self._sim
        if key not in sim.canaries:
            return Outcome(False, f"{key} is not part of this simulation")
        scenario = sim.scenario
        if kind is ActionKind.RELEASE:
            value = sim.release(key, faulty=False)
            return Outcome(True, f"Released {key}: ECHO_VALUE={value!r}")
        if kind is ActionKind.FAULTY_RELEASE:
            value = sim.release(key, faulty=True)
            return Outcome(
                True, f"Released a faulty {key}: SERVER_ERROR_RATE={scenario.faulty_error_rate}, ECHO_VALUE={value!r}"
            )
        if kind is ActionKind.TOGGLE_LOAD:
            on = not sim.background_on(key)
            sim.set_background(key, on)
            load = scenario.background
            if on:
                return Outcome(True, f"Background load on: -c {load.concurrency} -q {load.rate:g} delay {load.delay}")
            return Outcome(True, "Background load off: without traffic Flagger halts with 'no values found'")
        if kind is ActionKind.INJECT_ERRORS:
            running = sim.errors_running(key)
            if running is not None:
                end = running.started_at + running.duration_s if running.duration_s else None
                return errors_already_running(max(0.0, end - sim.now) if end is not None else None)
            sim.inject_errors(key)
            load = scenario.errors
            duration = f" -z {load.duration_s:g}s" if load.duration_s else ""
            return Outcome(
                True,
                f"Injecting errors: -c {load.concurrency} -q {load.rate:g}{duration} "
                f"status={load.status} delay {load.delay}",
            )
        if kind is ActionKind.PROMOTE:
            if sim.has_gate(key, "confirm-promotion"):
                sim.open_promotion_gate(key)
                return Outcome(True, f"Promotion gate opened for {key}: promotes at the next tick once at max weight")
            sim.promote_now(key)
            return Outcome(
                True,
                f"Promoting {key} now: spec.skipAnalysis=true skips the rest of the analysis "
                "(unset again after the promotion)",
            )
        if kind is ActionKind.ABORT:
            if not sim.has_gate(key, "rollback"):
                return Outcome(
                    False,
                    f"Abort needs a rollback webhook (flagger-loadtester /rollback/check) on {key}; "
                    "this scenario has none (the 'demo' and 'gated' scenarios do)",
                )
            sim.open_rollback_gate(key)
            return Outcome(True, f"Rollback gate opened: Flagger rolls back {key} at its next analysis tick")
        if kind is ActionKind.TOGGLE_SUSPEND:
            canary = sim.store.get("Canary", key.namespace, key.name)
            suspend = not bool(canary["spec"].get("suspend"))
            sim.set_suspend(key, suspend)
            if suspend:
                return Outcome(True, f"Suspended {key}: Flagger skips it every tick, routing stays as it is")
            return Outcome(True, f"Resumed {key}")
        return Outcome(False, f"Unknown action {kind}")

    def stop(self) -> None:
        pass
