"""autoscalerRef against Flagger v1.44's HPA reconciler (pkg/canary/hpa_reconciler.go) and ScaleFromZero
(deployment_controller.go:166-211)."""

from __future__ import annotations

import pytest

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.actions.plan import Release
from tui.sim.engine import Simulation
from tui.sim.finalizer import DeleteCanary
from tui.sim.scenario import ScenarioError, from_mapping


def with_hpa(low: int, high: int) -> dict:
    return {
        "canaries": [{"name": "examiner", "namespace": "apps", "autoscaler": {"minReplicas": low, "maxReplicas": high}}]
    }


def hpa(sim: Simulation, name: str) -> dict | None:
    return sim.store.get("HorizontalPodAutoscaler", "apps", name)


def test_the_primary_hpa_copies_the_targets_and_aims_at_the_primary() -> None:
    sim = simulation(with_hpa(3, 6))
    assert sim.phase(EXAMINER) == "Initialized"
    assert sim.store.get("Canary", "apps", "examiner")["spec"]["autoscalerRef"]["name"] == "examiner"
    primary = hpa(sim, "examiner-primary")
    assert primary is not None
    assert primary["spec"]["scaleTargetRef"]["name"] == "examiner-primary"
    assert (primary["spec"]["minReplicas"], primary["spec"]["maxReplicas"]) == (3, 6)
    assert primary["spec"]["metrics"] == hpa(sim, "examiner")["spec"]["metrics"]


def test_a_missing_target_hpa_is_a_warning_on_every_tick() -> None:
    sim = simulation(with_hpa(1, 2))
    sim.store.delete("HorizontalPodAutoscaler", "apps", "examiner")
    start = len(sim.flagger.history)
    sim.apply(EXAMINER, Release(faulty=False))
    sim.advance(95)
    warnings = [r.message for r in history_since(sim, start) if r.type == "Warning"]
    error = 'horizontalpodautoscalers.autoscaling "examiner" not found'
    expected = f"HorizontalPodAutoscaler examiner.apps get query error: {error}"
    assert warnings == [expected] * 3
    assert sim.phase(EXAMINER) == "Initialized"


@pytest.mark.parametrize(("low", "replicas"), [(3, 3), (1, 1)])
def test_a_new_revision_scales_the_target_from_zero_to_the_hpas_minimum(low: int, replicas: int) -> None:
    sim = simulation(with_hpa(low, 6))
    sim.apply(EXAMINER, Release(faulty=False))
    run_until(sim, lambda s: s.phase(EXAMINER) == "Progressing", limit_s=120)
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == replicas


def test_the_primary_hpa_goes_with_the_canary() -> None:
    sim = simulation(with_hpa(1, 2))
    sim.apply(EXAMINER, DeleteCanary())
    assert hpa(sim, "examiner-primary") is None
    assert hpa(sim, "examiner") is not None


def test_max_below_min_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"^canaries\[0\]\.autoscaler\.maxReplicas: must be at least minReplicas"):
        from_mapping(with_hpa(4, 2))
