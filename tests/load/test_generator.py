"""The generator against a real examiner-compatible server: what the server saw is what was asked for."""

from __future__ import annotations

import socket
import time

import pytest

from tui.load.generator import LoadGenerator
from tui.load.policy import LoadPolicy
from tui.load.spec import LoadSpec

from .examiner_server import ExaminerServer

TOLERANCE = 0.10


def within(measured: float, asked: float, tolerance: float = TOLERANCE) -> bool:
    return abs(measured - asked) <= tolerance * asked


def run(spec: LoadSpec, policy: LoadPolicy, limit_s: float = 15.0) -> tuple[LoadGenerator, float, float]:
    """Start, wait for the end; (generator, start instant, wall seconds)."""
    gen = LoadGenerator(spec, policy)
    began = time.monotonic()
    gen.start()
    assert gen.wait(limit_s), "the run did not end on its own"
    return gen, began, time.monotonic() - began


def test_rate_duration_and_statistics(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    spec = LoadSpec(examiner.url(), concurrency=5, rate_per_worker=5, duration_s=4.0)
    gen, _, wall = run(spec, local_policy)
    arrivals = examiner.arrivals()
    # Server side: requests arrive on the ticks 0.2 s .. 4.0 s after the first request could go.
    sending = arrivals[-1].t - arrivals[0].t + 1 / spec.rate_per_worker
    assert within(sending, 4.0), f"asked 4 s, requests arrived over {sending:.3f} s"
    measured_rate = len(arrivals) / sending
    assert within(measured_rate, spec.max_rate), f"asked 25 req/s, server saw {measured_rate:.2f}"
    assert within(gen.snapshot().elapsed_s, 4.0)
    assert wall < 4.0 + 0.5, f"the run took {wall:.3f} s to end"  # thread and client start-up included
    # Every worker respects its own limit: no second of the run saw more than c * q arrivals (plus a tick).
    first = arrivals[0].t - 1 / spec.rate_per_worker
    for second in range(4):
        inside = sum(1 for a in arrivals if second <= a.t - first < second + 1)
        assert inside <= 25 + 5
    stats = gen.stats()
    assert not stats.running
    assert stats.requests == len(arrivals)
    assert stats.status_counts == ((200, len(arrivals)),)
    assert stats.transport_errors == 0
    assert within(stats.rps, 25.0)
    assert stats.p50_ms is not None and stats.p50_ms < 100  # no delay asked; generous for a busy machine


def test_concurrency_measured_server_side(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    # Responses (1 s) are slower than the ticks (100 ms): every worker always has one request in flight, apart
    # from the moment between an answer and the next request.
    spec = LoadSpec(examiner.url("/examine?delay=1000"), concurrency=6, rate_per_worker=10, duration_s=3.0)
    gen, began, _ = run(spec, local_policy)
    assert examiner.max_in_flight == 6
    mean = examiner.mean_in_flight(began + 0.5, began + 2.5)
    assert within(mean, 6.0), f"asked concurrency 6, server averaged {mean:.2f} in flight"
    arrivals = examiner.arrivals()
    # Back to back, never after the deadline: sends at about 0.1, 1.1, 2.1 s (and 3.1 s is too late).
    assert len(arrivals) == 18
    assert max(a.t for a in arrivals) - began < 3.0
    snap = gen.snapshot()
    assert snap.requests <= len(arrivals) <= snap.requests + snap.cancelled


def test_no_burst_after_a_slow_response(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    examiner.delay_plan = [750]  # the first answer is slow, the rest are instant
    run(LoadSpec(examiner.url(), concurrency=1, rate_per_worker=10, duration_s=1.5), local_policy)
    times = [a.t for a in examiner.arrivals()]
    assert times[1] - times[0] >= 0.75
    # hey's ticker: any three consecutive sends of a worker span more than one period (the kept tick, then grid
    # points after each send). Seen at the server, a delayed arrival can close up on the next one, which adds
    # one more: at most floor(w * q) + 3 arrivals in any window of length w. Catching up on the seven ticks
    # missed during the slow answer would put 7 requests within a few ms.
    for i, start in enumerate(times):
        for j in range(i, len(times)):
            width = times[j] - start
            assert j - i + 1 <= int(width * 10) + 3, f"requests bunched up: {times}"
    assert len(times) <= 15


def test_request_count_is_exact(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    gen, _, wall = run(LoadSpec(examiner.url(), concurrency=4, rate_per_worker=10, requests=30), local_policy)
    assert len(examiner.arrivals()) == 30
    assert gen.stats().requests == 30
    assert examiner.max_in_flight <= 4
    assert wall < 1.5  # 30 requests at 40/s


def test_status_and_fixed_delay(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    url = examiner.url("/examine?status=500&delay=200")
    gen, _, _ = run(LoadSpec(url, concurrency=4, rate_per_worker=5, requests=24), local_policy)
    stats = gen.stats()
    assert stats.status_counts == ((500, 24),)
    assert {a.status for a in examiner.arrivals()} == {500}
    assert stats.p50_ms is not None and stats.p99_ms is not None
    # Latency is the delay plus scheduling: a few ms on an idle machine, tens of ms on a saturated one.
    assert 200 <= stats.p50_ms < 250
    snap = gen.snapshot()
    assert snap.fastest_s is not None and snap.fastest_s >= 0.2
    assert snap.slowest_s is not None
    assert stats.p99_ms == pytest.approx(snap.slowest_s * 1000, rel=0.01)  # rank 24 of 24, histogram: 1 %


def test_delay_range_and_echo_body(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    examiner.echo_value = "v1"
    url = examiner.url("/examine?delay=100...300")
    gen, _, _ = run(LoadSpec(url, concurrency=5, rate_per_worker=10, requests=40), local_policy)
    delays = [a.delay_ms for a in examiner.arrivals()]
    assert min(delays) >= 100 and max(delays) <= 300 and max(delays) - min(delays) > 100
    snap = gen.snapshot()
    assert snap.fastest_s is not None and snap.slowest_s is not None
    assert snap.fastest_s >= min(delays) / 1000
    assert snap.slowest_s >= max(delays) / 1000
    assert snap.slowest_s < max(delays) / 1000 + 0.2
    # Latency is the server's delay plus a few ms. Compare by rank (the 40 delays are sparse around the middle)
    # and on average.
    ordered = sorted(delays)
    p50 = snap.percentile_s(50)
    assert p50 is not None and ordered[15] / 1000 <= p50 <= ordered[24] / 1000 + 0.05
    assert snap.mean_s is not None and 0 <= snap.mean_s - sum(delays) / 40000 < 0.05
    assert snap.bytes_received == 40 * len("v1")


def test_server_error_rate_counted_per_status(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    examiner.server_error_rate = 50
    gen, _, _ = run(LoadSpec(examiner.url(), concurrency=10, rate_per_worker=10, requests=100), local_policy)
    server = {200: 0, 500: 0}
    for arrival in examiner.arrivals():
        server[arrival.status] += 1
    assert dict(gen.stats().status_counts) == server
    assert server[500] > 20 and server[200] > 20


def test_connection_refused_is_a_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/examine"
    gen, _, _ = run(LoadSpec(url, concurrency=2, rate_per_worker=10, requests=6), LoadPolicy(allowed_host="127.0.0.1"))
    stats, snap = gen.stats(), gen.snapshot()
    assert (stats.requests, stats.transport_errors, stats.status_counts) == (6, 6, ())
    assert snap.error_counts == (("connection refused", 6),)
    assert stats.p50_ms is None


def test_timeout_is_a_transport_error(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    url = examiner.url("/examine?delay=3000")
    gen, _, wall = run(LoadSpec(url, concurrency=2, rate_per_worker=10, requests=2, timeout_s=0.3), local_policy)
    assert gen.snapshot().error_counts == (("timeout", 2),)
    assert wall < 1.0


def test_stop_is_prompt_with_slow_requests_in_flight(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    url = examiner.url("/examine?delay=10000")
    gen = LoadGenerator(LoadSpec(url, concurrency=5, rate_per_worker=5, duration_s=60), local_policy).start()
    deadline = time.monotonic() + 3
    while examiner.in_flight < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert examiner.in_flight == 5 and gen.running
    began = time.monotonic()
    assert gen.stop(timeout=1.0)
    took = time.monotonic() - began
    assert took < 1.0, f"stop() took {took:.3f} s"
    assert not gen.running and gen.failure is None
    snap = gen.snapshot()
    assert (snap.requests, snap.cancelled) == (0, 5)
    stopped_at = len(examiner.arrivals())
    time.sleep(0.3)
    assert len(examiner.arrivals()) == stopped_at


def test_duration_cap_applies_to_request_count_runs(examiner: ExaminerServer) -> None:
    policy = LoadPolicy(allowed_host="127.0.0.1", max_duration_s=1.0)
    gen, _, wall = run(LoadSpec(examiner.url(), concurrency=1, rate_per_worker=10, requests=1000), policy)
    # 1,000 requests at 10/s would take 100 s: ending near the 1 s cap is the point (loose above, for busy CI).
    assert 0.9 <= wall < 2.0, f"ran {wall:.2f} s"
    assert len(examiner.arrivals()) == 10
    assert gen.stats().requests == 10


def test_stats_while_running_describe_the_recent_window(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    url = examiner.url("/examine?delay=50")
    ticks = []
    gen = LoadGenerator(
        LoadSpec(url, concurrency=2, rate_per_worker=10, duration_s=30), local_policy, label="bg", clock=lambda: 1234.5
    )
    gen.start()
    try:
        time.sleep(2.0)
        stats = gen.stats()
        ticks.append(stats)
    finally:
        assert gen.stop()
    assert stats.running and stats.label == "bg" and stats.started_at == 1234.5
    assert stats.url == url and stats.concurrency == 2 and stats.rate_per_worker == 10 and stats.duration_s == 30
    assert within(stats.rps, 20.0, 0.15)
    assert stats.p50_ms is not None and 50 <= stats.p50_ms < 100
    assert not gen.stats().running


def test_stop_before_start_and_twice(examiner: ExaminerServer, local_policy: LoadPolicy) -> None:
    idle = LoadGenerator(LoadSpec(examiner.url()), local_policy)
    assert idle.stop() and not idle.running and idle.wait(0)
    gen = LoadGenerator(LoadSpec(examiner.url(), duration_s=10), local_policy).start()
    assert gen.stop() and gen.stop()
    with pytest.raises(RuntimeError):
        gen.start()
