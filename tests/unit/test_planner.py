"""The planner's decisions: for each key and canary, the steps, the follow-ups and the exact wording."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tui.actions import ActionKind, Outcome, ReadOnlyActions
from tui.actions.performer import PlannedActions, carry_out
from tui.actions.plan import (
    CanaryFacts,
    ChangeConfig,
    CloseGate,
    FollowUp,
    Gate,
    Load,
    LoadFacts,
    OpenGate,
    Plan,
    Release,
    SetSkipAnalysis,
    SetSuspend,
    StartLoad,
    Step,
    StopLoad,
    ToggleGate,
    Voice,
)
from tui.actions.planner import SKIP_ANALYSIS_WARNING, plan
from tui.domain.model import CanaryKey

KEY = CanaryKey("apps", "examiner")
SIM, CLUSTER = Voice.SIMULATION, Voice.CLUSTER
URL = "http://127.0.0.1:9/examine"


def facts(voice: Voice, *gates: Gate, **changes: Any) -> CanaryFacts:
    base = CanaryFacts(
        KEY,
        voice,
        present=True,
        gates=frozenset(gates),
        background=LoadFacts(5, 5.0, 3600.0, url=f"{URL}?delay=100..250", delay="100..250"),
        errors=LoadFacts(2, 2.0, 240.0, url=f"{URL}?status=500", delay="100..500", status=500),
    )
    return replace(base, **changes)


def said(planned: Plan, result: Any = None) -> str:
    outcome = planned.say(result)
    assert outcome.ok
    return outcome.message


# --- promote -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voice", "wording"),
    [
        (SIM, "Promotion gate opened for {key}: promotes at the next tick once at max weight"),
        (CLUSTER, "Promotion gate opened for {key}; closed again once promotion starts"),
    ],
)
def test_promote_opens_the_promotion_gate_and_closes_it_once_promotion_starts(voice: Voice, wording: str) -> None:
    planned = plan(ActionKind.PROMOTE, facts(voice, Gate.PROMOTION, Gate.ROLLBACK))
    assert planned.steps == (OpenGate(Gate.PROMOTION),)
    (follow_up,) = planned.follow_ups
    assert follow_up.step == CloseGate(Gate.PROMOTION)
    assert follow_up.phases == {"Promoting", "Finalising", "Succeeded", "Failed"}
    assert said(planned) == wording.format(key=KEY)


def test_promote_without_a_gate_sets_skip_analysis_and_unsets_it_once_done() -> None:
    for voice in (SIM, CLUSTER):
        planned = plan(ActionKind.PROMOTE, facts(voice, Gate.ROLLBACK))
        assert planned.steps == (SetSkipAnalysis(True),)
        (follow_up,) = planned.follow_ups
        assert follow_up.step == SetSkipAnalysis(False)
        assert follow_up.phases == {"Succeeded", "Failed"}
        assert follow_up.what == "unset spec.skipAnalysis"
    assert said(plan(ActionKind.PROMOTE, facts(SIM))) == (
        f"Promoting {KEY} now: spec.skipAnalysis=true skips the rest of the analysis (unset again after the promotion)"
    )
    assert said(plan(ActionKind.PROMOTE, facts(CLUSTER))) == (
        f"Promoting {KEY}: spec.skipAnalysis=true. {SKIP_ANALYSIS_WARNING}"
    )


def test_a_traffic_increase_gate_promotes_on_a_cluster_but_not_in_the_simulation() -> None:
    assert plan(ActionKind.PROMOTE, facts(CLUSTER, Gate.TRAFFIC)).steps == (OpenGate(Gate.TRAFFIC),)
    assert plan(ActionKind.PROMOTE, facts(CLUSTER, Gate.TRAFFIC)).follow_ups[0].step == CloseGate(Gate.TRAFFIC)
    assert plan(ActionKind.PROMOTE, facts(SIM, Gate.TRAFFIC)).steps == (SetSkipAnalysis(True),)
    # Both present: the confirm-promotion one.
    assert plan(ActionKind.PROMOTE, facts(CLUSTER, Gate.TRAFFIC, Gate.PROMOTION)).steps == (OpenGate(Gate.PROMOTION),)


# --- abort ---------------------------------------------------------------------------------------------------


def test_abort_opens_the_rollback_gate_and_closes_it_after_the_rollback() -> None:
    sim = plan(ActionKind.ABORT, facts(SIM, Gate.ROLLBACK))
    cluster = plan(ActionKind.ABORT, facts(CLUSTER, Gate.ROLLBACK))
    for planned in (sim, cluster):
        assert planned.steps == (OpenGate(Gate.ROLLBACK),)
        assert planned.follow_ups[0].step == CloseGate(Gate.ROLLBACK)
        assert planned.follow_ups[0].what == "close the rollback gate"
    assert sim.follow_ups[0].phases == cluster.follow_ups[0].phases == {"Failed", "Succeeded"}
    assert said(sim) == f"Rollback gate opened: Flagger rolls back {KEY} at its next analysis tick"
    assert said(cluster) == f"Rollback gate opened: Flagger rolls back {KEY} at its next tick"


def test_abort_without_a_rollback_hook_is_refused_and_changes_nothing() -> None:
    sim = plan(ActionKind.ABORT, facts(SIM, Gate.PROMOTION))
    cluster = plan(ActionKind.ABORT, facts(CLUSTER, Gate.PROMOTION))
    for planned in (sim, cluster):
        assert planned.steps == () and planned.follow_ups == ()
        assert not planned.say(None).ok
    assert sim.say(None).message == (
        f"Abort needs a rollback webhook (flagger-loadtester /rollback/check) on {KEY}; "
        "this scenario has none (the 'demo' and 'gated' scenarios do)"
    )
    assert cluster.say(None).message == (
        f"Abort needs a rollback webhook on {KEY} pointing at a flagger-loadtester's "
        "/rollback/check (the demo chart's loadtester.enabled adds one)"
    )


# --- suspend -------------------------------------------------------------------------------------------------


def test_suspend_toggles_spec_suspend() -> None:
    cases = [
        (SIM, False, SetSuspend(True), f"Suspended {KEY}: Flagger skips it every tick, routing stays as it is"),
        (SIM, True, SetSuspend(False), f"Resumed {KEY}"),
        (
            CLUSTER,
            False,
            SetSuspend(True),
            f"Suspended {KEY} (spec.suspend=true): Flagger skips it, routing stays as it is",
        ),
        (CLUSTER, True, SetSuspend(False), f"Resumed {KEY} (spec.suspend unset)"),
    ]
    for voice, suspended, step, wording in cases:
        planned = plan(ActionKind.TOGGLE_SUSPEND, facts(voice, suspended=suspended))
        assert planned.steps == (step,)
        assert planned.follow_ups == ()
        assert said(planned) == wording


def test_suspend_on_a_cluster_toggles_the_traffic_increase_gate_when_the_canary_has_one() -> None:
    planned = plan(ActionKind.TOGGLE_SUSPEND, facts(CLUSTER, Gate.TRAFFIC, suspended=True))
    assert planned.steps == (ToggleGate(Gate.TRAFFIC),)
    assert said(planned, True) == f"Resumed {KEY}: the traffic-increase gate is open"
    assert said(planned, False) == f"Paused {KEY}: the traffic-increase gate is closed, weights stay as they are"
    # The simulation keeps to spec.suspend.
    assert plan(ActionKind.TOGGLE_SUSPEND, facts(SIM, Gate.TRAFFIC)).steps == (SetSuspend(True),)


# --- loads ---------------------------------------------------------------------------------------------------


def test_background_load_toggles() -> None:
    on_sim = plan(ActionKind.TOGGLE_LOAD, facts(SIM))
    on_cluster = plan(ActionKind.TOGGLE_LOAD, facts(CLUSTER))
    assert on_sim.steps == on_cluster.steps == (StartLoad(Load.BACKGROUND),)
    assert said(on_sim) == "Background load on: -c 5 -q 5 delay 100..250"
    assert said(on_cluster) == f"Background load on: -c 5 -q 5 against {URL}?delay=100..250"
    off_sim = plan(ActionKind.TOGGLE_LOAD, facts(SIM, background_on=True))
    off_cluster = plan(ActionKind.TOGGLE_LOAD, facts(CLUSTER, background_on=True))
    assert off_sim.steps == off_cluster.steps == (StopLoad(Load.BACKGROUND),)
    assert said(off_sim) == "Background load off: without traffic Flagger halts with 'no values found'"
    assert said(off_cluster) == "Background load stopped"


def test_errors_are_injected_once_at_a_time() -> None:
    sim = plan(ActionKind.INJECT_ERRORS, facts(SIM))
    cluster = plan(ActionKind.INJECT_ERRORS, facts(CLUSTER))
    assert sim.steps == cluster.steps == (StartLoad(Load.ERRORS),)
    assert said(sim) == "Injecting errors: -c 2 -q 2 -z 240s status=500 delay 100..500"
    assert said(cluster) == f"Injecting errors: -c 2 -q 2 -z 240s against {URL}?status=500"
    running = plan(ActionKind.INJECT_ERRORS, facts(CLUSTER, errors_running=True, errors_left_s=12.7))
    assert running.steps == ()
    assert running.say(None) == Outcome(
        False, "Errors are already being injected (12s left): one injection at a time, e again once it ends"
    )
    endless = plan(ActionKind.INJECT_ERRORS, facts(SIM, errors_running=True, errors_left_s=None))
    assert "injected: one injection at a time" in endless.say(None).message


def test_an_endless_injection_leaves_the_duration_out() -> None:
    endless = LoadFacts(2, 2.5, None, url=URL, delay="1", status=500)
    assert said(plan(ActionKind.INJECT_ERRORS, facts(SIM, errors=endless))) == (
        "Injecting errors: -c 2 -q 2.5 status=500 delay 1"
    )
    assert said(plan(ActionKind.INJECT_ERRORS, facts(CLUSTER, errors=endless))) == (
        f"Injecting errors: -c 2 -q 2.5 against {URL}"
    )


# --- release and absent canaries -----------------------------------------------------------------------------


def test_a_release_is_one_step_worded_by_the_effector() -> None:
    told = Outcome(False, "The git strategy needs --git-repo PATH")
    for voice in (SIM, CLUSTER):
        assert plan(ActionKind.RELEASE, facts(voice)).steps == (Release(faulty=False),)
        faulty = plan(ActionKind.FAULTY_RELEASE, facts(voice))
        assert faulty.steps == (Release(faulty=True),)
        assert faulty.say(told) is told


def test_a_config_change_is_one_step_worded_by_the_effector() -> None:
    told = Outcome(True, "Changed ConfigMap apps/examiner-config")
    for voice in (SIM, CLUSTER):
        planned = plan(ActionKind.CHANGE_CONFIG, facts(voice))
        assert planned.steps == (ChangeConfig(),) and planned.follow_ups == ()
        assert planned.say(told) is told


def test_a_canary_out_of_view_is_refused_except_for_cluster_load() -> None:
    for kind in ActionKind:
        sim = plan(kind, facts(SIM, present=False))
        assert sim.steps == () and sim.say(None) == Outcome(False, f"{KEY} is not part of this simulation")
        cluster = plan(kind, facts(CLUSTER, present=False))
        if kind in (ActionKind.TOGGLE_LOAD, ActionKind.INJECT_ERRORS):
            assert cluster.steps == (StartLoad(Load.BACKGROUND if kind is ActionKind.TOGGLE_LOAD else Load.ERRORS),)
        else:
            assert cluster.steps == () and cluster.say(None) == Outcome(False, f"{KEY} is not in view any more")


# --- follow-ups and carrying out -----------------------------------------------------------------------------


def test_a_follow_up_is_due_in_its_phases_or_once_the_canary_is_gone() -> None:
    follow_up = FollowUp(KEY, CloseGate(Gate.ROLLBACK), frozenset({"Failed"}), "close the rollback gate")
    assert follow_up.due("Failed")
    assert not follow_up.due("Progressing")
    assert not follow_up.due(None)
    assert follow_up.due(None, present=False)


class Recorder:
    def __init__(self, results: dict[Step, Any]) -> None:
        self.results = results
        self.log: list[str] = []

    def apply(self, key: CanaryKey, step: Step) -> Any:
        self.log.append(f"apply {step}")
        return self.results.get(step)

    def schedule(self, follow_up: FollowUp) -> None:
        self.log.append(f"schedule {follow_up.step} when {sorted(follow_up.phases)}")


def test_carry_out_takes_the_steps_then_keeps_the_follow_ups_and_words_the_last_result() -> None:
    taker = Recorder({ToggleGate(Gate.TRAFFIC): False})
    outcome = carry_out(taker, KEY, plan(ActionKind.TOGGLE_SUSPEND, facts(CLUSTER, Gate.TRAFFIC)))
    assert outcome.message.startswith(f"Paused {KEY}")
    taker = Recorder({})
    carry_out(taker, KEY, plan(ActionKind.PROMOTE, facts(SIM)))
    assert taker.log == [
        "apply SetSkipAnalysis(on=True)",
        "schedule SetSkipAnalysis(on=False) when ['Failed', 'Succeeded']",
    ]


def test_every_actions_object_takes_bind_and_after_state() -> None:
    from tui.cluster.actions import ClusterActions
    from tui.sim.actions import SimActions

    for cls in (ReadOnlyActions, PlannedActions, SimActions, ClusterActions):
        assert callable(getattr(cls, "bind", None)), cls
        assert callable(getattr(cls, "after_state", None)), cls
