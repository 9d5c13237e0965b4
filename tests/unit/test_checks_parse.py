"""spec.analysis.metrics to Checks: kinds, template namespace, bounds (thresholdRange and the legacy threshold)."""

from __future__ import annotations

from tui.domain.model import CheckKind
from tui.kube.checks import MAX_CHECKS, parse_checks, parse_metric_template
from tui.kube.parse import parse_canary


def _canary(metrics: object) -> dict:
    return {
        "metadata": {"namespace": "test", "name": "podinfo"},
        "spec": {"targetRef": {"name": "podinfo"}, "analysis": {"interval": "1m", "metrics": metrics}},
    }


def test_a_template_and_an_inline_query_are_the_canarys_only_checks() -> None:
    metrics = [
        {
            "name": "error-rate",
            "templateRef": {"name": "error-rate"},
            "thresholdRange": {"max": 1},
            "interval": "1m",
            "templateVariables": {"route": "api", "code": "5.."},
        },
        {
            "name": "latency",
            "query": "histogram_quantile(0.99,\n  sum(rate(x[1m])) by (le))",
            "thresholdRange": {"max": 0.8},
        },
    ]
    info = parse_canary(_canary(metrics))
    assert info is not None
    template, inline = info.analysis.checks
    assert (template.name, template.kind, template.template_key) == (
        "error-rate",
        CheckKind.TEMPLATE,
        "test/error-rate",
    )
    assert (template.min, template.max, template.interval) == (None, 1.0, "1m")
    assert template.variables == (("code", "5.."), ("route", "api"))
    assert (inline.kind, inline.max, inline.interval) == (CheckKind.QUERY, 0.8, "1m")
    assert inline.query == "histogram_quantile(0.99,   sum(rate(x[1m])) by (le))"
    assert not info.analysis.builtin_checks  # the existing reader agrees: no builtin check on this Canary


def test_template_in_another_namespace_and_legacy_thresholds() -> None:
    checks = parse_checks(
        [
            {"name": "request-success-rate", "threshold": 99, "interval": "30s"},
            {"name": "request-duration", "threshold": 500},
            {"name": "errors", "templateRef": {"name": "errors", "namespace": "flagger-system"}, "threshold": 2},
            {"name": "bare", "templateRef": {"name": "bare"}},
        ],
        "test",
    )
    rate, duration, errors, bare = checks
    assert (rate.kind, rate.min, rate.max, rate.interval) == (CheckKind.BUILTIN, 99.0, None, "30s")
    assert (duration.min, duration.max) == (None, 500.0)
    assert (errors.template_key, errors.max) == ("flagger-system/errors", 2.0)
    assert bare.max == 0.0  # Flagger compares against Go's zero threshold when none is given
    assert rate.fails(98.9) and not rate.fails(99.0)
    assert duration.fails(501) and not duration.fails(500)


def test_problems_are_named_on_the_check() -> None:
    unusable, inverted, nameless = parse_checks(
        [
            {"name": "mystery"},
            {"name": "q", "query": "up", "thresholdRange": {"min": 5, "max": 1}},
            {"name": "t", "templateRef": {"namespace": "x"}},
        ],
        "test",
    )
    assert unusable.problem == "no usable metrics template and query were configured"
    assert inverted.problem is not None and "min 5 is above max 1" in inverted.problem
    assert nameless.problem == "templateRef has no name"


def test_hostile_and_malformed_entries_are_bounded_and_safe() -> None:
    metrics: list[object] = ["nope", 7, None, {"name": "evil\x1b[31m[b]x[/b]", "query": "up", "interval": "soon"}]
    metrics += [{"name": f"m{i}", "query": "up"} for i in range(100)]
    checks = parse_checks(metrics, "test")
    assert len(checks) == MAX_CHECKS
    assert "\x1b" not in checks[0].name
    assert checks[0].interval == "1m"  # an interval Flagger's CRD would refuse falls back to Flagger's default
    assert parse_checks({"not": "a list"}, "test") == ()
    assert parse_checks([{"name": "q", "query": "x" * 10_000}], "test")[0].query is not None
    assert len(parse_checks([{"name": "q", "query": "x" * 10_000}], "test")[0].query or "") <= 4000


def test_a_metric_template_keeps_provider_address_query_and_only_the_secrets_name() -> None:
    template = parse_metric_template(
        {
            "apiVersion": "flagger.app/v1beta1",
            "kind": "MetricTemplate",
            "metadata": {"namespace": "test", "name": "error-rate"},
            "spec": {
                "provider": {
                    "type": "Prometheus",
                    "address": "http://prometheus.monitoring:9090",
                    "secretRef": {"name": "prom-auth", "data": {"password": "hunter2"}},
                },
                "query": 'sum(rate(http_requests_total{namespace="{{ namespace }}",status=~"5.."}[{{ interval }}]))',
            },
        }
    )
    assert template is not None
    assert (template.key, template.provider, template.address) == (
        "test/error-rate",
        "prometheus",
        "http://prometheus.monitoring:9090",
    )
    assert template.secret_name == "prom-auth" and "hunter2" not in repr(template)
    assert template.queryable and template.query is not None and "{{ interval }}" in template.query
    datadog = parse_metric_template(
        {"metadata": {"namespace": "n", "name": "d"}, "spec": {"provider": {"type": "datadog"}, "query": "avg:x"}}
    )
    assert datadog is not None and not datadog.queryable
    assert parse_metric_template({"metadata": {"name": "no-namespace"}}) is None
    assert parse_metric_template("garbage") is None
