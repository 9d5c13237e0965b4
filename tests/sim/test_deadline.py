"""progressDeadlineSeconds in the simulation against Flagger v1.44 (pkg/canary/deployment_ready.go,
pkg/controller/scheduler.go: IsPrimaryReady / IsCanaryReady, rollback, handleFailedPromotion)."""

from __future__ import annotations

from typing import Any

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.sim.engine import Simulation
from tui.sim.flagger import Recorded

CANARY_NOT_READY = (
    "canary deployment examiner.apps not ready: waiting for rollout to finish: 0 of 1 (readyThreshold 100%) "
    "updated replicas are available"
)
PRIMARY_PENDING = (
    "examiner-primary.apps not ready: waiting for rollout to finish: 1 old replicas are pending termination"
)
PRIMARY_EXCEEDED = 'examiner-primary.apps not ready: deployment "examiner-primary" exceeded its progress deadline'


def stuck(never_ready: str, deadline_s: int = 60, **analysis: Any) -> Simulation:
    spec = {
        "name": "examiner",
        "namespace": "apps",
        "analysis": {"interval": "10s", "stepWeight": 25, "maxWeight": 50, "stepWeightPromotion": 25, **analysis},
        "progressDeadlineSeconds": deadline_s,
        "neverReady": never_ready,
        "webhooks": [{"name": "notify", "type": "post-rollout"}],
    }
    return simulation({"canaries": [spec]})


def status(sim: Simulation) -> dict[str, Any]:
    return sim.store.get("Canary", "apps", "examiner")["status"]


def rollout(sim: Simulation) -> tuple[float, list[Recorded]]:
    """Release, run until the canary is Succeeded or Failed: (seconds from the release, events)."""
    start, released_at = len(sim.flagger.history), sim.now
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) in ("Succeeded", "Failed"), limit_s=900)
    return sim.now - released_at, history_since(sim, start)


def test_a_canary_that_never_becomes_ready_fails_at_the_tick_its_deadline_ends() -> None:
    sim = stuck("canary", deadline_s=60)
    _, events = rollout(sim)
    scaled_up = events[0]
    assert scaled_up.message == "New revision detected! Scaling up examiner.apps"
    waiting = [e for e in events if e.message == CANARY_NOT_READY]
    # Retriable while the deadline has not passed (T0+10 ... T0+50); at T0+60 Flagger's `now` is past the condition's
    # whole-second time plus the deadline, so the same text comes once more, non-retriable (as real Flagger does).
    assert [e.t - scaled_up.t for e in waiting] == [10, 20, 30, 40, 50, 60]
    assert all(e.type == "Warning" for e in waiting)
    last = [e for e in events if e.t == waiting[-1].t]
    # No threshold event (failedChecks 0 < threshold) and no "progress deadline exceeded" (unreachable in v1.44).
    assert [(e.type, e.message, e.phase) for e in last] == [
        ("Warning", CANARY_NOT_READY, "Progressing"),
        ("Warning", "Canary failed! Scaling down examiner.apps", "Failed"),
        ("Normal", "Post-rollout check notify passed", "Progressing"),
    ]
    assert (status(sim)["phase"], status(sim)["canaryWeight"], status(sim)["failedChecks"]) == ("Failed", 0, 0)
    assert status(sim)["conditions"][0]["message"] == "Canary analysis failed, Deployment scaled to zero."
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 0
    assert sim.weights(EXAMINER) == (100, 0)


def test_the_deadline_counts_from_the_scale_up_so_a_longer_one_waits_longer() -> None:
    sim = stuck("canary", deadline_s=100)
    _, events = rollout(sim)
    scaled_up = events[0]
    failed = next(e for e in events if e.message.startswith("Canary failed!"))
    assert failed.t - scaled_up.t == 100


