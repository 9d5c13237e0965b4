"""The analysis view's "why" sentence over many sequences of Flagger's own events: halts by a builtin check, by a
custom one, by no values, by a webhook and by a query error; gates; success; rollbacks; a deleted canary."""

from __future__ import annotations

from tests.analysis_states import (
    KEY,
    NOW,
    OBJ,
    builtin_canary,
    canary_state,
    custom_canary,
    event,
    halt,
    halted_custom_observations,
    release_start,
    state_of,
)
from tui.domain.analysis_summary import why
from tui.domain.flagger import messages
from tui.domain.forecast import Forecast
from tui.domain.observations import CanaryDeleted, ClockTick, ForecastObserved
from tui.domain.reducer import reduce_all
from tui.domain.wording import clock

# The last halt is at NOW - 25 in every case below, so Flagger's next tick (30 s interval) is at NOW + 5.
NEXT_TICK = NOW + 5


def test_halt_by_a_custom_check_names_it_with_value_range_count_and_rollback_time() -> None:
    state = state_of(halted_custom_observations())
    # threshold 3, 2 failed: the next tick fails the third, the one after rolls back.
    assert why(state, KEY) == (
        f"Halted 2 of 2 times by error-rate: 1.30 > 1 (max 1). One more and Flagger rolls back at "
        f"{clock(NEXT_TICK + 30)}."
    )


def test_the_forecast_s_rollback_time_wins_over_interval_arithmetic() -> None:
    state = state_of(halted_custom_observations())
    state = reduce_all(state, [ForecastObserved(KEY, Forecast(None, None, rollback_at=NOW + 100))])
    assert why(state, KEY).endswith(f"One more and Flagger rolls back at {clock(NOW + 100)}.")


def test_halt_by_a_builtin_check_names_flaggers_check_and_its_unit() -> None:
    events = [*release_start(), halt(NOW - 25, messages.success_rate_below(OBJ, 91.6, 99))]
    state = canary_state(builtin_canary(), events, failed=1)
    sentence = why(state, KEY)
    assert sentence.startswith("Halted 1 of 1 time by request-success-rate: 91.60% < 99% (min 99%). 4 more and ")


def test_halt_by_request_duration() -> None:
    events = [*release_start(), halt(NOW - 25, messages.duration_above(OBJ, 812, 500))]
    state = canary_state(builtin_canary(), events, failed=1)
    assert why(state, KEY).startswith("Halted 1 of 1 time by request-duration: 812ms > 500ms (max 500ms).")


def test_halt_by_no_values_of_a_custom_check() -> None:
    message = "Halt advancement no values found for custom metric: error-rate: no values found"
    events = [*release_start(), halt(NOW - 25, message)]
    state = canary_state(custom_canary(), events, failed=1)
    assert why(state, KEY).startswith("Halted 1 of 1 time by error-rate: no values found. 2 more and Flagger rolls")


def test_halt_by_no_values_of_an_inline_query_and_of_a_builtin() -> None:
    inline = [*release_start(), halt(NOW - 25, "Halt advancement no values found for metric: latency")]
    assert why(canary_state(custom_canary(), inline, failed=1), KEY).startswith(
        "Halted 1 of 1 time by latency: no values found."
    )
    builtin = [*release_start(), halt(NOW - 25, messages.no_values_success_rate("istio", OBJ))]
    assert why(canary_state(builtin_canary(), builtin, failed=1), KEY).startswith(
        "Halted 1 of 1 time by request-success-rate: no values found."
    )


def test_halt_by_a_query_error_and_by_a_broken_template() -> None:
    failed_query = [*release_start(), halt(NOW - 25, "Metric query failed for latency: bad_data: parse error")]
    assert why(canary_state(custom_canary(), failed_query, failed=1), KEY).startswith(
        "Halted 1 of 1 time by latency: query failed: bad_data: parse error."
    )
    missing = 'Metric template error-rate.test error: metrictemplates.flagger.app "error-rate" not found'
    broken = [*release_start(), halt(NOW - 25, missing)]
    assert why(canary_state(custom_canary(), broken, failed=1), KEY).startswith(
        'Halted 1 of 1 time by error-rate: query failed: metrictemplates.flagger.app "error-rate" not found.'
    )


