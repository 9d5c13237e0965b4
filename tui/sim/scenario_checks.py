"""Custom checks in a scenario: the MetricTemplates the simulated cluster serves and a Canary's own analysis.metrics,
each query with the behaviour its values follow in the simulation (the simulated Prometheus's answer).

A behaviour (`value:`) is one of:
* a measure of the traffic over the check's interval, as the provider's builtin check measures it: `errorRate`
  (100 - the success rate, in %), `successRate` (%), `latencyP99` (ms) or `requestRate` (requests/s), of the
  canary or, with `{measure: errorRate, of: primary}`, the primary; `scale` multiplies it (0.001: ms to s). Without
  requests a rate has no value, as PromQL's 0/0 is NaN: Flagger says "no values found";
* a number (a constant), or `{good: X, faulty: Y}`: X while the Deployment runs a good release, Y a faulty one;
* `none`: the query answers nothing ("no values found").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tui.base.yaml_file import mapping
from tui.base.yaml_file import show as _show
from tui.domain.flagger.query_template import RenderError, TemplateModel, render_query

MEASURES = ("errorRate", "successRate", "latencyP99", "requestRate")
SUBJECTS = ("canary", "primary")
BUILTIN_CHECKS = ("request-success-rate", "request-duration")
DEFAULT_ADDRESS = "http://prometheus.monitoring:9090"
DEFAULT_INTERVAL = "1m"  # Flagger's GetMetricInterval when a check has none
MAX_QUERY_CHARS = 4000
_INTERVAL = re.compile(r"^[0-9]+(m|s)$")  # the Canary CRD's pattern for a metric's interval
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_HINT = "errorRate, successRate, latencyP99, requestRate, a number, {good: X, faulty: Y} or none"


@dataclass(frozen=True)
class Behaviour:
    """Where a query's value comes from in the simulation; all unset: nothing (no values found)."""

    measure: str | None = None
    of: str = "canary"
    scale: float = 1.0
    constant: float | None = None
    good: float | None = None
    faulty: float | None = None

    @property
    def by_release(self) -> bool:
        return self.good is not None


@dataclass(frozen=True)
class TemplateScenario:
    """A flagger.app MetricTemplate with provider prometheus."""

    name: str
    namespace: str
    query: str
    value: Behaviour
    address: str = DEFAULT_ADDRESS


@dataclass(frozen=True)
class MetricScenario:
    """One entry of the Canary's spec.analysis.metrics."""

    name: str
    interval: str = DEFAULT_INTERVAL
    min: float | None = None
    max: float | None = None
    threshold: float | None = None  # the legacy bound, used only without thresholdRange
    template: str | None = None
    template_namespace: str | None = None
    variables: tuple[tuple[str, str], ...] = ()
    query: str | None = None
    value: Behaviour | None = None  # an inline query's behaviour


def _number(value: Any, path: str, error: type[Exception]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) == float("inf"):
        raise error(f"{path}: expected a number, got {_show(value)}")
    return float(value)


