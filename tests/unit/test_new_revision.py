"""The reducer notices a new revision of a canary's target before Flagger does, and how Flagger took it up."""

from __future__ import annotations

from dataclasses import replace

from tui.domain.model import Analysis, CanaryInfo, CanaryKey, ConfigValues, DeploymentInfo, FlaggerEvent
from tui.domain.observations import (
    CanaryObserved,
    ClockTick,
    ConfigObserved,
    ConfigsListed,
    DeploymentObserved,
    DeploymentsListed,
    EventObserved,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState

KEY = CanaryKey("apps", "examiner")
INFO = CanaryInfo(
    key=KEY,
    target="examiner",
    analysis=Analysis(interval_s=30, threshold=2, max_weight=50, step_weight=10),
    phase="Progressing",
    canary_weight=20,
    last_applied_spec="applied-1",
    last_transition_time=100.0,
)
TARGET = DeploymentInfo("apps", "examiner", template_hash="t1", env_from=("examiner-env",))
ENV = ConfigValues("apps", "examiner-env", (("ECHO_VALUE", "one"),))


def base() -> AppState:
    return reduce_all(AppState(), [CanaryObserved(INFO, 100.0), DeploymentObserved(TARGET), ConfigObserved(ENV)])


def changed_at(state: AppState) -> float | None:
    return state.canaries[KEY].revision_changed_at


def test_first_sightings_are_no_new_revision() -> None:
    assert changed_at(base()) is None


def test_a_new_pod_template_is_noted_until_flagger_records_it() -> None:
    state = reduce_all(base(), [ClockTick(110.0), DeploymentObserved(replace(TARGET, template_hash="t2"))])
    assert changed_at(state) == 110.0
    scaled = reduce_all(state, [DeploymentObserved(replace(TARGET, template_hash="t2", ready=1))])
    assert changed_at(scaled) == 110.0
    taken = reduce_all(state, [CanaryObserved(replace(INFO, canary_weight=0, last_applied_spec="applied-2"), 130.0)])
    assert changed_at(taken) is None
    assert taken.canaries[KEY].restarted


def test_a_relist_and_a_configmap_change_count_too() -> None:
    relisted = reduce_all(base(), [ClockTick(111.0), DeploymentsListed((replace(TARGET, template_hash="t3"),), "apps")])
    assert changed_at(relisted) == 111.0
    config = reduce_all(base(), [ClockTick(112.0), ConfigObserved(replace(ENV, values=(("ECHO_VALUE", "two"),)))])
    assert changed_at(config) == 112.0
    listed = reduce_all(base(), [ClockTick(113.0), ConfigsListed((replace(ENV, values=(("ECHO_VALUE", "3"),)),), None)])
    assert changed_at(listed) == 113.0
    same = reduce_all(base(), [ClockTick(114.0), ConfigsListed((ENV,), None), DeploymentsListed((TARGET,), None)])
    assert changed_at(same) is None


def test_flagger_s_own_events_tell_a_restart_from_a_new_analysis() -> None:
    def after(message: str) -> AppState:
        event = FlaggerEvent(120.0, "apps", "examiner", "Normal", message)
        return reduce_all(base(), [DeploymentObserved(replace(TARGET, template_hash="t2")), EventObserved(event)])

    restarted = after("New revision detected! Restarting analysis for examiner.apps")
    assert restarted.canaries[KEY].restarted and changed_at(restarted) is None
    fresh = after("New revision detected! Scaling up examiner.apps")
    assert not fresh.canaries[KEY].restarted and changed_at(fresh) is None
