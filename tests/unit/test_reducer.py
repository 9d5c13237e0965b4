"""The reducer: pure interpretation of observations, tested without Textual."""

from __future__ import annotations

from dataclasses import replace

from tui.domain.model import Analysis, CanaryInfo, CanaryKey, FlaggerEvent, LoadStats, MetricSample, RouterInfo
from tui.domain.observations import (
    CanariesListed,
    CanaryDeleted,
    CanaryObserved,
    CanarySelected,
    ClockTick,
    EventObserved,
    LoadObserved,
    LoadRemoved,
    MetricsObserved,
    RouterObserved,
)
from tui.domain.reducer import reduce, reduce_all
from tui.domain.state import EVENT_LOG_LIMIT, METRIC_HISTORY_S, METRIC_SAMPLES_LIMIT, AppState

KEY = CanaryKey("apps", "examiner")
BASE = CanaryInfo(
    key=KEY, target="examiner", analysis=Analysis(interval_s=30, threshold=2, max_weight=50, step_weight=10)
)


def canary(t: float, **status: object) -> CanaryObserved:
    return CanaryObserved(replace(BASE, **status), t)  # type: ignore[arg-type]


def event(
    t: float, message: str, kind: str = "Normal", source: str = "logger", name: str = "examiner"
) -> EventObserved:
    return EventObserved(FlaggerEvent(t=t, namespace="apps", name=name, type=kind, message=message, source=source))


def test_failed_checks_stay_visible_after_flagger_resets_them_on_rollback() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Initialized", failed_checks=0, last_applied_spec="a"),
            canary(30, phase="Progressing", failed_checks=0, last_applied_spec="b"),
            canary(60, phase="Progressing", failed_checks=1, last_applied_spec="b"),
            canary(90, phase="Progressing", failed_checks=2, last_applied_spec="b"),
            canary(120, phase="Failed", failed_checks=0, last_applied_spec="b"),
        ],
    )
    view = state.canaries[KEY]
    assert view.info.failed_checks == 0
    assert view.sticky_failed_checks == 2
    # The next release starts from zero again.
    state = reduce(state, canary(150, phase="Progressing", failed_checks=0, last_applied_spec="c"))
    assert state.canaries[KEY].sticky_failed_checks == 0
    assert state.canaries[KEY].release_started_at == 150


def test_threshold_message_sets_the_sticky_count_even_when_a_status_was_missed() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Progressing", failed_checks=1),
            event(30, "Rolling back examiner.apps failed checks threshold reached 2", "Warning"),
            canary(30, phase="Failed", failed_checks=0),
        ],
    )
    assert state.canaries[KEY].sticky_failed_checks == 2
    state = reduce(state, event(90, "New revision detected! Scaling up examiner.apps"))
    assert state.canaries[KEY].sticky_failed_checks == 0


def test_phase_time_comes_from_phase_changes_not_last_transition_time() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(10, phase="Progressing", canary_weight=10, last_transition_time=10),
            canary(40, phase="Progressing", canary_weight=20, last_transition_time=40),
            canary(70, phase="Progressing", canary_weight=30, last_transition_time=70),
        ],
    )
    view = state.canaries[KEY]
    assert view.phase_since == 10
    assert view.last_tick_at == 70
    state = reduce(state, canary(100, phase="Promoting", canary_weight=30, last_transition_time=100))
    assert state.canaries[KEY].phase_since == 100


def test_next_tick_countdown_follows_the_interval() -> None:
    state = reduce_all(
        AppState(), [canary(105, phase="Progressing", canary_weight=10, last_transition_time=100), ClockTick(112)]
    )
    view = state.canaries[KEY]
    assert view.next_tick_in(state.now) == 18
    # Quiet ticks (no change, no event) keep the rhythm.
    assert view.next_tick_in(145) == 15
    assert replace(BASE, analysis=Analysis(interval_s=3)).analysis.interval_s == 3
    fast = reduce(AppState(), CanaryObserved(replace(BASE, analysis=Analysis(interval_s=3), phase="Progressing"), 0))
    assert fast.canaries[KEY].interval_s == 10, "Flagger raises intervals below 10s to 10s"


def test_the_same_event_from_logger_and_events_api_is_shown_once() -> None:
    state = reduce_all(
        AppState(),
        [
            event(100.250, "Advance examiner.apps canary weight 10"),
            event(101.0, "Advance examiner.apps canary weight 10", source="events"),
            event(131.0, "Advance examiner.apps canary weight 10", source="events"),
        ],
    )
    assert [(e.event.t, e.event.source) for e in state.events] == [(100.25, "logger"), (131.0, "events")]
    assert state.event_seq == 2


