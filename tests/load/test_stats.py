"""The statistics recorder on its own, with chosen instants: totals, windows and bounds."""

from __future__ import annotations

import pytest

from tui.load.stats import MAX_ERROR_KINDS, WINDOW_CAP, WINDOW_S, StatsRecorder


def test_totals_rates_and_percentiles() -> None:
    rec = StatsRecorder(started=100.0)
    for i in range(100):  # 10/s for 10 s, latencies 10..109 ms
        rec.record_response(100.0 + (i + 1) / 10, (10 + i) / 1000, 500 if i % 4 == 0 else 200, 3)
    rec.record_error(110.0, "timeout")
    rec.record_error(110.0, "connection refused")
    rec.record_error(110.0, "timeout")
    snap = rec.snapshot(now=110.0)
    assert snap.requests == 103 and snap.responses == 100 and snap.transport_errors == 3
    assert snap.status_counts == ((200, 75), (500, 25))
    assert snap.error_counts == (("timeout", 2), ("connection refused", 1))
    assert snap.bytes_received == 300
    assert snap.rps_overall == pytest.approx(10.3)
    assert snap.fastest_s == pytest.approx(0.010) and snap.slowest_s == pytest.approx(0.109)
    assert snap.mean_s == pytest.approx(0.0595)
    assert snap.percentile_s(50) == pytest.approx(0.059, rel=0.01)
    assert snap.percentile_s(99) == pytest.approx(0.108, rel=0.01)
    # Recent window: the last WINDOW_S seconds hold everything here, and its percentiles are exact.
    assert snap.recent_p50_s == pytest.approx(0.059)
    assert snap.rps_recent == pytest.approx(103 / WINDOW_S)


def test_recent_window_forgets_older_requests() -> None:
    rec = StatsRecorder(started=0.0)
    for i in range(200):  # 0.5 s latencies for 20 s, then 0.1 s for the last 10 s at twice the rate
        rec.record_response(i / 10, 0.5, 200, 0)
    for i in range(200):
        rec.record_response(20 + i / 20, 0.1, 200, 0)
    snap = rec.snapshot(now=30.0)
    assert snap.recent_p99_s == 0.1
    assert snap.rps_recent == pytest.approx(20.0, rel=0.01)
    assert snap.percentile_s(50) == pytest.approx(0.1, rel=0.01) and snap.percentile_s(75) == pytest.approx(0.5, 0.01)


def test_ended_runs_stop_the_clock() -> None:
    rec = StatsRecorder(started=0.0)
    rec.begin(1.0)
    rec.record_response(2.0, 0.1, 200, 0)
    rec.end(3.0)
    snap = rec.snapshot(now=500.0)
    assert snap.elapsed_s == 2.0 and snap.rps_overall == 0.5


def test_memory_is_bounded() -> None:
    rec = StatsRecorder(started=0.0)
    for i in range(3 * WINDOW_CAP):
        rec.record_response(i / 1000, 0.001, 200 + i % 3, 0)
    for i in range(3 * MAX_ERROR_KINDS):
        rec.record_error(5.0, f"kind {i}")
    assert len(rec._recent) == WINDOW_CAP
    snap = rec.snapshot(now=12.3)
    assert len(snap.error_counts) == MAX_ERROR_KINDS
    assert sum(n for _, n in snap.error_counts) == 3 * MAX_ERROR_KINDS
    assert dict(snap.error_counts)["other"] == 2 * MAX_ERROR_KINDS + 1
    # Above WINDOW_CAP / WINDOW_S req/s the window shrinks to what it holds, and the rate stays right.
    assert snap.rps_recent == pytest.approx(1000, rel=0.01)