def test_halt_by_a_webhook_names_the_hook_and_flaggers_error() -> None:
    message = "Halt podinfo.test advancement pre-rollout check acceptance-test failed POST http://x/ 500"
    events = [event(NOW - 55, messages.new_revision(OBJ)), halt(NOW - 25, message)]
    state = canary_state(custom_canary(threshold=1), events, weight=0, failed=1)
    assert why(state, KEY) == (
        "Halted 1 of 1 time by the pre-rollout hook acceptance-test: POST http://x/ 500. "
        f"Flagger rolls back at its next tick, {clock(NEXT_TICK)}."
    )


def test_counts_take_only_this_release_and_name_the_latest_halting_check() -> None:
    events = [
        halt(NOW - 400 + 100, messages.metric_halt(OBJ, "latency", 0.9, ">", 0.8)),  # an earlier release
        *release_start(),
        halt(NOW - 85, messages.metric_halt(OBJ, "latency", 0.95, ">", 0.8)),
        halt(NOW - 55, messages.metric_halt(OBJ, "error-rate", 1.2, ">", 1)),
        halt(NOW - 25, messages.metric_halt(OBJ, "error-rate", 1.3, ">", 1)),
    ]
    state = canary_state(custom_canary(threshold=5), events, failed=3)
    assert why(state, KEY).startswith("Halted 2 of 3 times by error-rate: 1.30 > 1 (max 1). 2 more and Flagger")


def test_progressing_after_a_passing_tick_says_so_with_the_next_tick_and_earlier_failures() -> None:
    clean = canary_state(custom_canary(), [*release_start(NOW - 85)], failed=0)
    passed_at = clock(NOW - 55)
    assert why(clean, KEY) == f"Progressing: every check passed at {passed_at}; next tick {clock(NOW + 5)}."
    events = [
        *release_start(NOW - 115),
        halt(NOW - 55, messages.metric_halt(OBJ, "error-rate", 1.2, ">", 1)),
        event(NOW - 25, messages.advance_canary(OBJ, 20)),
    ]
    recovered = canary_state(custom_canary(), events, failed=1, weight=20)
    assert why(recovered, KEY) == (
        f"Progressing: every check passed at {clock(NOW - 25)}; next tick {clock(NOW + 5)}; "
        "1 of 3 failed checks so far."
    )


def test_progressing_adds_the_forecast_when_there_is_one() -> None:
    state = canary_state(custom_canary(), [*release_start(NOW - 85)])
    state = reduce_all(state, [ForecastObserved(KEY, Forecast(4, NOW + 125))])
    assert why(state, KEY).endswith(f"; promotion ≈ {clock(NOW + 125)} (4 ticks).")


def test_gates_name_the_hook_that_holds_the_canary() -> None:
    promotion = [
        *release_start(),
        halt(NOW - 25, messages.promotion_waiting(OBJ, "promotion-gate")),
    ]
    state = canary_state(custom_canary(), promotion, phase="WaitingPromotion", weight=0)
    assert why(state, KEY) == "Waiting for approval (confirm-promotion promotion-gate)."
    rollout = [halt(NOW - 25, messages.waiting_for_approval(OBJ, "rollout-gate"))]
    state = canary_state(custom_canary(), rollout, phase="Waiting", weight=0)
    assert why(state, KEY) == "Waiting for approval (confirm-rollout rollout-gate)."
    increase = [*release_start(), halt(NOW - 25, messages.traffic_increase_waiting(OBJ, "step-gate"))]
    state = canary_state(custom_canary(), increase)
    assert why(state, KEY) == "Waiting for approval (confirm-traffic-increase step-gate)."


def test_success_says_when_and_any_failures_on_the_way() -> None:
    events = [*release_start(), event(NOW - 25, messages.promotion_completed(OBJ))]
    state = canary_state(builtin_canary(), events, phase="Succeeded", weight=0)
    assert why(state, KEY) == (
        f"Succeeded at {clock(NOW - 25)}: every check passed; the primary runs the new revision."
    )
    bumpy = [
        *release_start(),
        halt(NOW - 85, messages.metric_halt(OBJ, "error-rate", 1.2, ">", 1)),
        event(NOW - 25, messages.promotion_completed(OBJ)),
    ]
    state = canary_state(custom_canary(), bumpy, phase="Succeeded", weight=0)
    assert why(state, KEY) == (
        f"Succeeded at {clock(NOW - 25)}: promoted with 1 failed check on the way (error-rate 1)."
    )