def test_event_log_is_bounded_and_keeps_the_newest() -> None:
    state = AppState()
    for i in range(EVENT_LOG_LIMIT + 50):
        state = reduce(state, event(i * 10.0, f"message {i}"))
    assert len(state.events) == EVENT_LOG_LIMIT
    assert state.events[-1].event.message == f"message {EVENT_LOG_LIMIT + 49}"
    assert state.events[0].event.message == "message 50"
    assert state.event_seq == EVENT_LOG_LIMIT + 50


def test_metric_series_keep_only_what_the_longest_view_shows() -> None:
    state = AppState()
    for i in range(200):
        state = reduce(state, MetricsObserved((MetricSample("apps", "examiner", i * 10.0, 99.0, 1.0, 200.0),)))
    series = state.series("apps", "examiner")
    assert series[-1].t == 1990.0
    assert series[0].t == 1990.0 - METRIC_HISTORY_S
    assert len(series) == METRIC_HISTORY_S / 10 + 1


def test_metric_series_are_bounded_and_ordered() -> None:
    state = AppState()
    for i in range(METRIC_SAMPLES_LIMIT + 10):
        state = reduce(state, MetricsObserved((MetricSample("apps", "examiner", float(i), 99.0, 1.0, 200.0),)))
    state = reduce(state, MetricsObserved((MetricSample("apps", "examiner", 3.0, 50.0, 1.0, 200.0),)))
    series = state.series("apps", "examiner")
    assert len(series) == METRIC_SAMPLES_LIMIT
    assert [s.t for s in series] == sorted(s.t for s in series)
    assert series[-1].success_rate == 99.0


def sample(t: float, deployment: str = "examiner", rate: float = 99.0) -> MetricSample:
    return MetricSample("apps", deployment, t, rate, 1.0, 200.0)


def test_a_late_sample_takes_its_place_in_time_and_a_repeated_one_is_dropped() -> None:
    state = reduce(AppState(), MetricsObserved((sample(100.0), sample(110.0))))
    # A range answer's points that fill what a row off screen missed, and one at a time already there.
    state = reduce(state, MetricsObserved((sample(95.0, rate=1.0), sample(105.0, rate=2.0), sample(110.0, rate=3.0))))
    series = state.series("apps", "examiner")
    assert [(s.t, s.success_rate) for s in series] == [(95.0, 1.0), (100.0, 99.0), (105.0, 2.0), (110.0, 99.0)]
    same = reduce(state, MetricsObserved((sample(105.0, rate=7.0), sample(110.0))))
    assert same is state, "nothing new: the state is kept"
    # Older than the history kept: not brought back.
    old = reduce(state, MetricsObserved((sample(110.0 - METRIC_HISTORY_S - 1),)))
    assert old.series("apps", "examiner") == series


def test_a_run_of_samples_is_appended_in_order_and_bounded_like_one_at_a_time() -> None:
    run = tuple(sample(float(t)) for t in range(0, 3000, 5))
    at_once = reduce(AppState(), MetricsObserved(run))
    one_by_one = AppState()
    for s in run:
        one_by_one = reduce(one_by_one, MetricsObserved((s,)))
    assert at_once.series("apps", "examiner") == one_by_one.series("apps", "examiner")
    assert at_once.series("apps", "examiner")[0].t == 3000 - 5 - METRIC_HISTORY_S
    # Runs of several deployments in one answer, each kept apart.
    both = reduce(AppState(), MetricsObserved((sample(1.0), sample(2.0), sample(1.0, "other"), sample(2.0, "other"))))
    assert [s.t for s in both.series("apps", "other")] == [1.0, 2.0]


def test_router_and_status_weights_are_kept_apart() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="WaitingPromotion", canary_weight=0),
            RouterObserved(RouterInfo("apps", "examiner", "TrafficSplit", "split.smi-spec.io/v1alpha1", 50, 50)),
        ],
    )
    view = state.canaries[KEY]
    assert view.info.canary_weight == 0
    assert state.router_for(view) is not None and state.router_for(view).canary_weight == 50


