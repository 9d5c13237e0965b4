"""The value Flagger itself recorded for a check canaryscope cannot query (a MetricTemplate whose provider is Datadog,
CloudWatch, New Relic, ...): Flagger's recorder sets the gauge `flagger_canary_metric_analysis{name, namespace,
metric}` to each value it measured (pkg/metrics/recorder.go SetAnalysis; `name` is the target's name). Where the
Prometheus at hand scrapes Flagger, that gauge is the check's value as Flagger saw it.
"""

from __future__ import annotations

from typing import Any

from tui.base.safe_text import safe_text
from tui.cluster.check_query import CheckValue, flagger_value
from tui.domain.model import MetricTemplateInfo

GAUGE = "flagger_canary_metric_analysis"
# When the gauge has no sample: this Prometheus does not scrape Flagger, or Flagger has not run the check yet.
NOT_RECORDED = "not queried here, and Flagger's recorded value is not in this Prometheus: Flagger's verdict is shown"


def _label(value: str) -> str:
    """A PromQL string literal's content: backslashes and quotes escaped, so a name can never end the matcher."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def recorded_query(target: str, namespace: str, check: str) -> str:
    """The gauge's series for one check of one canary (`target`: the Canary's targetRef name)."""
    return f'{GAUGE}{{name="{_label(target)}",namespace="{_label(namespace)}",metric="{_label(check)}"}}'


def recorded_template(check: str) -> str:
    """The gauge's query as a template on the canary's names: canaries sharing a check are asked it grouped."""
    return f'{GAUGE}{{name="{{{{ target }}}}",namespace="{{{{ namespace }}}}",metric="{_label(check)}"}}'


def records(template: MetricTemplateInfo | None) -> bool:
    """A template Flagger evaluates with a provider canaryscope does not query: only its recorded value can be read."""
    return template is not None and template.provider not in ("", "prometheus")


def recorded_value(prom: Any, query: str) -> CheckValue:
    """Flagger's last recorded value for the check; the reason in one line when there is none."""
    try:
        answer = prom.custom_query(query)
    except Exception as error:  # a failed request is one line on the check, never a traceback
        text = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        return CheckValue(error=safe_text(f"Flagger's recorded value: query failed: {text}", 200), query=query)
    value = flagger_value(answer)
    return CheckValue(value=value, error=NOT_RECORDED if value is None else None, query=query)
