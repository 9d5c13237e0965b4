"""A real Prometheus scraping the Linkerd-style exporter every second, queried the way Flagger queries it.

Tolerances: every series of one deployment grows in proportion and all are scraped in the same scrape, so ratios
(success rate, histogram shares, hence histogram_quantile) are exact up to float rounding once two samples exist;
0.01 percentage points and 0.5 ms leave room for rounding only. Absolute rates are off by the jitter between
Prometheus's scrape timestamp and the exporter's collect() (milliseconds over a 5 s window), and only once the
window is fully covered by samples: 2 % covers a slow CI machine.
"""

from __future__ import annotations

import math
import time

import httpx
import pytest

from tests.prom import queries as q
from tests.prom.exporter import LinkerdScenario, Traffic, expected_quantile
from tests.prom.fixtures import wait_until
from tests.prom.front import PromFront
from tests.prom.server import PrometheusServer

pytestmark = pytest.mark.prometheus

WINDOW = "5s"
CANARY = Traffic(rps=20, error_ratio=0.05, latency_ms={45: 0.9, 180: 0.1})
PRIMARY = Traffic(rps=60, error_ratio=0.0, latency_ms={20: 1.0})
CANARY_OUTBOUND = Traffic(rps=5, error_ratio=0.5, latency_ms={900: 1.0})  # must not leak into inbound checks


def _demo(linkerd: LinkerdScenario) -> None:
    linkerd.set("examiner", CANARY)
    linkerd.set("examiner-primary", PRIMARY)
    linkerd.set("examiner", CANARY_OUTBOUND, direction="outbound")


def _window_covered(prom: PrometheusServer, ns: str) -> bool:
    """True once the last WINDOW holds a sample at least every second, so rate() needs no partial extrapolation."""
    counts = prom.query(
        f'count_over_time(response_total{{namespace="{ns}", deployment="examiner", '
        f'direction="inbound", classification="success"}}[{WINDOW}])'
    )
    return bool(counts) and counts[0][1] >= 5


def test_flagger_queries_read_what_the_exporter_was_told(
    prometheus: PrometheusServer, linkerd: LinkerdScenario
) -> None:
    ns = linkerd.namespace
    _demo(linkerd)
    success_rate = q.flagger_success_rate(ns, "examiner", WINDOW)
    duration = q.flagger_request_duration(ns, "examiner", WINDOW)
    first = wait_until(lambda: prometheus.scalar(success_rate) is not None, 10, "a success rate")

    assert prometheus.scalar(success_rate) == pytest.approx(95.0, abs=0.01)
    assert prometheus.scalar(duration) == pytest.approx(190.0, abs=0.5)
    assert expected_quantile(0.99, CANARY) == pytest.approx(190.0)
    by_deployment = dict(
        (m["deployment"], v) for m, v in prometheus.query(q.success_rate_by_deployment(ns, "examiner", WINDOW))
    )
    assert by_deployment == pytest.approx({"examiner": 95.0, "examiner-primary": 100.0}, abs=0.01)
    p99 = dict(
        (m["deployment"], v)
        for m, v in prometheus.query(q.latency_quantile_by_deployment(0.99, ns, "examiner", WINDOW))
    )
    assert p99 == pytest.approx({"examiner": 190.0, "examiner-primary": expected_quantile(0.99, PRIMARY)}, abs=0.5)
    assert p99["examiner-primary"] == pytest.approx(19.9, abs=0.5)  # 10 + 10 * 0.99 in (10, 20]

    covered = wait_until(lambda: _window_covered(prometheus, ns), 10, "a fully covered rate window")

    def rps() -> dict[str, float]:
        query = q.requests_per_second_by_deployment(ns, "examiner", WINDOW)
        return {m["deployment"]: v for m, v in prometheus.query(query)}

    # On a loaded machine a late scrape skews one 5 s window; the next ones read true again.
    wait_until(
        lambda: rps() == pytest.approx({"examiner": 20.0, "examiner-primary": 60.0}, rel=0.02),
        15,
        "request rates of 20 and 60 per second",
    )

    # Mid-test change: the canary degrades. The old behaviour lingers for one window.
    worse = Traffic(rps=20, error_ratio=0.2, latency_ms={45: 0.5, 450: 0.5})
    linkerd.set("examiner", worse)
    changed = wait_until(
        lambda: abs((prometheus.scalar(success_rate) or 0) - 80.0) < 0.01, 12, "the success rate to reach 80 %"
    )
    assert prometheus.scalar(duration) == pytest.approx(expected_quantile(0.99, worse), abs=0.5)
    assert expected_quantile(0.99, worse) == pytest.approx(498.0)
    print(
        f"\nfirst success rate after {first:.1f}s, window covered after {covered:.1f}s more, "
        f"change visible after {changed:.1f}s"
    )


