"""templateRef and inline-query checks in the simulation: the simulated Prometheus's answers, Flagger's evaluation of
them (pkg/controller/scheduler_metrics.go, v1.44) and the samples canaryscope's own poller would take.

Flagger runs a canary's checks in two passes: runBuiltinMetricChecks goes through analysis.metrics in order and
evaluates the builtin checks and every inline `query`; only when all of those pass does runMetricChecks go through
the list again for the `templateRef` checks. The first failure ends the tick with its Warning. The values come
from each query's behaviour (tui.sim.scenario_checks), measured over the check's own interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tui.cluster.check_query import NO_VALUES, check_query
from tui.domain.flagger import check_messages as cm
from tui.domain.flagger import messages as msg
from tui.domain.flagger.query_template import RenderError, TemplateModel, render_query
from tui.domain.model import CanaryKey, Check, CheckKind, CheckSample, MetricTemplateInfo
from tui.domain.names import primary_name
from tui.domain.observations import CheckValueObserved, MetricTemplateDeleted, MetricTemplateObserved, Observation
from tui.kube.checks import BUILTIN_NAMES, parse_checks, parse_metric_template
from tui.kube.parse import parse_interval
from tui.sim.scenario_checks import DEFAULT_INTERVAL, Behaviour
from tui.sim.store import ObjectStore
from tui.sim.traffic import TrafficModel

TEMPLATE_KIND = "MetricTemplate"


def template_model(canary: dict[str, Any], metric: dict[str, Any]) -> TemplateModel:
    """toMetricModel: the Canary's names and the check's interval and templateVariables."""
    meta, spec = canary["metadata"], canary["spec"]
    variables = metric.get("templateVariables") or {}
    return TemplateModel.for_canary(
        name=meta["name"],
        namespace=meta["namespace"],
        target=spec["targetRef"]["name"],
        interval=str(metric.get("interval") or ""),
        service=(spec.get("service") or {}).get("name"),
        ingress=(spec.get("ingressRef") or {}).get("name"),
        route=(spec.get("routeRef") or {}).get("name"),
        variables={str(k): str(v) for k, v in variables.items()},
    )


def template_namespace(canary: dict[str, Any], metric: dict[str, Any]) -> str:
    """templateRef.namespace when set, else the Canary's."""
    return (metric.get("templateRef") or {}).get("namespace") or canary["metadata"]["namespace"]


class SimPrometheus:
    """Answers a scenario's custom queries from the simulated traffic: by MetricTemplate (namespace, name), and by
    (canary, check name) for inline queries."""

    def __init__(
        self,
        store: ObjectStore,
        traffic: TrafficModel,
        templates: dict[tuple[str, str], Behaviour],
        inline: dict[tuple[str, str, str], Behaviour],
    ) -> None:
        self._store = store
        self._traffic = traffic
        self._templates = templates
        self._inline = inline

    def behaviour(self, canary: dict[str, Any], metric: dict[str, Any]) -> Behaviour:
        """What the query of `metric` answers; a query nobody described answers nothing."""
        meta = canary["metadata"]
        if metric.get("templateRef"):
            key = (template_namespace(canary, metric), metric["templateRef"].get("name") or "")
            return self._templates.get(key, Behaviour())
        return self._inline.get((meta["namespace"], meta["name"], metric.get("name") or ""), Behaviour())

    def value(self, canary: dict[str, Any], metric: dict[str, Any], now: float) -> float | None:
        """The query's value at `now` over the check's interval; None: no values found (nothing, or NaN)."""
        behaviour = self.behaviour(canary, metric)
        target = canary["spec"]["targetRef"]["name"]
        namespace = canary["metadata"]["namespace"]
        deployment = primary_name(target) if behaviour.of == "primary" else target
        if behaviour.constant is not None:
            return behaviour.constant
        if behaviour.by_release:
            return behaviour.faulty if self._faulty(namespace, deployment) else behaviour.good
        if behaviour.measure is None:
            return None
        seconds = parse_interval(metric.get("interval") or DEFAULT_INTERVAL) or 60.0
        stats = self._traffic.metrics(namespace, deployment).window(int(now), seconds)
        measured: float | None
        if behaviour.measure == "errorRate":
            rate = stats.success_rate
            measured = None if rate is None else 100.0 - rate
        elif behaviour.measure == "successRate":
            measured = stats.success_rate
        elif behaviour.measure == "latencyP99":
            measured = stats.quantile(0.99)
        else:
            measured = stats.rps  # sum(rate(...)) over series that exist is 0 without requests, not NaN
        return None if measured is None else measured * behaviour.scale

    def _faulty(self, namespace: str, deployment: str) -> bool:
        obj = self._store.get("Deployment", namespace, deployment)
        if obj is None:
            return False
        for container in obj["spec"]["template"]["spec"].get("containers") or []:
            for env in container.get("env") or []:
                if env.get("name") == "SERVER_ERROR_RATE":
                    try:
                        return float(env.get("value") or 0) > 0
                    except ValueError:
                        return False
        return False