def _text(value: Any, path: str, error: type[Exception]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise error(f"{path}: expected a non-empty string, got {_show(value)}")
    return value


def _query(value: Any, path: str, error: type[Exception]) -> str:
    text = _text(value, path, error)
    if len(text) > MAX_QUERY_CHARS:
        raise error(f"{path}: a query of at most {MAX_QUERY_CHARS} characters, got {len(text)}")
    return text


def _name(value: Any, path: str, error: type[Exception]) -> str:
    text = _text(value, path, error)
    if not _NAME.match(text) or len(text) > 63:
        raise error(f"{path}: expected a lowercase name like error-rate, got {_show(text)}")
    return text


def parse_behaviour(value: Any, path: str, error: type[Exception]) -> Behaviour:
    if value is None:
        raise error(f"{path}: missing (what the simulated Prometheus answers: {_HINT})")
    if value == "none":
        return Behaviour()
    if isinstance(value, str):
        if value not in MEASURES:
            raise error(f"{path}: unknown behaviour {_show(value)} (one of {_HINT})")
        return Behaviour(measure=value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Behaviour(constant=_number(value, path, error))
    raw = mapping(value, path, {"measure", "of", "scale", "constant", "good", "faulty"}, error)
    kinds = [k for k in (("measure",), ("constant",), ("good", "faulty")) if any(key in raw for key in k)]
    if len(kinds) != 1:
        raise error(f"{path}: give one of measure, constant, or good with faulty (got {_show(sorted(raw))})")
    if "measure" in raw:
        if raw["measure"] not in MEASURES:
            raise error(f"{path}.measure: expected one of {', '.join(MEASURES)}, got {_show(raw['measure'])}")
        of = raw.get("of", "canary")
        if of not in SUBJECTS:
            raise error(f"{path}.of: expected canary or primary, got {_show(of)}")
        scale = _number(raw.get("scale", 1), f"{path}.scale", error)
        return Behaviour(measure=raw["measure"], of=of, scale=scale)
    for key in ("of", "scale"):
        if key in raw:
            raise error(f"{path}.{key}: applies to a measure only")
    if "constant" in raw:
        return Behaviour(constant=_number(raw["constant"], f"{path}.constant", error))
    for key in ("good", "faulty"):
        if key not in raw:
            raise error(f"{path}.{key}: missing (good and faulty go together)")
    good, faulty = _number(raw["good"], f"{path}.good", error), _number(raw["faulty"], f"{path}.faulty", error)
    return Behaviour(good=good, faulty=faulty)


def parse_templates(value: Any, path: str, error: type[Exception]) -> tuple[TemplateScenario, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise error(f"{path}: expected a list of MetricTemplates, got {_show(value)}")
    templates: list[TemplateScenario] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        raw = mapping(item, where, {"name", "namespace", "query", "value", "address"}, error)
        name = _name(raw.get("name"), f"{where}.name", error)
        namespace = _name(raw.get("namespace", "apps"), f"{where}.namespace", error)
        if (namespace, name) in seen:
            raise error(f"{where}: {namespace}/{name} is listed twice")
        seen.add((namespace, name))
        templates.append(
            TemplateScenario(
                name=name,
                namespace=namespace,
                query=_query(raw.get("query"), f"{where}.query", error),
                value=parse_behaviour(raw.get("value"), f"{where}.value", error),
                address=_text(raw.get("address", DEFAULT_ADDRESS), f"{where}.address", error),
            )
        )
    return tuple(templates)


_METRIC_KEYS = {"name", "interval", "thresholdRange", "threshold", "templateRef", "templateVariables", "query", "value"}


def _renders(query: str, variables: dict[str, str], path: str, error: type[Exception]) -> None:
    """Flagger ignores an inline query's render error and sends what is left, so a scenario must render."""
    model = TemplateModel.for_canary(name="canary", namespace="ns", target="target", interval="1m", variables=variables)
    try:
        render_query(query, model)
    except RenderError as exc:
        raise error(f"{path}: {exc}") from None


def parse_metric(
    value: Any, path: str, error: type[Exception], namespace: str, templates: tuple[TemplateScenario, ...]
) -> MetricScenario:
    raw = mapping(value, path, _METRIC_KEYS, error)
    name = _name(raw.get("name"), f"{path}.name", error)
    interval = raw.get("interval", DEFAULT_INTERVAL)
    if not isinstance(interval, str) or not _INTERVAL.match(interval):
        raise error(f"{path}.interval: expected seconds or minutes like 30s or 1m, got {_show(interval)}")
    bounds = mapping(raw.get("thresholdRange"), f"{path}.thresholdRange", {"min", "max"}, error)
    low = _number(bounds["min"], f"{path}.thresholdRange.min", error) if "min" in bounds else None
    high = _number(bounds["max"], f"{path}.thresholdRange.max", error) if "max" in bounds else None
    threshold = _number(raw["threshold"], f"{path}.threshold", error) if "threshold" in raw else None
    if "thresholdRange" in raw and not bounds:
        raise error(f"{path}.thresholdRange: give min, max or both")
    builtin = name in BUILTIN_CHECKS
    custom = [key for key in ("templateRef", "query") if key in raw]
    if builtin:
        if custom or "value" in raw or "threshold" in raw or "templateVariables" in raw:
            extra = next(k for k in ("templateRef", "query", "value", "threshold", "templateVariables") if k in raw)
            raise error(f"{path}.{extra}: {name} is Flagger's builtin check (give it thresholdRange and interval)")
        return MetricScenario(name=name, interval=interval, min=low, max=high)
    if len(custom) != 1:
        raise error(f"{path}: a custom check needs exactly one of templateRef or query")
    variables = raw.get("templateVariables") or {}
    if not isinstance(variables, dict):
        raise error(f"{path}.templateVariables: expected a mapping of names to strings, got {_show(variables)}")
    pairs = tuple(sorted((str(k), _text(v, f"{path}.templateVariables.{k}", error)) for k, v in variables.items()))
    if "query" in raw:
        query = _query(raw["query"], f"{path}.query", error)
        _renders(query, dict(pairs), f"{path}.query", error)
        return MetricScenario(
            name=name,
            interval=interval,
            min=low,
            max=high,
            threshold=threshold,
            variables=pairs,
            query=query,
            value=parse_behaviour(raw.get("value"), f"{path}.value", error),
        )
    if "value" in raw:
        raise error(f"{path}.value: a templateRef check's values follow its MetricTemplate's value")
    ref = mapping(raw["templateRef"], f"{path}.templateRef", {"name", "namespace"}, error)
    template = _name(ref.get("name"), f"{path}.templateRef.name", error)
    template_namespace = _name(ref.get("namespace", namespace), f"{path}.templateRef.namespace", error)
    if not any(t.name == template and t.namespace == template_namespace for t in templates):
        raise error(f"{path}.templateRef: no MetricTemplate {template_namespace}/{template} in metricTemplates")
    return MetricScenario(
        name=name,
        interval=interval,
        min=low,
        max=high,
        threshold=threshold,
        template=template,
        template_namespace=template_namespace if "namespace" in ref else None,
        variables=pairs,
    )


def parse_metrics(
    value: Any, path: str, error: type[Exception], namespace: str, templates: tuple[TemplateScenario, ...]
) -> tuple[MetricScenario, ...]:
    if not isinstance(value, list) or not value:
        raise error(f"{path}: expected a non-empty list of checks, got {_show(value)}")
    metrics = tuple(parse_metric(m, f"{path}[{i}]", error, namespace, templates) for i, m in enumerate(value))
    names = [m.name for m in metrics]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise error(f"{path}[{i}].name: {name} is listed twice")
    return metrics