def test_no_traffic_and_no_series_read_as_no_values(prometheus: PrometheusServer, linkerd: LinkerdScenario) -> None:
    ns = linkerd.namespace
    linkerd.set("examiner", Traffic(rps=0))
    linkerd.set("examiner-primary", PRIMARY)
    wait_until(
        lambda: bool(prometheus.query(f'response_total{{namespace="{ns}", deployment="examiner"}}')),
        10,
        "the idle canary's series",
    )
    wait_until(
        lambda: bool(prometheus.query(q.flagger_success_rate(ns, "examiner-primary", WINDOW))), 10, "two samples"
    )
    [(_, value)] = prometheus.query(q.flagger_success_rate(ns, "examiner", WINDOW))
    assert math.isnan(value)  # 0/0: Flagger treats it as "no values found"
    assert prometheus.scalar(q.flagger_success_rate(ns, "examiner", WINDOW)) is None
    assert prometheus.query(q.flagger_success_rate(ns, "ghost", WINDOW)) == []  # no series at all


def test_front_passes_through_and_misbehaves_on_demand(
    prometheus: PrometheusServer, linkerd: LinkerdScenario, prom_front: PromFront
) -> None:
    ns = linkerd.namespace
    _demo(linkerd)
    expr = q.flagger_success_rate(ns, "examiner", WINDOW)
    wait_until(lambda: prometheus.scalar(expr) is not None, 10, "a success rate")
    via_front = PrometheusServer("unused", prometheus.workdir, [], port=prom_front.listener.port)
    assert via_front.scalar(expr) == pytest.approx(95.0, abs=0.01)
    assert [r.params["query"] for r in prom_front.queries()] == [expr]

    prom_front.set_mode("nan")
    [(_, value)] = via_front.query(expr)
    assert math.isnan(value)
    prom_front.set_mode("empty")
    assert via_front.query(expr) == []
    prom_front.set_mode("error", status=503)
    resp = httpx.get(f"{prom_front.url}/api/v1/query", params={"query": expr})
    assert resp.status_code == 503 and resp.json()["errorType"] == "unavailable"

    prom_front.set_mode("slow", delay=30)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{prom_front.url}/api/v1/query", params={"query": expr}, timeout=1.0)
    assert 0.9 < time.monotonic() - started < 2.0
    prom_front.set_mode("pass")  # releases held requests
    assert via_front.scalar(expr) == pytest.approx(95.0, abs=0.01)

    port = prom_front.listener.port
    prom_front.down()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{prom_front.url}/-/ready", timeout=1.0)
    prom_front.up()
    assert prom_front.listener.port == port
    assert httpx.get(f"{prom_front.url}/-/ready", timeout=2.0).status_code == 200


def test_prometheus_stop_restart_and_crash_on_the_same_port(
    own_prometheus: PrometheusServer, linkerd: LinkerdScenario
) -> None:
    prom, ns = own_prometheus, linkerd.namespace
    _demo(linkerd)
    expr = q.flagger_success_rate(ns, "examiner", WINDOW)
    wait_until(lambda: prom.scalar(expr) is not None, 10, "a success rate")
    history = f'count_over_time(response_total{{namespace="{ns}", deployment="examiner"}}[1m])'
    before = prom.query(history)[0][1]

    port = prom.port
    prom.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{prom.url}/-/ready", timeout=1.0)
    prom.start()
    restarted_at = time.time()
    assert prom.port == port
    restart_ready = prom.startup_seconds
    assert prom.query(history)[0][1] >= before  # the samples survived (WAL replay)
    newest = (
        f'timestamp(response_total{{namespace="{ns}", deployment="examiner", classification="success", '
        f'direction="inbound"}})'
    )
    fresh = wait_until(lambda: (prom.scalar(newest) or 0) > restarted_at, 15, "a scrape after the restart")
    # rate() over the short window needs two fresh samples: until then Flagger would read "no values".
    back = fresh + wait_until(lambda: prom.scalar(expr) is not None, 5, "a success rate after the restart")
    assert prom.scalar(expr) == pytest.approx(95.0, abs=0.01)

    prom.kill()
    prom.start()
    assert prom.query(history)[0][1] >= before  # unclean shutdown: the WAL still has them
    print(
        f"\nrestart ready in {restart_ready:.2f}s, first fresh scrape {fresh:.1f}s later, success rate back "
        f"after {back:.1f}s, ready after a crash in {prom.startup_seconds:.2f}s"
    )
