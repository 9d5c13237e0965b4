"""The exporter's counters follow its scenario exactly (no Prometheus needed)."""

from __future__ import annotations

import math
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.prom.exporter import LINKERD_BUCKETS_MS, LinkerdExporter, LinkerdScenario, Traffic, expected_quantile


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _scrape(exporter: LinkerdExporter) -> dict[tuple, float]:
    text = urllib.request.urlopen(f"http://{exporter.target}/metrics", timeout=5).read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            key = (
                s.name,
                s.labels.get("deployment"),
                s.labels.get("direction"),
                s.labels.get("classification"),
                s.labels.get("le"),
            )
            samples[key] = s.value
    return samples


def test_counters_and_histograms_integrate_the_scenario_over_time() -> None:
    clock = FakeClock()
    with LinkerdExporter() as exporter:
        scenario = exporter.add(LinkerdScenario(namespace="apps", clock=clock))
        scenario.set("examiner", Traffic(rps=20, error_ratio=0.05, latency_ms={45: 0.9, 180: 0.1}))
        scenario.set("examiner-primary", Traffic(rps=60, latency_ms={20: 1.0}))
        clock.now += 10
        m = _scrape(exporter)
        assert m[("response_total", "examiner", "inbound", "success", None)] == pytest.approx(190)
        assert m[("response_total", "examiner", "inbound", "failure", None)] == pytest.approx(10)
        assert m[("response_total", "examiner-primary", "inbound", "failure", None)] == 0
        ok_bucket = ("response_latency_ms_bucket", "examiner", "inbound", "success")
        assert m[(*ok_bucket, "40")] == 0
        assert m[(*ok_bucket, "50")] == pytest.approx(171)  # 90 % of 190 answered at 45 ms
        assert m[(*ok_bucket, "100")] == pytest.approx(171)
        assert m[(*ok_bucket, "200")] == pytest.approx(190)
        assert m[(*ok_bucket, "+Inf")] == pytest.approx(190)
        assert m[("response_latency_ms_count", "examiner", "inbound", "success", None)] == pytest.approx(190)
        assert m[("response_latency_ms_sum", "examiner", "inbound", "success", None)] == pytest.approx(
            190 * (0.9 * 45 + 0.1 * 180)
        )
        assert (
            len([k for k in m if k[0] == "response_latency_ms_bucket" and k[1:4] == ok_bucket[1:]])
            == len(LINKERD_BUCKETS_MS) + 1
        )

        scenario.set("examiner", Traffic(rps=10, error_ratio=0.5))  # mid-run change: a new segment
        clock.now += 4
        m = _scrape(exporter)
        assert m[("response_total", "examiner", "inbound", "success", None)] == pytest.approx(190 + 20)
        assert m[("response_total", "examiner", "inbound", "failure", None)] == pytest.approx(10 + 20)


def test_expected_quantile_follows_promql_histogram_quantile() -> None:
    # Hand-computed: the 0.99 rank falls in (100, 200] holding the top 10 %: 100 + 100 * (0.99 - 0.9) / 0.1.
    assert expected_quantile(0.99, Traffic(1, latency_ms={45: 0.9, 180: 0.1})) == pytest.approx(190)
    # (400, 500] holds the top half: 400 + 100 * (0.99 - 0.5) / 0.5.
    assert expected_quantile(0.99, Traffic(1, latency_ms={45: 0.5, 450: 0.5})) == pytest.approx(498)
    # The lowest bucket starts at 0; a rank in +Inf answers the highest finite bound.
    assert expected_quantile(0.5, Traffic(1, latency_ms={0.5: 1.0})) == pytest.approx(0.5)
    assert expected_quantile(0.99, Traffic(1, latency_ms={60000: 1.0})) == 50000
    with pytest.raises(ValueError):
        Traffic(1, latency_ms={10: 0.5})
    assert math.isclose(Traffic(1, latency_ms={10: 0.25, 30: 0.75}).mean_latency(), 25)
