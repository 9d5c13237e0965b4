"""Derived facts: the weights to show in each phase, thresholds, phase facts, failed checks, object names."""

from __future__ import annotations

import pytest

from tui.domain import facts
from tui.domain.model import Analysis, CanaryInfo, CanaryKey, MetricSample, Phase, RouterInfo
from tui.domain.names import canary_service, primary_name, target_of
from tui.domain.state import AppState, CanaryView

KEY = CanaryKey("apps", "examiner")


def view_of(phase: str | None = None, status: int | None = None, **info: object) -> CanaryView:
    sticky = info.pop("sticky", 0)
    return CanaryView(
        CanaryInfo(KEY, "examiner", phase=phase, canary_weight=status, **info),  # type: ignore[arg-type]
        sticky_failed_checks=sticky,  # type: ignore[arg-type]
    )


def state_of(view: CanaryView, router: tuple[int | None, int | None] | None) -> AppState:
    routers = {}
    if router is not None:
        routers[("apps", view.info.apex)] = RouterInfo("apps", view.info.apex, "TrafficSplit", "v1", *router)
    return AppState(canaries={KEY: view}, routers=routers, selected=KEY)


# --- the split, phase by phase: what Flagger leaves in the status and on the router ----------------------------


@pytest.mark.parametrize(
    ("phase", "status", "router", "shown", "split"),
    [
        (Phase.INITIALIZING, None, None, (None, None), (None, None)),
        (Phase.INITIALIZED, 0, (100, 0), (0, 0), (100, 0)),
        (Phase.PROGRESSING, 20, (80, 20), (20, 20), (80, 20)),
        # Flagger writes canaryWeight 0 on entering WaitingPromotion while the router keeps the max weight.
        (Phase.WAITING_PROMOTION, 0, (50, 50), (50, 0), (50, 50)),
        (Phase.PROMOTING, 0, (50, 50), (50, 0), (50, 50)),
        (Phase.FINALISING, 0, (100, 0), (0, 0), (100, 0)),
        (Phase.SUCCEEDED, 0, (100, 0), (0, 0), (100, 0)),
        # The status moves at the tick, the router a moment later: the router is what the traffic does.
        (Phase.FAILED, 0, (70, 30), (30, 0), (70, 30)),
    ],
)
def test_weights_in_each_phase(
    phase: str, status: int | None, router: tuple[int, int] | None, shown: tuple, split: tuple
) -> None:
    view = view_of(phase, status)
    state = state_of(view, router)
    assert facts.canary_weight(state, view) == shown
    assert facts.split(state, view) == split


def test_without_a_router_the_status_weight_splits_the_traffic() -> None:
    view = view_of(Phase.PROGRESSING, 30)
    state = state_of(view, None)
    assert facts.canary_weight(state, view) == (30, 30)
    assert facts.split(state, view) == (70, 30)


def test_a_weight_the_router_does_not_know_comes_from_the_status() -> None:
    view = view_of(Phase.PROGRESSING, 10)
    only_canary = state_of(view, (None, 40))
    assert facts.split(only_canary, view) == (60, 40)
    only_primary = state_of(view, (85, None))
    assert facts.canary_weight(only_primary, view) == (10, 10)
    assert facts.split(only_primary, view) == (85, 10)
    unknown = view_of(Phase.PROGRESSING, None)
    assert facts.split(state_of(unknown, (85, None)), unknown) == (85, None)


def test_the_router_is_found_by_the_apex_service_not_the_target() -> None:
    view = view_of(Phase.PROGRESSING, 5, service="front")
    assert facts.split(state_of(view, (60, 40)), view) == (60, 40)
    # A router named after the target belongs to another canary: the status stands.
    by_target = AppState(routers={("apps", "examiner"): RouterInfo("apps", "examiner", "TrafficSplit", "v1", 60, 40)})
    assert facts.split(by_target, view) == (95, 5)


# --- thresholds and the success-rate check -----------------------------------------------------------------------


def test_thresholds_default_to_flaggers_builtin_bounds() -> None:
    assert facts.thresholds(view_of()) == (99.0, 500.0)


def test_thresholds_come_from_the_analysis_even_when_zero() -> None:
    view = view_of(analysis=Analysis(success_rate_min=0.0, duration_max_ms=0.0))
    assert facts.thresholds(view) == (0.0, 0.0)
    view = view_of(analysis=Analysis(success_rate_min=95.5, duration_max_ms=1200.0))
    assert facts.thresholds(view) == (95.5, 1200.0)


