"""The event log shows Flagger's order whichever source delivers a copy first: the logger's copies carry
milliseconds, the Events API's whole seconds (lastTimestamp)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_reducer import KEY, canary, event
from tui.domain.observations import EventObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState

STARTING = "Starting canary analysis for examiner.apps"
ADVANCE = "Advance examiner.apps canary weight 5"
ROLLBACK = "Rolling back examiner.apps failed checks threshold reached 1"
FAILED = "Canary failed! Scaling down examiner.apps"


def shown(state: AppState) -> list[tuple[str, float]]:
    return [(e.event.message, e.event.t) for e in state.events]


def test_a_whole_second_copy_arriving_late_does_not_go_above_an_earlier_event_of_its_second() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Progressing"),
            event(20.198, STARTING),
            event(20.0, STARTING, source="events"),
            event(20.0, ADVANCE, source="events"),
            event(20.450, ADVANCE),
        ],
    )
    assert shown(state) == [(STARTING, 20.198), (ADVANCE, 20.45)]
    last = state.canaries[KEY].last_event
    assert last is not None and (last.message, last.t, last.source) == (ADVANCE, 20.45, "logger")


def test_the_precise_copy_takes_the_place_of_a_whole_second_copy_shown_first() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Progressing"),
            event(31.0, FAILED, source="events"),  # the Events API listed the later event first
            event(31.0, ROLLBACK, source="events"),
            event(31.120, ROLLBACK),
            event(31.122, FAILED),
        ],
    )
    assert shown(state) == [(ROLLBACK, 31.12), (FAILED, 31.122)]
    last = state.canaries[KEY].last_event
    assert last is not None and (last.message, last.source) == (FAILED, "logger")
    assert state.canaries[KEY].sticky_failed_checks == 1


def test_a_whole_second_copy_with_no_precise_one_goes_after_its_second_and_before_the_next() -> None:
    state = reduce_all(
        AppState(),
        [
            event(20.198, STARTING),
            event(21.010, "Advance examiner.apps canary weight 10"),
            event(20.0, ADVANCE, source="events"),
        ],
    )
    assert [m for m, _ in shown(state)] == [STARTING, ADVANCE, "Advance examiner.apps canary weight 10"]


def test_a_precise_copy_replacing_the_shown_last_event_keeps_the_status_line_on_the_log_s_last() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Progressing"),
            event(20.0, STARTING, source="events"),
            event(20.5, ADVANCE),  # sorts above the whole-second copy until that copy's precise time is known
            event(20.1, STARTING),
        ],
    )
    assert [m for m, _ in shown(state)] == [STARTING, ADVANCE]
    last = state.canaries[KEY].last_event
    assert last is not None and last.message == ADVANCE


# Flagger's events over a few seconds, several per second, each logged with milliseconds and listed by the
# Events API at its whole second; either stream may be delayed against the other at any point.
@st.composite
def interleavings(draw: st.DrawFn) -> tuple[list[float], list[EventObserved]]:
    gaps = draw(st.lists(st.integers(min_value=0, max_value=700), min_size=1, max_size=14))
    times: list[float] = []
    now = 20_000
    for gap in gaps:
        now += gap
        times.append(now / 1000)
    logger = [event(t, f"message {i}") for i, t in enumerate(times)]
    listed = [event(float(int(t)), f"message {i}", source="events") for i, t in enumerate(times)]
    # The Events API may list one second's events in any order; seconds come in order.
    listed = sorted(draw(st.permutations(listed)), key=lambda o: o.event.t)
    choices = draw(st.lists(st.booleans(), min_size=len(times) * 2, max_size=len(times) * 2))
    merged: list[EventObserved] = []
    a, b = iter(logger), iter(listed)
    pending = {"logger": len(logger), "events": len(listed)}
    for from_logger in choices:
        source = "logger" if (from_logger and pending["logger"]) or not pending["events"] else "events"
        merged.append(next(a) if source == "logger" else next(b))
        pending[source] -= 1
    return times, merged


@settings(max_examples=300, deadline=None)
@given(interleavings())
def test_the_final_log_is_flagger_s_order_whichever_source_delivers_first(
    case: tuple[list[float], list[EventObserved]],
) -> None:
    times, merged = case
    state = reduce_all(AppState(), [canary(0, phase="Progressing"), *merged])
    assert shown(state) == [(f"message {i}", t) for i, t in enumerate(times)]
    last = state.canaries[KEY].last_event
    assert last is not None and last.message == f"message {len(times) - 1}"


@settings(max_examples=200, deadline=None)
@given(interleavings())
def test_no_event_is_ever_shown_above_an_earlier_second_s_event(
    case: tuple[list[float], list[EventObserved]],
) -> None:
    _, merged = case
    state = AppState()
    for observation in merged:
        state = reduce_all(state, [observation])
        seconds = [int(e.event.t) for e in state.events]
        assert seconds == sorted(seconds)