def test_a_deadline_rollback_at_the_threshold_also_says_so() -> None:
    """rollback() emits the threshold event whenever failedChecks has reached it, whatever triggered it."""
    sim = simulation(
        {
            "canaries": [
                {
                    "name": "examiner",
                    "namespace": "apps",
                    "analysis": {"interval": "10s", "threshold": 1},
                    "progressDeadlineSeconds": 30,
                    "neverReady": "canary",
                }
            ]
        }
    )
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Progressing")
    sim.store.patch("Canary", "apps", "examiner", {"failedChecks": 1}, status=True)
    start = len(sim.flagger.history)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=300)
    assert [e.message for e in history_since(sim, start)][-3:] == [
        CANARY_NOT_READY,
        "Rolling back examiner.apps failed checks threshold reached 1",
        "Canary failed! Scaling down examiner.apps",
    ]


def test_a_primary_stuck_in_promotion_fails_it_and_sends_all_traffic_to_the_canary() -> None:
    sim = stuck("primary", deadline_s=60)
    _, events = rollout(sim)
    copied = next(e for e in events if e.message.startswith("Copying examiner.apps template spec"))
    waiting = [e for e in events if e.message == PRIMARY_PENDING]
    # The Deployment's own progressDeadlineSeconds (copied from the target) runs from the promotion's copy.
    assert [e.t - copied.t for e in waiting] == [10, 20, 30, 40, 50, 60]
    last = [e for e in events if e.t == waiting[-1].t + 10]
    assert [(e.type, e.message, e.phase) for e in last] == [
        ("Warning", PRIMARY_EXCEEDED, "Promoting"),
        ("Warning", f"Promotion of examiner.apps failed, primary not ready: {PRIMARY_EXCEEDED}", "Promoting"),
        ("Normal", "Post-rollout check notify passed", "Promoting"),
    ]
    assert not any(e.message.startswith("Canary failed!") for e in events)
    assert (status(sim)["phase"], status(sim)["canaryWeight"], status(sim)["failedChecks"]) == ("Failed", 100, 0)
    assert sim.weights(EXAMINER) == (0, 100)
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 1  # not scaled down
    # The Failed canary's idle re-sync keeps the weight Flagger reported.
    sim.advance(30)
    assert (status(sim)["phase"], status(sim)["canaryWeight"]) == ("Failed", 100)


def test_a_slow_canary_within_its_deadline_is_only_waited_for() -> None:
    sim = simulation(
        {"canaries": [{"name": "examiner", "namespace": "apps", "readyAfter": "45s", "progressDeadlineSeconds": 60}]}
    )
    _, events = rollout(sim)
    assert status(sim)["phase"] == "Succeeded"
    assert any(e.message.startswith("canary deployment examiner.apps not ready") for e in events)


def test_the_built_in_deadline_scenario_fails_within_a_few_minutes() -> None:
    sim = simulation("deadline")
    took, events = rollout(sim)
    assert status(sim)["phase"] == "Failed"
    assert took <= 120
    assert [e.message for e in events if e.type == "Warning"][-2:] == [
        CANARY_NOT_READY,
        "Canary failed! Scaling down examiner.apps",
    ]


def test_the_built_in_hooks_scenario_fails_pre_rollout_twice_then_promotes_on_the_load_tests_traffic() -> None:
    sim = simulation("hooks")
    took, events = rollout(sim)
    texts = [e.message for e in events]
    assert status(sim)["phase"] == "Succeeded"
    assert took <= 300
    assert sum(t.startswith("Halt examiner.apps advancement pre-rollout check smoke-test failed") for t in texts) == 2
    assert "Pre-rollout check smoke-test passed" in texts
    assert texts[-2:] == ["Post-rollout check notify passed", "Promotion completed! Scaling down examiner.apps"]
    # No background load: the canary's requests all came from the load-test hook.
    assert not sim.background_on(EXAMINER)
    assert sim.traffic.metrics("apps", "examiner").window(int(sim.now), 600).total > 0
