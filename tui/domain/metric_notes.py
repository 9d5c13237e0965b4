"""What the metrics panel says where it has no value: whose checks these are, and why a value is missing."""

from __future__ import annotations

from tui.domain.flagger.observers import OBSERVERS, Observer, builtin_gap, observer_family
from tui.domain.model import CheckKind, Health, MetricSample
from tui.domain.names import primary_name
from tui.domain.state import AppState, CanaryView

DEFAULT_WINDOW_S = 60.0
# Asked for canaries whose provider is unknown (the cluster source's fallback).
UNKNOWN_OBSERVER = OBSERVERS["linkerd"]


def observer(state: AppState, view: CanaryView) -> Observer | None:
    """The builtin observer Flagger measures this canary with; None while its provider is unknown."""
    family = observer_family(view.info.provider, state.flagger.mesh_provider, view.info.target_kind)
    return None if family is None else OBSERVERS[family]


def templates_note(state: AppState, view: CanaryView) -> str | None:
    """The canary's checks are its MetricTemplates (no builtin check, or none Flagger can split into primary and
    canary for it): the one line the panel shows about them; None when Flagger's builtin checks apply."""
    analysis = view.info.analysis
    if not analysis.builtin_checks:
        names = ", ".join(analysis.custom_metrics)
        return f"the canary's {_whose(view)} define its checks ({names})"
    found = observer(state, view)
    gap = builtin_gap(found.family, view.info.target_kind) if found is not None else None
    if gap is not None:
        return f"the canary's {_whose(view)} define its checks ({gap})"
    return None


def _whose(view: CanaryView) -> str:
    """MetricTemplates, inline queries, or both, as the custom checks are."""
    kinds = {check.kind for check in view.info.analysis.checks if check.kind is not CheckKind.BUILTIN}
    if kinds == {CheckKind.QUERY}:
        return "inline queries"
    return "MetricTemplates and inline queries" if CheckKind.QUERY in kinds else "MetricTemplates"


def no_data_reason(state: AppState, view: CanaryView, role: str, series: tuple[MetricSample, ...]) -> str:
    """Why a role (primary or canary) has no value now: Prometheus's state, else what was asked and not found."""
    health = state.health.get("prometheus")
    if health is not None and health.state is Health.DISABLED:
        return health.detail or "no Prometheus"
    if health is not None and health.state is Health.CONNECTING:
        return "waiting for Prometheus"
    if health is not None and health.state is not Health.CONNECTED:
        return f"Prometheus {health.state.value}"
    deployment = primary_name(view.info.target) if role == "primary" else view.info.target
    if not series:
        return "no samples yet" if health is None else f"no samples for {deployment} yet"
    if series[-1].rps == 0:
        return f"no requests to {deployment}"
    found = observer(state, view)
    window = _window(view.info.analysis.metric_interval_s or DEFAULT_WINDOW_S)
    if found is None:
        return f"provider unknown; no {UNKNOWN_OBSERVER.metric} for {deployment} over {window}"
    return f"no {found.metric} for {deployment} over {window}"


def _window(seconds: float) -> str:
    """A metric interval as Flagger's canaries write it: 30s, 1m, 90s."""
    whole = int(seconds)
    return f"{whole // 60}m" if whole >= 60 and whole % 60 == 0 else f"{whole}s"