def test_a_rate_equal_to_the_minimum_passes() -> None:
    assert facts.meets_success_min(99.0, 99.0)
    assert not facts.meets_success_min(98.999, 99.0)
    assert facts.meets_success_min(0.0, 0.0)


# --- phases ------------------------------------------------------------------------------------------------------


def test_phase_facts() -> None:
    analysing = {p for p in Phase if facts.is_analysing(p)}
    in_flight = {p for p in Phase if facts.is_in_flight(p)}
    resting = {p for p in Phase if facts.is_resting(p)}
    assert analysing == {Phase.PROGRESSING, Phase.WAITING_PROMOTION}
    assert in_flight == analysing | {Phase.PROMOTING, Phase.FINALISING, Phase.WAITING}
    assert resting == {Phase.INITIALIZED, Phase.SUCCEEDED, Phase.FAILED}
    assert not resting & in_flight
    for unknown in (None, "", "Unheard"):
        assert not facts.is_analysing(unknown)
        assert not facts.is_in_flight(unknown)
        assert not facts.is_resting(unknown)
    assert None in facts.STARTING_PHASES and Phase.INITIALIZING in facts.STARTING_PHASES


# --- failed checks -----------------------------------------------------------------------------------------------


def test_after_a_rollback_the_checks_that_caused_it_are_shown() -> None:
    view = view_of(Phase.FAILED, 0, failed_checks=0, sticky=3)
    assert facts.checks_at_rollback(view) == 3
    assert facts.failed_checks(view) == 3


def test_before_a_rollback_the_status_count_is_shown() -> None:
    progressing = view_of(Phase.PROGRESSING, 20, failed_checks=1, sticky=1)
    assert facts.checks_at_rollback(progressing) is None
    assert facts.failed_checks(progressing) == 1
    # A rollback without failed checks (the rollback gate) has no count to keep.
    manual = view_of(Phase.FAILED, 0, failed_checks=0, sticky=0)
    assert facts.checks_at_rollback(manual) is None
    assert facts.failed_checks(manual) == 0
    assert facts.failed_checks(view_of(Phase.PROGRESSING)) is None


# --- samples -----------------------------------------------------------------------------------------------------


def sample(deployment: str, t: float, rate: float | None = 100.0) -> MetricSample:
    return MetricSample(namespace="apps", deployment=deployment, t=t, success_rate=rate, rps=1.0, p99_ms=10.0)


def test_primary_and_canary_series_are_looked_up_by_their_deployments() -> None:
    view = view_of(Phase.PROGRESSING, 20)
    primary = (sample("examiner-primary", 1.0),)
    canary = (sample("examiner", 1.0, 90.0), sample("examiner", 2.0, 91.0))
    state = AppState(
        canaries={KEY: view}, metrics={("apps", "examiner-primary"): primary, ("apps", "examiner"): canary}
    )
    assert facts.primary_series(state, view) == primary
    assert facts.canary_series(state, view) == canary
    assert facts.primary_series(AppState(), view) == ()


def test_the_latest_sample_stands_for_now_only_while_fresh() -> None:
    view = view_of(Phase.PROGRESSING, 20, analysis=Analysis(interval_s=60))
    series = tuple(sample("examiner", t) for t in (10.0, 15.0, 20.0))
    limit = facts.stale_after(view, series)
    assert limit == 11.0  # two refreshes of 5 s and a second for the clock
    assert facts.latest(series, 20.0 + limit, limit) == series[-1]
    assert facts.latest(series, 20.0 + limit + 0.1, limit) is None
    assert facts.latest((), 0.0, limit) is None
    # One sample gives no cadence: three analysis intervals.
    assert facts.stale_after(view, series[:1]) == 180.0


# --- names -------------------------------------------------------------------------------------------------------


def test_object_names() -> None:
    assert primary_name("examiner") == "examiner-primary"
    assert canary_service("examiner") == "examiner-canary"
    assert target_of("examiner-primary") == "examiner"
    assert target_of("examiner") == "examiner"
    assert target_of("examiner-canary") == "examiner-canary"  # a Service, not a Deployment Flagger made
    assert target_of(primary_name("a-primary")) == "a-primary"