def test_selection_defaults_to_the_first_canary_and_survives_deletes() -> None:
    other = CanaryKey("apps", "podinfo")
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Initialized"),
            CanaryObserved(replace(BASE, key=other, target="podinfo"), 0),
        ],
    )
    assert state.selected == KEY
    state = reduce(state, CanarySelected(other))
    assert state.selected == other
    state = reduce(state, CanarySelected(CanaryKey("nowhere", "ghost")))
    assert state.selected == other
    state = reduce(state, CanaryDeleted(KEY, 4))
    assert (state.selected, state.deleted) == (other, None)
    # The followed canary's deletion is said, never replaced silently by another.
    state = reduce(state, CanaryDeleted(other, 5))
    assert (state.selected, state.selected_view, state.deleted) == (other, None, (other, 5))
    state = reduce(state, CanaryObserved(replace(BASE, key=CanaryKey("apps", "third"), target="third"), 6))
    assert state.selected == other
    state = reduce(state, CanarySelected(CanaryKey("apps", "third")))
    assert (state.selected, state.deleted) == (CanaryKey("apps", "third"), None)


def test_a_fresh_list_replaces_canaries_in_scope_only() -> None:
    elsewhere = CanaryKey("team-b", "api")
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Succeeded"),
            CanaryObserved(replace(BASE, key=elsewhere, target="api"), 0),
            CanaryObserved(replace(BASE, key=CanaryKey("apps", "gone"), target="gone"), 0),
        ],
    )
    state = reduce(state, CanariesListed((replace(BASE, phase="Progressing"),), "apps", 10))
    assert set(state.canaries) == {KEY, elsewhere}
    assert state.canaries[KEY].phase_since == 10


def test_loads_come_and_go_and_unchanged_observations_keep_the_state() -> None:
    stats = LoadStats("bg", "background load", "http://localhost/examine", 5, 5, None, 0.0, True)
    state = reduce(AppState(), LoadObserved(stats))
    assert reduce(state, LoadObserved(stats)) is state
    assert reduce(state, LoadRemoved("bg")).loads == {}
    assert reduce(state, ClockTick(state.now)) is state


def test_only_the_newest_finished_loads_are_kept_and_running_ones_never_dropped() -> None:
    from tui.domain.state import FINISHED_LOADS_LIMIT

    running = LoadStats("bg", "background load", "http://localhost/examine", 5, 5, None, 0.0, True)
    state = reduce(AppState(), LoadObserved(running))
    for i in range(FINISHED_LOADS_LIMIT + 5):
        injected = LoadStats(f"errors:{i}", "error injection", "http://localhost/examine", 2, 2, 240, 10.0 + i, True)
        state = reduce_all(state, [LoadObserved(injected), LoadObserved(replace(injected, running=False))])
    assert "bg" in state.loads
    assert sorted(k for k in state.loads if k != "bg") == sorted(f"errors:{i}" for i in range(5, 13))


def test_a_router_list_replaces_only_its_own_kind() -> None:
    from tui.domain.observations import RoutersListed

    split = RouterInfo("apps", "examiner", "TrafficSplit", "split.smi-spec.io/v1alpha1", 90, 10)
    route = RouterInfo("apps", "podinfo", "HTTPRoute", "gateway.networking.k8s.io/v1", 100, 0)
    state = reduce_all(AppState(), [RouterObserved(split), RouterObserved(route)])
    state = reduce(state, RoutersListed((), "apps", "HTTPRoute"))
    assert set(state.routers) == {("apps", "examiner")}


def test_a_late_event_is_filed_in_time_order() -> None:
    state = reduce_all(
        AppState(),
        [
            canary(0, phase="Progressing"),
            event(100, "Advance examiner.apps canary weight 10"),
            event(130, "Advance examiner.apps canary weight 20"),
            event(70, "New revision detected! Scaling up examiner.apps", source="events"),
        ],
    )
    assert [e.event.t for e in state.events] == [70, 100, 130]
    assert state.canaries[KEY].last_event is not None and state.canaries[KEY].last_event.t == 130


def test_a_caption_stays_until_the_next_one_whatever_else_happens() -> None:
    from tui.domain.observations import CaptionObserved, ClockTick, NoticeObserved

    state = reduce(AppState(), CaptionObserved("Promoted"))
    assert reduce(state, CaptionObserved("Promoted")) is state, "the same caption again changes nothing"
    later = reduce_all(state, [ClockTick(10_000.0), NoticeObserved("Release: done", "information", 10_000.0, 10_008.0)])
    assert later.caption == "Promoted" and later.notice is not None
    assert reduce(later, CaptionObserved("Rolled back")).caption == "Rolled back"
