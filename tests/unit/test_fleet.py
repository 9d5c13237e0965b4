"""The fleet folds each context's observations into its own state, and leaves the others as they were."""

from __future__ import annotations

from tui.domain.fleet import LOCAL, Fleet, InContext, reduce_fleet
from tui.domain.model import CanaryInfo, CanaryKey, CheckSample
from tui.domain.observations import CanaryObserved, CheckValueObserved, ClockTick
from tui.domain.reducer import reduce_all
from tui.domain.state import CHECK_SAMPLES_LIMIT, AppState


def _canary(namespace: str, name: str) -> CanaryObserved:
    return CanaryObserved(CanaryInfo(key=CanaryKey(namespace, name), target=name), 0.0)


def test_each_context_keeps_its_own_canaries() -> None:
    fleet = Fleet.of_contexts(["east", "west"])
    fleet = reduce_fleet(fleet, [InContext("east", (_canary("apps", "podinfo"),))])
    assert list(fleet.state_of("east").canaries) == [CanaryKey("apps", "podinfo")]
    assert fleet.state_of("west").canaries == {}
    assert [(c.context, str(c.key)) for c in fleet.canaries()] == [("east", "apps/podinfo")]


def test_unwrapped_observations_belong_to_the_local_context() -> None:
    fleet = reduce_fleet(Fleet(), [_canary("apps", "podinfo")])
    assert fleet.contexts == (LOCAL,)
    assert not fleet.several
    assert CanaryKey("apps", "podinfo") in fleet.state_of(LOCAL).canaries


def test_nothing_new_gives_the_same_fleet_and_untouched_states_stay_identical() -> None:
    fleet = reduce_fleet(Fleet.of_contexts(["east", "west"]), [InContext("east", (_canary("apps", "a"),))])
    west = fleet.state_of("west")
    again = reduce_fleet(fleet, [InContext("east", (_canary("apps", "a"),))])
    assert again is fleet
    later = reduce_fleet(fleet, [InContext("east", (ClockTick(5.0),))])
    assert later.state_of("west") is west


def test_check_values_are_bounded_and_dropped_for_unknown_canaries() -> None:
    key = CanaryKey("apps", "podinfo")
    state = reduce_all(AppState(), [_canary("apps", "podinfo")])
    stray = reduce_all(state, [CheckValueObserved(CanaryKey("apps", "other"), "error-rate", CheckSample(1.0, 0.5))])
    assert stray is state
    samples = [
        CheckValueObserved(key, "error-rate", CheckSample(float(t), float(t))) for t in range(3 * CHECK_SAMPLES_LIMIT)
    ]
    state = reduce_all(state, samples)
    series = state.check_series(key, "error-rate")
    assert len(series) == 2 * CHECK_SAMPLES_LIMIT
    assert series[-1].value == 3 * CHECK_SAMPLES_LIMIT - 1
