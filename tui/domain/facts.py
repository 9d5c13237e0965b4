"""Facts derived from the state that more than one view needs: the weights to show, the thresholds the checks
use, which phases mean what, and which metric sample stands for now. Widgets, screens, the narration and `wait`
ask here, so that two of them never compute one fact two ways."""

from __future__ import annotations

from itertools import pairwise

from tui.domain.model import ACTIVE_PHASES, RESTING_PHASES, MetricSample, Phase
from tui.domain.names import primary_name
from tui.domain.state import AppState, CanaryView

# --- phases --------------------------------------------------------------------------------------------------

# Flagger runs the checks and moves the weight in these phases (WaitingPromotion keeps the traffic at max weight).
ANALYSING_PHASES = frozenset({Phase.PROGRESSING, Phase.WAITING_PROMOTION})
# A release is under way: analysed, promoted, or waiting at the confirm-rollout gate before it starts.
IN_FLIGHT_PHASES = ACTIVE_PHASES | {Phase.WAITING}
# The canary has not been taken over yet: Flagger is creating the primary.
STARTING_PHASES = frozenset({None, Phase.INITIALIZING})
# Routing catches up with these phases at the tick after the status says so.
SETTLING_PHASES = frozenset({Phase.FINALISING, Phase.SUCCEEDED, Phase.FAILED})


def is_analysing(phase: str | None) -> bool:
    return phase in ANALYSING_PHASES


def is_in_flight(phase: str | None) -> bool:
    return phase in IN_FLIGHT_PHASES


def is_resting(phase: str | None) -> bool:
    """Nothing is being released: the primary serves everything until the target changes."""
    return phase in RESTING_PHASES


# --- weights -------------------------------------------------------------------------------------------------


def canary_weight(state: AppState, view: CanaryView) -> tuple[int | None, int | None]:
    """(weight to show, status.canaryWeight): the router's canary weight wins when it is known, since Flagger
    reports 0 in the status while traffic still flows at max weight (WaitingPromotion)."""
    router = state.router_for(view)
    status = view.info.canary_weight
    if router is not None and router.canary_weight is not None:
        return router.canary_weight, status
    return status, status


def split(state: AppState, view: CanaryView) -> tuple[int | None, int | None]:
    """(primary, canary) weights of the traffic: each the router's when it is known; the canary's otherwise
    status.canaryWeight, and the primary's the rest of 100."""
    canary, _status = canary_weight(state, view)
    router = state.router_for(view)
    if router is not None and router.primary_weight is not None:
        return router.primary_weight, canary
    return (100 - canary if canary is not None else None), canary


# --- checks --------------------------------------------------------------------------------------------------

# Flagger's builtin defaults when the analysis names no bound: request-success-rate min 99, request-duration max
# 500ms.
DEFAULT_SUCCESS_MIN = 99.0
DEFAULT_DURATION_MAX = 500.0


def thresholds(view: CanaryView) -> tuple[float, float]:
    """(success rate minimum in %, p99 maximum in ms) of the canary's checks."""
    a = view.info.analysis
    success = a.success_rate_min if a.success_rate_min is not None else DEFAULT_SUCCESS_MIN
    duration = a.duration_max_ms if a.duration_max_ms is not None else DEFAULT_DURATION_MAX
    return success, duration


def judged_thresholds(view: CanaryView) -> tuple[float | None, float | None]:
    """The builtin bounds that judge this canary: a Canary that lists its metrics is judged only by those (no
    default for a builtin check it lacks); one that lists none is drawn against Flagger's usual defaults."""
    a = view.info.analysis
    success, duration = thresholds(view)
    if not a.checks:
        return success, duration
    return a.success_rate_min, a.duration_max_ms


def meets_success_min(rate: float, minimum: float) -> bool:
    """Flagger's check: a success rate passes unless it is strictly below the minimum."""
    return rate >= minimum


def checks_at_rollback(view: CanaryView) -> int | None:
    """After a rollback on failed checks, how many there were (Flagger resets status.failedChecks to 0); else
    None."""
    if view.info.phase == Phase.FAILED and view.sticky_failed_checks:
        return view.sticky_failed_checks
    return None


def failed_checks(view: CanaryView) -> int | None:
    """The failed checks to show: after a rollback the count that caused it, else status.failedChecks."""
    at_rollback = checks_at_rollback(view)
    return at_rollback if at_rollback is not None else view.info.failed_checks


# --- samples -------------------------------------------------------------------------------------------------


def stale_after(view: CanaryView, series: tuple[MetricSample, ...]) -> float:
    """How old the newest sample may be to stand for now: two refreshes (the series' own cadence) and a second
    for the clock, and never more than three analysis intervals."""
    longest = 3 * max(view.interval_s, 10.0)
    recent = series[-5:]
    gaps = [b.t - a.t for a, b in pairwise(recent) if b.t > a.t]
    return min(longest, 2 * min(gaps) + 1.0) if gaps else longest


def latest(series: tuple[MetricSample, ...], now: float, stale_after_s: float) -> MetricSample | None:
    """The newest sample, unless it is too old to stand for now."""
    if not series or now - series[-1].t > stale_after_s:
        return None
    return series[-1]


def primary_series(state: AppState, view: CanaryView) -> tuple[MetricSample, ...]:
    return state.series(view.key.namespace, primary_name(view.info.target))


def canary_series(state: AppState, view: CanaryView) -> tuple[MetricSample, ...]:
    """The canary's samples: the target Deployment runs the canary during an analysis."""
    return state.series(view.key.namespace, view.info.target)
