"""The narration's estimate is the forecast's (the scheduler run forward), the one the canary panel shows; and it
never promises a next step after a tick that did not advance."""

from __future__ import annotations

from tests import strategy_states as ss
from tests.presenting.test_narration_checks import _state as custom_checks_state
from tui.domain.forecast import Forecast, forecast_line
from tui.domain.model import FlaggerEvent
from tui.domain.narration import narrate, narration
from tui.domain.observations import EventObserved, ForecastObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.domain.wording import clock
from tui.screens.presentation import forecast_note

QUERY_FAILED = "Metric query failed for error-rate: Post http://prometheus:9090/api/v1/query: connection refused"


def with_forecast(state: AppState, forecast: Forecast) -> AppState:
    return reduce_all(state, [ForecastObserved(ss.KEY, forecast)])


def test_the_ab_estimate_is_the_forecasts_promotion_time() -> None:
    promoted = ss.NOW + 470.0
    state = with_forecast(ss.ab(4), Forecast(ticks_left=9, promotion_at=promoted))
    text = narrate(state)
    assert f"promotion after 6 more checks; promoted ≈ {clock(promoted)} (about 8m)" in text, text
    # The canary panel's line names the same time.
    assert clock(promoted) in forecast_line(state.forecasts[ss.KEY])
    assert "promoted ~8m" in narration(state).forms[-1]


def test_without_a_forecast_the_estimate_falls_back_to_the_interval() -> None:
    assert "promotion after 6 more checks (about 7m)" in narrate(ss.ab(4))


def test_a_gate_the_forecast_waits_for_is_named_instead_of_a_time() -> None:
    state = with_forecast(ss.blue_green(2), Forecast(ticks_left=None, promotion_at=None, waits_for="approve"))
    text = narrate(state)
    assert "all traffic moves to the canary after 3 more checks, then it waits for approval (approve)" in text, text
    assert "about" not in text


def test_a_failed_query_at_the_last_tick_is_no_next_step() -> None:
    state = custom_checks_state(QUERY_FAILED, 1)
    text = narrate(state)
    assert "next step" not in text, text
    assert text.startswith("Canary at 20 %: Flagger did not advance at its last tick (Metric query failed"), text
    assert "(1 failed check of 2 so far)" in text or "1 of 2" in text, text
    assert all("next" not in form or "next tick" in form for form in narration(state).forms)


def test_an_older_warning_does_not_hold_the_sentence() -> None:
    # The tick after the failed query advanced: the warning is history, the next step is promised again.
    state = custom_checks_state(QUERY_FAILED, 1)
    later = reduce_all(
        state,
        [EventObserved(FlaggerEvent(130.0, "test", "podinfo", "Normal", "Advance podinfo.test canary weight 20"))],
    )
    assert "next step to 40 %" in narrate(later)


def test_iterations_are_not_promised_after_a_tick_that_did_not_advance() -> None:
    state = ss.ab(4)
    # Recorded in the same tick as its last event (a second later), as Flagger records a failed query.
    at = (state.canaries[ss.KEY].last_tick_at or ss.NOW) + 1.0
    warning = FlaggerEvent(at, ss.KEY.namespace, ss.KEY.name, "Warning", QUERY_FAILED)
    held = reduce_all(state, [EventObserved(warning)])
    text = narrate(held)
    assert text.startswith("A/B test, iteration 4/10: Flagger did not advance at its last tick"), text
    assert "promotion after" not in text


def test_presentation_mode_shows_the_forecast_under_the_phase_in_the_room_it_has() -> None:
    promoted = ss.NOW + 470.0
    state = with_forecast(ss.ab(4), Forecast(ticks_left=9, promotion_at=promoted, rollback_at=ss.NOW + 40.0))
    wide = forecast_note(state, 116)
    assert wide == forecast_line(state.forecasts[ss.KEY]) and f"promotion ≈ {clock(promoted)} (9 ticks)" in wide
    assert forecast_note(state, 40) == f"rollback {clock(ss.NOW + 40.0)} if failing"
    assert forecast_note(ss.ab(4), 116) == ""


def test_a_held_ticks_message_is_quoted_on_one_line() -> None:
    state = custom_checks_state("Metric query failed for error-rate:\nline two\r\n\tline three", 1)
    text = narrate(state)
    assert "\n" not in text and "\r" not in text and "\t" not in text, text
    assert "(Metric query failed for error-rate: line two line three)" in text, text
