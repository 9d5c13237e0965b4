"""Ready thresholds (canary.go:662-676, deployment_ready.go:89-102) and the manual rollback at the threshold
(scheduler.go:948-998: the threshold Event comes from rollback() whatever triggered it)."""

from __future__ import annotations

import pytest

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.actions.plan import Gate, Release
from tui.sim.engine import Simulation
from tui.sim.scenario import ScenarioError, from_mapping


def status(sim: Simulation) -> dict:
    return sim.store.get("Canary", "apps", "examiner")["status"]


def with_analysis(**analysis: object) -> dict:
    return {"canaries": [{"name": "examiner", "namespace": "apps", "gates": ["rollback"], "analysis": analysis}]}


def test_manual_rollback_at_the_threshold_reports_the_threshold_before_scaling_down() -> None:
    sim = simulation(with_analysis(threshold=2))
    sim.apply(EXAMINER, Release(faulty=True))
    run_until(sim, lambda s: status(s).get("failedChecks") == 2, limit_s=900)
    start = len(sim.flagger.history)
    sim.set_gate(EXAMINER, Gate.ROLLBACK, True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=300)
    assert [(r.type, r.message) for r in history_since(sim, start)] == [
        ("Warning", "Rollback check rollback passed"),
        ("Warning", "Rolling back examiner.apps manual webhook invoked"),
        ("Warning", "Rolling back examiner.apps failed checks threshold reached 2"),
        ("Warning", "Canary failed! Scaling down examiner.apps"),
    ]


def test_manual_rollback_below_the_threshold_does_not_mention_it() -> None:
    sim = simulation(with_analysis(threshold=5))
    sim.apply(EXAMINER, Release(faulty=False))
    run_until(sim, lambda s: s.phase(EXAMINER) == "Progressing", limit_s=300)
    start = len(sim.flagger.history)
    sim.set_gate(EXAMINER, Gate.ROLLBACK, True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=300)
    messages = [r.message for r in history_since(sim, start)]
    assert not any("threshold reached" in m for m in messages)
    assert messages[-1] == "Canary failed! Scaling down examiner.apps"


def test_canary_ready_threshold_shows_in_the_readiness_warning() -> None:
    sim = simulation(
        {
            **with_analysis(canaryReadyThreshold=50),
            "canaries": [
                {
                    "name": "examiner",
                    "namespace": "apps",
                    "replicas": 4,
                    "readyAfter": "60s",
                    "analysis": {"canaryReadyThreshold": 50},
                }
            ],
        }
    )
    start = len(sim.flagger.history)
    sim.apply(EXAMINER, Release(faulty=False))
    run_until(sim, lambda s: any(r.type == "Warning" for r in history_since(s, start)), limit_s=300)
    warning = next(r.message for r in history_since(sim, start) if r.type == "Warning")
    assert warning == (
        "canary deployment examiner.apps not ready: waiting for rollout to finish: "
        "0 of 2 (readyThreshold 50%) updated replicas are available"
    )


def test_a_zero_canary_ready_threshold_needs_no_ready_pod() -> None:
    sim = simulation(
        {
            "canaries": [
                {"name": "examiner", "namespace": "apps", "readyAfter": "60s", "analysis": {"canaryReadyThreshold": 0}}
            ],
            "warmup": "300s",
        }
    )
    start = len(sim.flagger.history)
    sim.apply(EXAMINER, Release(faulty=False))
    run_until(sim, lambda s: status(s).get("canaryWeight", 0) > 0, limit_s=120)
    assert not any("canary deployment" in r.message for r in history_since(sim, start))


@pytest.mark.parametrize("key", ["primaryReadyThreshold", "canaryReadyThreshold"])
@pytest.mark.parametrize("value", [-1, 101, "50", True])
def test_ready_thresholds_are_percentages(key: str, value: object) -> None:
    with pytest.raises(ScenarioError, match=rf"^canaries\[0\]\.analysis\.{key}: "):
        from_mapping({"canaries": [{"name": "examiner", "analysis": {key: value}}]})
