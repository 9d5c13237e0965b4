"""A MetricTemplate query and an inline query answered by a real Prometheus, rendered with Flagger's variables."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.core import GaugeMetricFamily

from tests.prom.exporter import LinkerdExporter, LinkerdScenario, Traffic
from tests.prom.fixtures import wait_until
from tests.prom.server import PrometheusServer
from tui.cluster.check_query import NO_VALUES, evaluate
from tui.cluster.prometheus import prometheus_client
from tui.cluster.recorded_check import GAUGE, NOT_RECORDED, recorded_query, recorded_value
from tui.domain.flagger.query_template import TemplateModel
from tui.kube.checks import parse_checks, parse_metric_template

pytestmark = pytest.mark.prometheus

ERROR_RATE = (
    'sum(rate(response_total{namespace="{{ namespace }}", deployment="{{ target }}", '
    'direction="{{ variables.direction }}", classification="failure"}[{{ interval }}])) / '
    'sum(rate(response_total{namespace="{{ namespace }}", deployment="{{ target }}", '
    'direction="{{ variables.direction }}"}[{{ interval }}])) * 100'
)


def test_template_and_inline_query_values_and_their_failures(
    prometheus: PrometheusServer, linkerd: LinkerdScenario
) -> None:
    ns = linkerd.namespace
    linkerd.set("examiner", Traffic(rps=20, error_ratio=0.05, latency_ms={45: 1.0}))
    template = parse_metric_template(
        {
            "metadata": {"namespace": ns, "name": "error-rate"},
            "spec": {"provider": {"type": "prometheus", "address": prometheus.url}, "query": ERROR_RATE},
        }
    )
    checks = parse_checks(
        [
            {
                "name": "error-rate",
                "templateRef": {"name": "error-rate"},
                "interval": "5s",
                "thresholdRange": {"max": 1},
                "templateVariables": {"direction": "inbound"},
            },
            {"name": "ghost", "query": 'sum(response_total{deployment="{{ target }}-nobody"})', "interval": "5s"},
            {"name": "broken", "query": "sum(rate(", "interval": "5s"},
            {"name": "unrendered", "templateRef": {"name": "error-rate"}, "interval": "5s"},
            {"name": "missing", "templateRef": {"name": "absent"}, "interval": "5s"},
        ],
        ns,
    )
    error_rate, ghost, broken, unrendered, missing = checks
    prom, _ = prometheus_client(prometheus.url, None)

    def model(interval: str, variables: dict[str, str]) -> TemplateModel:
        return TemplateModel.for_canary(
            name="examiner", namespace=ns, target="examiner", interval=interval, variables=variables
        )

    inbound = model(error_rate.interval, dict(error_rate.variables))
    wait_until(lambda: evaluate(prom, error_rate, template, inbound).value is not None, 15, "an error rate")
    got = evaluate(prom, error_rate, template, inbound)
    assert got.value == pytest.approx(5.0, abs=0.01)
    assert error_rate.fails(got.value or 0.0)
    assert got.query is not None and f'namespace="{ns}"' in got.query and "[5s]" in got.query

    assert evaluate(prom, ghost, None, inbound).error == NO_VALUES
    failed = evaluate(prom, broken, None, inbound)
    assert failed.error is not None and failed.error.startswith("query failed:") and "\n" not in failed.error
    rendered = evaluate(prom, unrendered, template, model("5s", {}))
    assert rendered.error is not None and 'no entry for key "direction"' in rendered.error
    assert evaluate(prom, missing, None, inbound).error == f"MetricTemplate {ns}/absent not found"


class FlaggerRecorder:
    """Flagger's own /metrics as the exporter serves it: the gauge its recorder sets for each check it ran."""

    def __init__(self, namespace: str, values: dict[tuple[str, str], float]) -> None:
        self.namespace = namespace
        self.values = values

    def add_samples(self, families: dict[str, Any]) -> None:
        gauge = families.setdefault(
            "flagger_analysis",
            GaugeMetricFamily(GAUGE, "Last canary analysis result per metric", labels=["name", "namespace", "metric"]),
        )
        for (target, metric), value in self.values.items():
            gauge.add_metric([target, self.namespace, metric], value)


def test_flaggers_recorded_value_for_a_provider_not_queried_here(
    prometheus: PrometheusServer, linkerd_exporter: LinkerdExporter
) -> None:
    recorder = FlaggerRecorder("recorded", {("examiner", "dd-errors"): 1.75})
    linkerd_exporter.add(recorder)  # type: ignore[arg-type]
    try:
        prom, _ = prometheus_client(prometheus.url, None)
        query = recorded_query("examiner", "recorded", "dd-errors")
        wait_until(lambda: recorded_value(prom, query).value is not None, 20, "the recorder's gauge scraped")
        found = recorded_value(prom, query)
        assert found.value == 1.75 and found.error is None and found.query == query
        missing = recorded_value(prom, recorded_query("examiner", "recorded", "latency"))
        assert missing.value is None and missing.error == NOT_RECORDED
    finally:
        linkerd_exporter.remove(recorder)  # type: ignore[arg-type]


def test_a_long_grouped_query_is_sent_as_form_data_and_answered(prometheus: PrometheusServer) -> None:
    from tui.cluster.check_endpoint import GET_MAX_CHARS, Endpoint, make_client

    names = "|".join(f"job-{i:04d}" for i in range(400))
    query = f'count by (job) (up{{job=~"{names}|{prometheus.job}"}})'
    assert len(query) > GET_MAX_CHARS
    client = make_client(Endpoint(prometheus.url), None)
    assert client.custom_query(query) == [
        {"metric": {"job": prometheus.job}, "value": [pytest.approx(0, abs=1e12), "1"]}
    ]
