"""The reducer finds copies of an event among the records with its message, and a late event's place by bisection on
the log itself; whatever arrives, the log and the status lines are those of a plain walk over every record."""

from __future__ import annotations

import bisect
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.domain import reducer
from tui.domain.model import FlaggerEvent
from tui.domain.observations import EventObserved
from tui.domain.state import AppState, LoggedEvent


def walked_copy_of(state: AppState, event: FlaggerEvent) -> tuple[int | None, bool]:
    """Every record of the lookback window, newest first, compared in full."""
    start = max(0, len(state.events) - reducer.DUPLICATE_LOOKBACK)
    replaced: int | None = None
    for index in range(len(state.events) - 1, start - 1, -1):
        other = state.events[index].event
        if not reducer._same_event(other, event):
            continue
        if reducer._is_coarse(event) or not reducer._is_coarse(other):
            return None, True
        if replaced is None or abs(other.t - event.t) < abs(state.events[replaced].event.t - event.t):
            replaced = index
    return replaced, False


def walked_inserted(events: tuple[LoggedEvent, ...], logged: LoggedEvent) -> tuple[tuple[LoggedEvent, ...], int]:
    """The place from the order keys of every record."""
    key = reducer._order_key(logged.event)
    index = bisect.bisect_right([reducer._order_key(e.event) for e in events], key)
    return (*events[:index], logged, *events[index:]), index


arrival = st.tuples(
    st.integers(0, 40),  # tenths of a second
    st.booleans(),  # whole-second (Events API) copy
    st.sampled_from(("a", "b")),  # canary
    st.sampled_from(("Advance", "Halt", "Promotion")),  # message
)


@settings(max_examples=200, deadline=None)
@given(st.lists(arrival, max_size=60), st.integers(3, 12))
def test_the_log_equals_a_plain_walk_over_every_record(arrivals: list[tuple], lookback: int) -> None:
    events = [
        FlaggerEvent(
            float(tenths // 10) if coarse else tenths / 10,
            "ns",
            name,
            "Normal",
            message,
            source="events" if coarse else "logger",
        )
        for tenths, coarse, name, message in arrivals
    ]
    with mock.patch.object(reducer, "DUPLICATE_LOOKBACK", lookback), mock.patch.object(reducer, "EVENT_LOG_LIMIT", 20):
        fast = reducer.reduce_all(AppState(), [EventObserved(e) for e in events])
        with (
            mock.patch.object(reducer, "_copy_of", walked_copy_of),
            mock.patch.object(reducer, "_inserted", walked_inserted),
        ):
            walked = reducer.reduce_all(AppState(), [EventObserved(e) for e in events])
    assert fast.events == walked.events
    assert fast.event_seq == walked.event_seq


def test_events_added_at_the_end_are_looked_up_without_reading_the_log_again() -> None:
    # At fifty events a second each lookup read the messages of the last DUPLICATE_LOOKBACK records again; the
    # messages of the log each event makes are known from the last ones and its own.
    read: list[object] = []
    message = reducer._MESSAGE

    def counting(logged: LoggedEvent) -> str:
        read.append(logged)
        return message(logged)

    events = [FlaggerEvent(float(t), "ns", f"c{t % 7}", "Normal", f"Advance c{t % 7} weight {t}") for t in range(300)]
    state = reducer.reduce_all(AppState(), [EventObserved(e) for e in events[:10]])
    with mock.patch.object(reducer, "_MESSAGE", counting):
        state = reducer.reduce_all(state, [EventObserved(e) for e in events[10:]])
    assert len(state.events) == 300
    assert len(read) <= reducer.DUPLICATE_LOOKBACK  # at most once, for a log it had not seen
