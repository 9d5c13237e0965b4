"""A templateRef or inline-query check evaluated as Flagger's prometheus provider does (providers/prometheus.go):
the query rendered with Flagger's variables, run as an instant query; the last sample's value is the check's value,
and an empty answer or NaN is "no values found". Errors are one line; blocking, so callers run it off the UI thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tui.base.safe_text import safe_text
from tui.domain.flagger.query_template import RenderError, TemplateModel, render_query
from tui.domain.model import Check, CheckKind, MetricTemplateInfo

NO_VALUES = "no values found"  # Flagger's ErrNoValuesFound


@dataclass(frozen=True)
class CheckValue:
    value: float | None = None
    error: str | None = None  # one line: Flagger's words where Flagger has them
    query: str | None = None  # as rendered and sent

    @property
    def no_values(self) -> bool:
        return self.error == NO_VALUES


def flagger_value(result: Any) -> float | None:
    """The value Flagger reads from an instant vector: the last sample's; None for none or NaN."""
    value: float | None = None
    for sample in result if isinstance(result, list) else []:
        try:
            value = float(sample["value"][1])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return None if value is None or math.isnan(value) else value


def check_query(check: Check, template: MetricTemplateInfo | None) -> tuple[str | None, str | None]:
    """(query template, problem): the inline query, or the template's when it is a prometheus one."""
    if check.problem is not None:
        return None, check.problem
    if check.kind is CheckKind.QUERY:
        return check.query, None
    if check.kind is not CheckKind.TEMPLATE:
        return None, "a builtin check: its query is the provider's"
    if template is None:
        return None, f"MetricTemplate {check.template_key} not found"
    if template.provider != "prometheus":
        return None, f"provider {template.provider or '?'} is not queried here: Flagger's verdict is shown"
    if template.query is None:
        return None, f"MetricTemplate {template.key} has no query"
    return template.query, None


def evaluate(prom: Any, check: Check, template: MetricTemplateInfo | None, model: TemplateModel) -> CheckValue:
    """`prom` is a PrometheusConnect (tui.cluster.prometheus.prometheus_client) for the template's address."""
    query, problem = check_query(check, template)
    if query is None:
        return CheckValue(error=problem)
    try:
        rendered = render_query(query, model)
    except RenderError as error:
        return CheckValue(error=f"query render error: {error}")
    try:
        answer = prom.custom_query(rendered)
    except Exception as error:  # any failure of the request is one line on the check, never a traceback
        text = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        return CheckValue(error=safe_text(f"query failed: {text}", 200), query=rendered)
    value = flagger_value(answer)
    return CheckValue(value=value, error=NO_VALUES if value is None else None, query=rendered)