class CustomChecks:
    """The simulated Flagger's side: each tick's verdict on a canary's templateRef and inline-query checks."""

    def __init__(self, store: ObjectStore, prometheus: SimPrometheus) -> None:
        self._store = store
        self.prometheus = prometheus

    def availability_error(self, canary: dict[str, Any]) -> str | None:
        """checkMetricProviderAvailability at initialisation: the first MetricTemplate it cannot read, worded as
        Flagger's event; None: "all the metrics providers are available!" (the simulated Prometheus is online)."""
        for metric in _metrics(canary):
            if metric.get("name") in BUILTIN_NAMES or not metric.get("templateRef"):
                continue
            name, namespace = metric["templateRef"].get("name") or "", template_namespace(canary, metric)
            if self._store.get(TEMPLATE_KIND, namespace, name) is None:
                error = cm.template_unavailable(name, namespace, cm.template_not_found(name))
                return cm.providers_unavailable(error)
        return None

    def inline_failure(self, canary: dict[str, Any], metric: dict[str, Any], now: float) -> str | None:
        """runBuiltinMetricChecks' part for an inline query: its Warning, or None when it passes."""
        value = self.prometheus.value(canary, metric, now)
        if value is None:
            return cm.no_values_inline(metric["name"])
        return self._verdict(canary, metric, value)

    def template_failures(self, canary: dict[str, Any], now: float) -> str | None:
        """runMetricChecks: the templateRef checks in order; the first one's Warning, or None when all pass."""
        for metric in _metrics(canary):
            ref = metric.get("templateRef")
            if ref:
                failure = self._template_failure(canary, metric, now)
                if failure:
                    return failure
            elif metric.get("name") not in BUILTIN_NAMES and not metric.get("query"):
                return cm.NO_USABLE_QUERY
        return None

    def _template_failure(self, canary: dict[str, Any], metric: dict[str, Any], now: float) -> str | None:
        name, namespace = metric["templateRef"].get("name") or "", template_namespace(canary, metric)
        template = self._store.get(TEMPLATE_KIND, namespace, name)
        if template is None:
            return cm.template_error(name, namespace, cm.template_not_found(name))
        try:
            render_query(str(template["spec"].get("query") or ""), template_model(canary, metric))
        except RenderError as error:
            return cm.template_render_error(name, namespace, str(error))
        value = self.prometheus.value(canary, metric, now)
        if value is None:
            return cm.no_values_custom(metric["name"])
        return self._verdict(canary, metric, value)

    @staticmethod
    def _verdict(canary: dict[str, Any], metric: dict[str, Any], value: float) -> str | None:
        meta = canary["metadata"]
        bounds = metric.get("thresholdRange")
        ranged = isinstance(bounds, dict)
        bounds = bounds if isinstance(bounds, dict) else {}
        low, high = bounds.get("min"), bounds.get("max")
        return cm.out_of_range(
            msg.dotted(meta["name"], meta["namespace"]),
            metric["name"],
            value,
            ranged=ranged,
            low=None if low is None else float(low),
            high=None if high is None else float(high),
            legacy=float(metric.get("threshold") or 0),
        )


def _metrics(canary: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in (canary["spec"].get("analysis") or {}).get("metrics") or [] if isinstance(m, dict)]


# --- what canaryscope sees -------------------------------------------------------------------------------------


def template_observations(change: str, obj: dict[str, Any]) -> list[Observation]:
    """A MetricTemplate added, changed or deleted in the simulated cluster, as a watch on a cluster reports it."""
    meta = obj.get("metadata") or {}
    if change == "DELETED":
        return [MetricTemplateDeleted(meta.get("namespace") or "", meta.get("name") or "")]
    info = parse_metric_template(obj)
    return [MetricTemplateObserved(info)] if info is not None else []


def check_samples(
    canaries: Iterable[dict[str, Any]], prometheus: SimPrometheus, store: ObjectStore, now: float
) -> list[CheckValueObserved]:
    """One sample of every templateRef and inline-query check, as canaryscope's poller takes them on a cluster:
    the query rendered with Flagger's variables, its value or the one-line reason there is none."""
    out: list[CheckValueObserved] = []
    for canary in canaries:
        meta = canary["metadata"]
        key = CanaryKey(meta["namespace"], meta["name"])
        metrics = _metrics(canary)
        checks = parse_checks(metrics, meta["namespace"])
        for check, metric in zip(checks, metrics, strict=False):
            if check.kind is CheckKind.BUILTIN:
                continue
            info = None
            if check.kind is CheckKind.TEMPLATE and check.template_name:
                raw = store.get(TEMPLATE_KIND, check.template_namespace or "", check.template_name)
                info = parse_metric_template(raw) if raw is not None else None
            out.append(CheckValueObserved(key, check.name, _sample(check, info, canary, metric, prometheus, now)))
    return out


def _sample(
    check: Check,
    info: MetricTemplateInfo | None,
    canary: dict[str, Any],
    metric: dict[str, Any],
    prometheus: SimPrometheus,
    now: float,
) -> CheckSample:
    query, problem = check_query(check, info)
    if query is None:
        return CheckSample(at=now, value=None, error=problem)
    try:
        rendered = render_query(query, template_model(canary, metric))
    except RenderError as error:
        return CheckSample(at=now, value=None, error=f"query render error: {error}")
    value = prometheus.value(canary, metric, now)
    return CheckSample(at=now, value=value, error=NO_VALUES if value is None else None, query=rendered)


def behaviours(
    scenario: Any,
) -> tuple[dict[tuple[str, str], Behaviour], dict[tuple[str, str, str], Behaviour]]:
    """A scenario's behaviours by MetricTemplate and by (namespace, canary, check) for its inline queries."""
    templates = {(t.namespace, t.name): t.value for t in scenario.templates}
    inline = {
        (c.namespace, c.name, m.name): m.value
        for c in scenario.canaries
        for m in c.metrics or ()
        if m.query is not None and m.value is not None
    }
    return templates, inline
