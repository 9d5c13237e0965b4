"""The bench fleet's custom checks: two MetricTemplates and an inline query on every canary, all on `{{ target }}`,
`{{ namespace }}` and `{{ interval }}`, so each canary's queries are its own (and a grouped query can answer them
all at once). The series they ask are bench/check_exporter.py's."""

from __future__ import annotations

from typing import Any

from bench.cluster import CanaryRef
from tests.standin.apiserver import ApiServer
from tests.standin.resources import METRICTEMPLATES

INTERVAL = "30s"
INTERVAL_S = 30.0
HOME = "flagger-system"
SELECTOR = 'namespace="{{ namespace }}",deployment="{{ target }}"'
TEMPLATES = {
    "error-rate": (
        f'100 * sum(rate(http_requests_total{{{SELECTOR},status=~"5.."}}[{{{{ interval }}}}])) '
        f"/ sum(rate(http_requests_total{{{SELECTOR}}}[{{{{ interval }}}}]))"
    ),
    "throughput": f"sum(rate(http_requests_total{{{SELECTOR}}}[{{{{ interval }}}}]))",
}
LATENCY = (
    "histogram_quantile(0.99, sum by (le) "
    f"(rate(http_request_duration_seconds_bucket{{{SELECTOR}}}[{{{{ interval }}}}])))"
)
CHECKS: tuple[dict[str, Any], ...] = (
    {
        "name": "error-rate",
        "templateRef": {"name": "error-rate", "namespace": HOME},
        "thresholdRange": {"max": 5},
        "interval": INTERVAL,
    },
    {
        "name": "throughput",
        "templateRef": {"name": "throughput", "namespace": HOME},
        "thresholdRange": {"min": 1},
        "interval": INTERVAL,
    },
    {"name": "p99-seconds", "query": LATENCY, "thresholdRange": {"max": 0.5}, "interval": INTERVAL},
)
# Every check query names one of these series; Flagger's builtin ones (Linkerd's) name neither.
SERIES = ("http_requests_total", "http_request_duration_seconds_bucket")


def template(name: str, address: str) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"namespace": HOME, "name": name},
        "spec": {"provider": {"type": "prometheus", "address": address}, "query": TEMPLATES[name]},
    }


def add_checks(api: ApiServer, refs: list[CanaryRef], address: str) -> None:
    """The templates (their provider at `address`) and the three checks on every canary in `refs`."""
    api.install_crd(METRICTEMPLATES)
    for name in TEMPLATES:
        api.put(template(name, address))
    for ref in refs:
        canary = api.get("canaries.flagger.app", ref.name, ref.namespace)
        assert canary is not None
        canary["spec"]["analysis"]["metrics"] = [dict(check) for check in CHECKS]
        api.put(canary)


def is_check_query(query: str) -> bool:
    return any(series in query for series in SERIES)
