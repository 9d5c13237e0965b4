"""Pacing like hey's per-worker Go ticker: at most q/s, one buffered tick after a slow response, no catch-up."""

from __future__ import annotations

from itertools import pairwise

import pytest

from tui.load.ticker import Ticker


def send_times(rate: float, latencies: list[float]) -> list[float]:
    """When a single worker sends, given how long each response takes."""
    ticker = Ticker(rate, start=0.0)
    now, sent = 0.0, []
    for latency in latencies:
        now = max(now, ticker.due())
        ticker.take(now)
        sent.append(round(now, 6))
        now += latency
    return sent


def test_first_request_waits_one_period_then_follows_the_grid() -> None:
    assert send_times(5, [0.01] * 4) == [0.2, 0.4, 0.6, 0.8]


def test_slow_response_gets_one_immediate_request_then_the_grid_again() -> None:
    # 10/s: the first response takes 0.45 s, so ticks 0.2 .. 0.5 fire meanwhile; one was kept.
    assert send_times(10, [0.45, 0.001, 0.001, 0.001]) == [0.1, 0.55, 0.6, 0.7]


def test_no_catching_up_after_slow_responses() -> None:
    latencies = [0.0, 0.7, 0.0, 0.0, 0.3, 0.0, 0.0, 0.0, 1.1, 0.0, 0.0, 0.0, 0.0]
    sent = send_times(4, latencies)
    # Instant responses after a slow one: a catching-up limiter would send several at the same instant.
    assert all(later - earlier > 0.01 for earlier, later in pairwise(sent))
    for i, start in enumerate(sent):
        for end in sent[i:]:
            # Grid ticks in a window of length w: at most floor(w * rate) + 1, plus the one kept in the buffer.
            inside = sum(1 for t in sent if start <= t <= end)
            assert inside <= int((end - start) * 4 + 1e-9) + 2
    assert len(sent) == len(latencies)


def test_always_behind_means_back_to_back_not_bursts() -> None:
    # Responses slower than the period: each request goes as soon as the previous one is answered.
    assert send_times(10, [0.25] * 4) == [0.1, 0.35, 0.6, 0.85]


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Ticker(0, 0.0)
