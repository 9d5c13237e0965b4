"""A MetricTemplate query and an inline query answered by a real Prometheus, rendered with Flagger's variables."""

from __future__ import annotations

import pytest

from tests.prom.exporter import LinkerdScenario, Traffic
from tests.prom.fixtures import wait_until
from tests.prom.server import PrometheusServer
from tui.cluster.check_query import NO_VALUES, evaluate
from tui.cluster.prometheus import prometheus_client
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
