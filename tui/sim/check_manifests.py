"""A scenario's custom checks as Kubernetes objects: the Canary's analysis.metrics entries and the MetricTemplates
(provider prometheus) they refer to. The simulation serves these, and the lab applies the same to a real Flagger."""

from __future__ import annotations

from typing import Any

from tui.sim.scenario_checks import MetricScenario, TemplateScenario

API_VERSION = "flagger.app/v1beta1"


def metric_entry(metric: MetricScenario) -> dict[str, Any]:
    """One entry of spec.analysis.metrics, as a Canary spells it (the simulation's `value` is not part of it)."""
    entry: dict[str, Any] = {"name": metric.name, "interval": metric.interval}
    bounds = {k: v for k, v in (("min", metric.min), ("max", metric.max)) if v is not None}
    if bounds:
        entry["thresholdRange"] = bounds
    if metric.threshold is not None:
        entry["threshold"] = metric.threshold
    if metric.template is not None:
        ref = {"name": metric.template}
        if metric.template_namespace is not None:
            ref["namespace"] = metric.template_namespace
        entry["templateRef"] = ref
    if metric.variables:
        entry["templateVariables"] = dict(metric.variables)
    if metric.query is not None:
        entry["query"] = metric.query
    return entry


def metric_entries(metrics: tuple[MetricScenario, ...]) -> list[dict[str, Any]]:
    return [metric_entry(m) for m in metrics]


def metric_template(template: TemplateScenario, address: str | None = None) -> dict[str, Any]:
    """The MetricTemplate; `address` replaces the scenario's Prometheus (the lab's own)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "MetricTemplate",
        "metadata": {"name": template.name, "namespace": template.namespace},
        "spec": {
            "provider": {"type": "prometheus", "address": address or template.address},
            "query": template.query,
        },
    }
