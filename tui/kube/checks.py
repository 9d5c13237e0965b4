"""spec.analysis.metrics to Checks, as Flagger's scheduler_metrics.go reads them.

A check is builtin (request-success-rate / request-duration without a template), a templateRef to a MetricTemplate
(its namespace defaults to the Canary's), or an inline query. The bounds come from thresholdRange; without one, the
legacy `threshold`: a minimum for request-success-rate, a maximum for every other check (`val > metric.Threshold`).
"""

from __future__ import annotations

import re
from typing import Any

from tui.base.safe_text import safe_text
from tui.domain.model import Check, CheckKind, MetricTemplateInfo
from tui.kube.values import as_dict as _dict
from tui.kube.values import as_list as _list
from tui.kube.values import finite as _float
from tui.kube.values import text as _str

BUILTIN_NAMES = ("request-success-rate", "request-duration")
MAX_CHECKS = 20
MAX_VARIABLES = 20
MAX_QUERY_CHARS = 4000
_INTERVAL = re.compile(r"^[0-9]+(m|s)$")  # the CRD's pattern for a metric's interval
_BLANKS = re.compile(r"[\t\r\n]+")


def query_text(value: Any) -> str | None:
    """A query kept runnable: line breaks and tabs are PromQL whitespace, so they become spaces, not symbols."""
    if not isinstance(value, str) or not value.strip():
        return None
    return safe_text(_BLANKS.sub(" ", value).strip(), MAX_QUERY_CHARS)


def _variables(value: Any) -> tuple[tuple[str, str], ...]:
    pairs = [(k, v) for k, v in _dict(value).items() if isinstance(k, str) and isinstance(v, str)]
    return tuple(sorted((safe_text(k, 80), safe_text(v, 400)) for k, v in pairs[:MAX_VARIABLES]))


def _check(metric: dict[str, Any], canary_namespace: str) -> Check:
    name = _str(metric.get("name")) or "?"
    written = metric.get("interval")
    interval = written.strip() if isinstance(written, str) and _INTERVAL.match(written.strip()) else "1m"
    bounds = _dict(metric.get("thresholdRange"))
    low, high = _float(bounds.get("min")), _float(bounds.get("max"))
    if not isinstance(metric.get("thresholdRange"), dict):
        # The legacy threshold (0 when unset, as Go's zero value): a floor for the success rate, a ceiling elsewhere.
        legacy = _float(metric.get("threshold")) or 0.0
        low, high = (legacy, None) if name == "request-success-rate" else (None, legacy)
    ref = _dict(metric.get("templateRef"))
    query = query_text(metric.get("query"))
    problem = None
    if low is not None and high is not None and low > high:
        problem = f"thresholdRange min {low:g} is above max {high:g}: every value fails"
    if ref:
        template = _str(ref.get("name"))
        if not template:
            problem = "templateRef has no name"
        return Check(
            name=name,
            kind=CheckKind.TEMPLATE,
            interval=interval,
            min=low,
            max=high,
            template_namespace=_str(ref.get("namespace")) or canary_namespace,
            template_name=template or None,
            variables=_variables(metric.get("templateVariables")),
            problem=problem,
        )
    if query is not None:
        return Check(
            name=name, kind=CheckKind.QUERY, interval=interval, min=low, max=high, query=query, problem=problem
        )
    if name not in BUILTIN_NAMES:
        # Flagger: "Metric query failed for no usable metrics template and query were configured".
        problem = "no usable metrics template and query were configured"
    return Check(name=name, kind=CheckKind.BUILTIN, interval=interval, min=low, max=high, problem=problem)


def parse_checks(metrics: Any, canary_namespace: str) -> tuple[Check, ...]:
    """Every entry of analysis.metrics (the first MAX_CHECKS), in order; an entry that is not a mapping is skipped."""
    entries = [m for m in _list(metrics) if isinstance(m, dict)]
    return tuple(_check(m, canary_namespace) for m in entries[:MAX_CHECKS])


def parse_metric_template(obj: Any) -> MetricTemplateInfo | None:
    """A MetricTemplate dict to its provider, address, query and secretRef name; None without namespace/name."""
    obj = _dict(obj)
    meta = _dict(obj.get("metadata"))
    namespace, name = _str(meta.get("namespace")), _str(meta.get("name"))
    if not namespace or not name:
        return None
    spec = _dict(obj.get("spec"))
    provider = _dict(spec.get("provider"))
    return MetricTemplateInfo(
        namespace=namespace,
        name=name,
        provider=(_str(provider.get("type")) or "").strip().lower(),
        address=_str(provider.get("address")) or None,
        query=query_text(spec.get("query")),
        secret_name=_str(_dict(provider.get("secretRef")).get("name")) or None,
        insecure_skip_verify=provider.get("insecureSkipVerify") is True,
    )
