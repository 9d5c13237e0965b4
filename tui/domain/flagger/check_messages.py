"""Flagger's words for templateRef and inline-query checks (pkg/controller/scheduler_metrics.go, v1.44), beside the
builtin checks' in tui.domain.flagger.messages. Every one is a Warning event (recordEventWarningf and
recordEventErrorf both record EventTypeWarning)."""

from __future__ import annotations

from tui.domain.flagger.messages import metric_halt

NO_VALUES = "no values found"  # providers.ErrNoValuesFound
NO_USABLE_QUERY = "Metric query failed for no usable metrics template and query were configured"


def providers_unavailable(error: str) -> str:
    """advanceCanary at initialisation, when checkMetricProviderAvailability fails."""
    return f"Error checking metric providers: {error}"


def template_unavailable(template: str, namespace: str, error: str) -> str:
    """checkMetricProviderAvailability's error for a MetricTemplate it cannot read."""
    return f"metric template {template}.{namespace} error: {error}"


def template_not_found(template: str) -> str:
    """The MetricTemplate lister's NotFound error (flaggerv1beta1.Resource("metrictemplate"))."""
    return f'metrictemplate.flagger.app "{template}" not found'


def template_error(template: str, namespace: str, error: str) -> str:
    return f"Metric template {template}.{namespace} error: {error}"


def template_render_error(template: str, namespace: str, error: str) -> str:
    return f"Metric template {template}.{namespace} query render error: {error}"


def no_values_custom(check: str) -> str:
    """A templateRef check whose query answers nothing (or NaN)."""
    return f"Halt advancement no values found for custom metric: {check}: {NO_VALUES}"


def no_values_inline(check: str) -> str:
    """An inline-query check whose query answers nothing (or NaN)."""
    return f"Halt advancement no values found for metric: {check}"


def custom_query_failed(check: str, error: str) -> str:
    return f"Metric query failed for {check}: {error}"


def inline_query_failed(check: str, error: str) -> str:
    return f"Prometheus query failed for {check}: {error}"


def out_of_range(
    obj: str, check: str, value: float, *, ranged: bool, low: float | None, high: float | None, legacy: float | None
) -> str | None:
    """The Halt for a value outside the check's bounds, or None when it passes. With a thresholdRange (`ranged`;
    min and max may be unset) a value equal to a bound passes; without one, the legacy threshold (0 when unset) is a
    maximum. Flagger prints the value with %.2f and the bound with %v."""
    if not ranged:
        bound = legacy or 0.0
        return metric_halt(obj, check, value, ">", bound) if value > bound else None
    if low is not None and value < low:
        return metric_halt(obj, check, value, "<", low)
    if high is not None and value > high:
        return metric_halt(obj, check, value, ">", high)
    return None
