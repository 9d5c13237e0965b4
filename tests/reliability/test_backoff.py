"""Reconnect delays: fast while an outage is young, backing off once it lasts, never overflowing."""

from __future__ import annotations

from tui.cluster.backoff import FAST_CAP_S, FAST_WINDOW_S, Backoff


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_young_outage_is_probed_at_least_every_few_seconds_then_backs_off() -> None:
    clock = Clock()
    backoff = Backoff(fast_cap=FAST_CAP_S, clock=clock)
    delays = []
    while clock.now < FAST_WINDOW_S:
        delays.append(backoff.next_delay(lambda: 1.0))
        clock.now += delays[-1]
    assert delays[:3] == [1.0, 2.0, FAST_CAP_S]
    assert max(delays) == FAST_CAP_S
    later = [backoff.next_delay(lambda: 1.0) for _ in range(5)]
    assert later[-1] == 30.0, "a long outage backs off to the full cap"
    backoff.reset()
    assert backoff.next_delay(lambda: 1.0) == 1.0 and backoff.failing_since == clock.now


def test_a_day_of_failures_never_overflows() -> None:
    backoff = Backoff(initial=5.0, cap=60.0)
    delays = [backoff.next_delay(lambda: 0.5) for _ in range(5000)]
    assert max(delays) == 60.0 * 0.75 and backoff.attempt == 5000


def test_without_a_fast_cap_the_delays_are_unchanged() -> None:
    backoff = Backoff()
    assert [backoff.next_delay(lambda: 1.0) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
