"""What an action leaves behind in the simulation: a gate opened for one rollout is closed once that rollout is over,
whichever way it ended, so the next release is analysed afresh."""

from __future__ import annotations

from tests.simkit import EXAMINER, run_until, simulation
from tui.actions import ActionKind
from tui.actions.plan import Gate
from tui.sim.actions import SimActions
from tui.sim.engine import Simulation


def phase(sim: Simulation) -> str:
    return str(sim.store.get("Canary", "apps", "examiner")["status"].get("phase"))


def test_a_rollback_gate_opened_before_a_promotion_is_closed_once_the_canary_succeeded() -> None:
    sim = simulation("demo")
    actions = SimActions(sim)
    assert actions.perform(ActionKind.RELEASE, EXAMINER).ok
    run_until(sim, lambda s: phase(s) == "Progressing")
    # p without a promotion gate sets skipAnalysis; Flagger checks it before the rollback gate, so it promotes.
    assert actions.perform(ActionKind.PROMOTE, EXAMINER).ok
    assert actions.perform(ActionKind.ABORT, EXAMINER).ok
    assert sim.gate_open(EXAMINER, Gate.ROLLBACK)
    run_until(sim, lambda s: phase(s) in ("Succeeded", "Failed"))
    assert phase(sim) == "Succeeded"
    run_until(sim, lambda s: not s.gate_open(EXAMINER, Gate.ROLLBACK), limit_s=120)
    # The next release is analysed, not rolled back on its first tick by the gate left over.
    assert actions.perform(ActionKind.RELEASE, EXAMINER).ok
    run_until(sim, lambda s: phase(s) in ("Succeeded", "Failed"))
    assert phase(sim) == "Succeeded"