def test_success_without_any_event_of_the_release_claims_no_passed_checks() -> None:
    state = canary_state(builtin_canary(), [], phase="Succeeded", weight=0)
    assert why(state, KEY).endswith(": the primary runs the promoted revision.")


def test_failure_names_the_checks_that_caused_the_rollback_with_counts() -> None:
    events = [*release_start(NOW - 300)]
    for i, check in enumerate(["error-rate", "latency", "error-rate", "latency", "error-rate"]):
        bound = 1 if check == "error-rate" else 0.8
        events.append(halt(NOW - 200 + 30 * i, messages.metric_halt(OBJ, check, 2.0, ">", bound)))
    events += [
        halt(NOW - 40, messages.threshold_reached(OBJ, 5)),
        halt(NOW - 40, messages.canary_failed(OBJ)),
    ]
    state = canary_state(custom_canary(threshold=5), events, phase="Failed", weight=0)
    assert why(state, KEY) == (
        f"Failed at {clock(NOW - 40)}: rolled back after 5 failed checks (error-rate 3, latency 2)."
    )


def test_a_rollback_on_a_failing_webhook_names_the_hook_with_its_type() -> None:
    message = "Halt podinfo.test advancement pre-rollout check acceptance-test failed POST http://x/ 500"
    events = [event(NOW - 100, messages.new_revision(OBJ)), halt(NOW - 85, message), halt(NOW - 55, message)]
    events += [halt(NOW - 25, messages.threshold_reached(OBJ, 2)), halt(NOW - 25, messages.canary_failed(OBJ))]
    state = canary_state(custom_canary(threshold=2), events, phase="Failed", weight=0)
    assert why(state, KEY) == (
        f"Failed at {clock(NOW - 25)}: rolled back after 2 failed checks (pre-rollout hook acceptance-test 2)."
    )


def test_a_manual_rollback_and_a_deadline_say_so() -> None:
    manual = [
        *release_start(),
        halt(NOW - 25, messages.rolling_back_manual(OBJ)),
        halt(NOW - 25, messages.canary_failed(OBJ)),
    ]
    state = canary_state(custom_canary(), manual, phase="Failed", weight=0)
    assert why(state, KEY) == f"Failed at {clock(NOW - 25)}: rolled back by the rollback webhook."
    deadline = [
        *release_start(),
        halt(NOW - 25, messages.canary_not_ready("podinfo.test", "progress deadline exceeded")),
        halt(NOW - 25, messages.canary_failed(OBJ)),
    ]
    state = canary_state(custom_canary(), deadline, phase="Failed", weight=0)
    assert why(state, KEY) == f"Failed at {clock(NOW - 25)}: the canary was not ready within its progress deadline."


def test_a_deleted_canary_says_when_it_went() -> None:
    state = state_of(halted_custom_observations())
    state = reduce_all(state, [CanaryDeleted(KEY, NOW + 3), ClockTick(NOW + 4)])
    assert why(state, KEY) == f"Deleted at {clock(NOW + 3)}: Flagger no longer analyses test/podinfo."
    assert why(state, None) == "No canary selected."


def test_resting_phases() -> None:
    state = canary_state(custom_canary(), [], phase="Initialized", weight=0)
    assert why(state, KEY) == "Initialized: no analysis runs until the target changes."
    state = canary_state(custom_canary(), [*release_start()], phase="Promoting", weight=0)
    assert why(state, KEY).startswith("Promoting: every check passed")


def test_a_new_event_is_counted_although_the_release_was_read_before() -> None:
    state = state_of(halted_custom_observations())
    assert why(state, KEY).startswith("Halted 2 of 2 times by error-rate")
    later = reduce_all(state, [halt(NOW + 5, messages.metric_halt(OBJ, "latency", 0.95, ">", 0.8)), ClockTick(NOW + 6)])
    assert why(later, KEY).startswith("Halted 1 of 3 times by latency: 0.95 > 0.8 (max 0.8).")
    assert why(state, KEY).startswith("Halted 2 of 2 times by error-rate")  # the earlier state reads as it did
