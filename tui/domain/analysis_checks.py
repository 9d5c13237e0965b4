"""Every check of a canary's analysis as the analysis view lists it: where it comes from, its interval and range, the
query Flagger sends for it, its latest values over the analysis window and the failed checks it caused.

Values are only what the sources observed: a check with no sample says so (`no values yet`), nothing is made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain import facts, wording
from tui.domain.check_failures import release_failures, written_range
from tui.domain.flagger.builtin_query import DURATION, SUCCESS_RATE, builtin_query
from tui.domain.flagger.checks import duration_fails, success_rate_fails
from tui.domain.flagger.observers import observer_family
from tui.domain.flagger.query_template import RenderError, TemplateModel, render_query
from tui.domain.model import CanaryInfo, Check, CheckKind
from tui.domain.state import AppState, CanaryView

# Values shown per check: the newest, one per check interval at most for the builtin series.
VALUES_SHOWN = 12
# How far back a value still belongs to the analysis window when no release start is known, in analysis intervals.
WINDOW_INTERVALS = 12


@dataclass(frozen=True)
class CheckValue:
    at: float
    text: str  # `1.30`, `98.70%`, `120ms`, or why there is none (`no values found`)
    fails: bool | None  # Flagger's verdict on this value against the check's range; None: no value


@dataclass(frozen=True)
class CheckEntry:
    check: Check
    source: str  # `builtin linkerd`, `templateRef istio-system/error-rate (prometheus)`, `inline query`
    range: str  # `max 1`, `min 99%`, or the problem with the check as written
    query: str  # the query as sent, else as rendered, else as written; "" when there is none to show
    query_note: str  # where the query comes from, or why it is shown unrendered
    values: tuple[CheckValue, ...]
    failures: int  # failed checks it caused in the current release

    @property
    def latest(self) -> CheckValue | None:
        return self.values[-1] if self.values else None


def window_start(view: CanaryView, now: float) -> float:
    """The analysis window: since the current release began, else the last WINDOW_INTERVALS intervals."""
    if view.release_started_at is not None:
        return view.release_started_at
    return now - WINDOW_INTERVALS * view.interval_s


def check_model(info: CanaryInfo, check: Check) -> TemplateModel:
    """Flagger's toMetricModel for one canary and one of its checks: what its query is rendered with."""
    return TemplateModel.for_canary(
        name=info.key.name,
        namespace=info.key.namespace,
        target=info.target,
        interval=check.interval,
        service=info.service,
        ingress=info.ingress_ref,
        route=info.route_ref,
        variables=dict(check.variables),
    )


def _query(state: AppState, view: CanaryView, check: Check) -> tuple[str, str]:
    """(query, note) for one check."""
    sent = next((s.query for s in reversed(state.check_values.get(view.key, {}).get(check.name, ())) if s.query), None)
    if sent:
        return sent, "as last sent"
    if check.kind is CheckKind.BUILTIN:
        family = observer_family(view.info.provider, state.flagger.mesh_provider, view.info.target_kind)
        if family is None:
            return "", "Flagger's provider is unknown: the builtin query depends on it"
        query = builtin_query(family, check.name, check_model(view.info, check))
        return (query, f"Flagger's {family} query") if query else ("", "not a builtin check Flagger knows")
    written = check.query
    note = "inline query"
    if check.kind is CheckKind.TEMPLATE:
        template = state.template_for(check)
        if template is None:
            return "", f"MetricTemplate {check.template_key} not found"
        if not template.queryable:
            return template.query or "", f"{template.provider or 'no'} provider: not queried by canaryscope"
        written, note = template.query, f"MetricTemplate {template.key}"
    if not written:
        return "", "no query"
    try:
        return render_query(written, check_model(view.info, check)), f"{note}, rendered"
    except RenderError as error:
        return written, f"{note} as written ({error})"


def _source(state: AppState, view: CanaryView, check: Check) -> str:
    if check.kind is CheckKind.BUILTIN:
        family = observer_family(view.info.provider, state.flagger.mesh_provider, view.info.target_kind)
        return f"builtin {family}" if family else "builtin"
    if check.kind is CheckKind.TEMPLATE:
        template = state.template_for(check)
        provider = f" ({template.provider})" if template is not None and template.provider else ""
        return f"templateRef {check.template_key}{provider}"
    return "inline query"


def _builtin_values(state: AppState, view: CanaryView, check: Check, since: float) -> tuple[CheckValue, ...]:
    """The canary's success rate or p99 from the metric series, one value per check interval at most."""
    series = [s for s in facts.canary_series(state, view) if s.t >= since]
    step = max(view.interval_s, 1.0)
    picked: list[CheckValue] = []
    last_at: float | None = None
    for sample in reversed(series):
        if last_at is not None and last_at - sample.t < step:
            continue
        if check.name == SUCCESS_RATE:
            value = sample.success_rate
            text = wording.percent(value) if value is not None else "no values found"
            fails = None if value is None else success_rate_fails(value, check.min, check.max)
        else:
            value = sample.p99_ms
            text = wording.millis(value) if value is not None else "no values found"
            fails = None if value is None else duration_fails(value, check.max)
        picked.append(CheckValue(sample.t, text, fails))
        last_at = sample.t
        if len(picked) == VALUES_SHOWN:
            break
    return tuple(reversed(picked))


def _sampled_values(state: AppState, view: CanaryView, check: Check, since: float) -> tuple[CheckValue, ...]:
    samples = [s for s in state.check_series(view.key, check.name) if s.at >= since][-VALUES_SHOWN:]
    values = []
    for sample in samples:
        if sample.value is None:
            values.append(CheckValue(sample.at, sample.error or "no values found", None))
        else:
            values.append(CheckValue(sample.at, f"{sample.value:.2f}", check.fails(sample.value)))
    return tuple(values)


def analysis_checks(state: AppState, view: CanaryView) -> list[CheckEntry]:
    since = window_start(view, state.now)
    found = release_failures(state, view)
    entries = []
    for check in view.info.analysis.checks:
        query, note = _query(state, view, check)
        builtin = check.kind is CheckKind.BUILTIN and check.name in (SUCCESS_RATE, DURATION)
        sampled = _sampled_values(state, view, check, since)
        values = sampled if sampled or not builtin else _builtin_values(state, view, check, since)
        entries.append(
            CheckEntry(
                check=check,
                source=_source(state, view, check),
                range=check.problem or written_range(check),
                query=query,
                query_note=note,
                values=values,
                failures=sum(1 for _event, failure in found if failure.check == check.name),
            )
        )
    return entries
