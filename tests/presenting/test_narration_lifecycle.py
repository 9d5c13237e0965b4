"""Hooks count as failed checks at any weight; every lifecycle phase is told as Flagger lives it."""

from __future__ import annotations

from dataclasses import replace

from tests.presenting.test_narration import INFO
from tui.domain import narration as narration_module
from tui.domain.flagger import messages
from tui.domain.model import FlaggerEvent, RouterInfo
from tui.domain.narration import narrate, narration
from tui.domain.observations import CanaryObserved, ClockTick, EventObserved, RouterObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState

OBJ = "examiner.apps"
ERROR = "POST http://loadtester.apps/ giving up after 1 attempt(s)"
PRE_ROLLOUT_HALT = f"Halt {OBJ} advancement pre-rollout check acceptance-test failed {ERROR}"


def _state(*events: tuple[float, str, str], now: float = 112.0, **status: object) -> AppState:
    info = replace(INFO, last_transition_time=100.0, **status)  # type: ignore[arg-type]
    observations: list[object] = [
        CanaryObserved(info, 100.0),
        RouterObserved(RouterInfo("apps", "examiner", "TrafficSplit", "v1alpha1", 100, 0)),
    ]
    observations += [EventObserved(FlaggerEvent(t, "apps", "examiner", kind, text)) for t, kind, text in events]
    observations.append(ClockTick(now))
    return reduce_all(AppState(), observations)  # type: ignore[arg-type]


def test_a_failing_pre_rollout_hook_counts_at_weight_zero() -> None:
    analysis = replace(INFO.analysis, threshold=5)
    state = _state(
        (100.0, "Normal", messages.starting_analysis(OBJ)),
        (100.0, "Warning", PRE_ROLLOUT_HALT),
        phase="Progressing",
        canary_weight=0,
        failed_checks=4,
        analysis=analysis,
    )
    assert (
        narrate(state) == "Canary at 0 %: pre-rollout check acceptance-test failed 4 of 5; one more failure rolls back."
    )


def test_the_hook_is_still_named_when_the_events_api_keeps_the_first_halt_s_time() -> None:
    # The repeated halt is aggregated into the first Event; `Starting canary analysis` marks the later tick.
    state = _state(
        (40.0, "Warning", PRE_ROLLOUT_HALT),
        (100.0, "Normal", messages.starting_analysis(OBJ)),
        phase="Progressing",
        canary_weight=0,
        failed_checks=2,
        analysis=replace(INFO.analysis, threshold=5),
    )
    text = narrate(state)
    assert "starts the analysis" not in text
    assert text == "Canary at 0 %: pre-rollout check acceptance-test failed 2 of 5; 3 more failures roll back."


def test_the_short_form_keeps_the_hook_s_name() -> None:
    state = _state((100.0, "Warning", PRE_ROLLOUT_HALT), phase="Progressing", canary_weight=0, failed_checks=1)
    assert narration(state).fitted(45) == "pre-rollout check acceptance-test failed 1/2."
    assert narration(state).fitted(43) == "pre-rollout check acceptance-test failed…"


def test_a_rollback_by_hooks_names_the_hook() -> None:
    state = _state(
        (100.0, "Warning", PRE_ROLLOUT_HALT),
        (130.0, "Warning", messages.threshold_reached(OBJ, 2)),
        (130.0, "Warning", messages.canary_failed(OBJ)),
        now=131.0,
        phase="Failed",
        failed_checks=0,
    )
    assert narrate(state).startswith("Rolled back after 2 failed checks (pre-rollout check acceptance-test failed)")


def test_a_progress_deadline_is_told_from_the_readiness_warning_in_the_rollback_tick() -> None:
    not_ready = messages.canary_not_ready(OBJ, messages.rollout_unavailable(0, 1))
    state = _state(
        (70.0, "Warning", not_ready),
        (100.0, "Warning", not_ready),
        (100.0, "Warning", messages.canary_failed(OBJ)),
        phase="Failed",
        failed_checks=0,
    )
    assert narrate(state) == (
        "Rolled back: examiner did not become ready within its progress deadline: "
        "examiner-primary keeps serving the previous version."
    )


def test_a_daemonset_targets_deadline_is_told_from_its_own_readiness_wording() -> None:
    waiting = f"canary damonset {OBJ} not ready with retryable true: waiting for rollout to finish: 0 of 3"
    exceeded = f"canary damonset {OBJ} not ready with retryable false: exceeded its progressDeadlineSeconds: 60"
    assert messages.classify(waiting).kind == messages.classify(exceeded).kind == "canary-not-ready"
    assert messages.classify(f"primary daemonset {OBJ} not ready: waiting").kind == "not-ready"
    state = _state(
        (90.0, "Warning", waiting),
        (100.0, "Warning", exceeded),
        (100.0, "Warning", messages.canary_failed(OBJ)),
        phase="Failed",
        failed_checks=0,
    )
    assert narrate(state).startswith("Rolled back: examiner did not become ready within its progress deadline")


def test_a_readiness_warning_long_before_the_rollback_is_no_deadline() -> None:
    not_ready = messages.canary_not_ready(OBJ, messages.rollout_unavailable(0, 1))
    state = _state(
        (40.0, "Warning", not_ready),
        (100.0, "Warning", messages.canary_failed(OBJ)),
        phase="Failed",
        failed_checks=0,
    )
    assert "deadline" not in narrate(state)
    assert narration_module.SAME_TICK_S < 10


def test_terminating_with_revert_on_deletion_has_no_next_tick() -> None:
    state = _state(
        (100.0, "Normal", f"Terminating canary {OBJ}"),
        phase="Terminating",
        revert_on_deletion=True,
        deleting=True,
    )
    text = narrate(state)
    assert text.startswith("Terminating (revertOnDeletion): Flagger restores examiner as it was and routes all traffic")
    assert "tick" not in text and " in " not in text.replace("in it", "")


def test_terminated_and_deleted_without_revert() -> None:
    assert narrate(_state(phase="Terminated")).startswith("Terminated: Flagger restored examiner")
    text = narrate(_state(phase="Succeeded", deleting=True))
    assert text.startswith("Being deleted: examiner-primary and Flagger's routing go with the Canary")


def test_a_canary_with_only_its_promoted_condition() -> None:
    state = _state(
        condition_reason="Progressing", condition_message="New revision detected, progressing canary analysis."
    )
    assert narrate(state) == (
        "No phase in examiner's status; its Promoted condition reads Progressing: "
        "New revision detected, progressing canary analysis."
    )


def test_a_canary_with_no_status_at_all() -> None:
    assert narrate(_state()).startswith("Flagger has not synced examiner yet (no status)")


def test_initialized_and_succeeded_are_told_apart() -> None:
    initialized, succeeded = narrate(_state(phase="Initialized")), narrate(_state(phase="Succeeded"))
    assert "serves all traffic" in initialized and "Promoted" not in initialized
    assert succeeded.startswith("Promoted:")


def test_the_followed_canary_deleted_is_said_never_replaced() -> None:
    from tui.domain.model import CanaryKey
    from tui.domain.observations import CanaryDeleted

    state = _state(phase="Succeeded")
    other = replace(INFO, key=CanaryKey("apps", "podinfo"), target="podinfo", phase="Succeeded")
    state = reduce_all(state, [CanaryObserved(other, 101.0), CanaryDeleted(INFO.key, 3 * 3600 + 4 * 60 + 10.0)])
    assert state.selected == INFO.key
    assert (
        narrate(state)
        == "examiner was deleted at 03:04: apps/examiner is gone from the cluster (n or o picks another)."
    )
