"""A MetricTemplate's query rendered as Flagger renders it (pkg/metrics/observers/render.go, Go text/template with
missingkey=error and the functions of MetricTemplateModel, scheduler_metrics.go toMetricModel).

Only the forms a metric query uses are supported: `{{ name }}`, `{{ namespace }}`, `{{ target }}`, `{{ service }}`,
`{{ ingress }}`, `{{ route }}`, `{{ interval }}` and `{{ variables.KEY }}`, with `{{-`/`-}}` trimming. Anything else
inside braces is refused with a one-line error rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_ACTION = re.compile(r"\{\{(-\s)?\s*(.*?)\s*(\s-)?\}\}", re.DOTALL)
_CALL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")
FUNCTIONS = ("name", "namespace", "target", "service", "ingress", "route", "interval")


@dataclass(frozen=True)
class TemplateModel:
    """Flagger's MetricTemplateModel for one Canary and one check."""

    name: str
    namespace: str
    target: str
    service: str
    ingress: str
    route: str
    interval: str
    variables: Mapping[str, str]

    @classmethod
    def for_canary(
        cls,
        *,
        name: str,
        namespace: str,
        target: str,
        interval: str,
        service: str | None = None,
        ingress: str | None = None,
        route: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> TemplateModel:
        # service, ingress and route default to the target's name, as toMetricModel does.
        return cls(
            name, namespace, target, service or target, ingress or target, route or target, interval, variables or {}
        )


class RenderError(ValueError):
    """Flagger's own words for a query it cannot render, in one line."""


def render_query(query: str, model: TemplateModel) -> str:
    return render_actions(query, lambda action: evaluate_action(action, model))


def render_actions(query: str, evaluate: Callable[[str], str]) -> str:
    """The query with each action's text replaced by `evaluate(action)`, trimming as Go's text/template does."""
    out: list[str] = []
    at = 0
    for match in _ACTION.finditer(query):
        before = query[at : match.start()]
        out.append(before.rstrip() if match.group(1) else before)
        out.append(evaluate(match.group(2)))
        at = match.end()
        if match.group(3):
            rest = query[at:]
            at += len(rest) - len(rest.lstrip())
    tail = query[at:]
    if "{{" in tail:
        raise RenderError("template parsing failed: unclosed action")
    out.append(tail)
    return "".join(out)


def evaluate_action(action: str, model: TemplateModel) -> str:
    call = _CALL.match(action)
    if call is None:
        raise RenderError(f"template parsing failed: unsupported action {{{{ {action[:60]} }}}}")
    function, fields = call.group(1), [f for f in call.group(2).split(".") if f]
    if function == "variables":
        if len(fields) != 1:
            raise RenderError("template excution failed: variables needs exactly one key, as variables.KEY")
        if fields[0] not in model.variables:
            raise RenderError(
                f'template excution failed: at <variables.{fields[0]}>: map has no entry for key "{fields[0]}"'
            )
        return model.variables[fields[0]]
    if function not in FUNCTIONS:
        raise RenderError(f'template parsing failed: function "{function}" not defined')
    if fields:
        raise RenderError(f"template excution failed: {function} is a string and has no field {fields[0]}")
    return str(getattr(model, function))
