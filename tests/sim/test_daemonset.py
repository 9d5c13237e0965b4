"""A DaemonSet target in the simulation against Flagger v1.44's DaemonSetController (pkg/canary/daemonset_controller.go,
daemonset_ready.go, daemonset_status.go): scale-to-zero by node selector, the primary DaemonSet, readiness from
desired/updated/available pods with its own wording, the deadline from the Canary's lastTransitionTime."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.domain.flagger.hashing import object_hash
from tui.domain.observations import DeploymentObserved
from tui.sim.engine import Simulation
from tui.sim.scenario import ScenarioError, from_mapping

SCALE_TO_ZERO = {"flagger.app/scale-to-zero": "true"}
ANALYSIS = {"interval": "10s", "stepWeight": 25, "maxWeight": 50, "stepWeightPromotion": 25}


def daemonset(**canary: Any) -> Simulation:
    spec = {"name": "examiner", "namespace": "apps", "targetRef": {"kind": "DaemonSet"}, "nodes": 3}
    return simulation({"provider": "istio", "canaries": [{**spec, "analysis": ANALYSIS, **canary}]})


def ds(sim: Simulation, name: str = "examiner") -> dict[str, Any]:
    obj = sim.store.get("DaemonSet", "apps", name)
    assert obj is not None, name
    return obj


def pods(sim: Simulation, name: str = "examiner") -> tuple[int, int, int]:
    status = ds(sim, name)["status"]
    return status["desiredNumberScheduled"], status["updatedNumberScheduled"], status["numberAvailable"]


def selector(sim: Simulation, name: str = "examiner") -> dict[str, str] | None:
    return ds(sim, name)["spec"]["template"]["spec"].get("nodeSelector")


def test_initialisation_creates_a_primary_daemonset_and_parks_the_canary_on_no_node() -> None:
    sim = daemonset()
    assert sim.store.get("Deployment", "apps", "examiner") is None
    assert sim.store.get("Canary", "apps", "examiner")["spec"]["targetRef"]["kind"] == "DaemonSet"
    assert [(r.type, r.message) for r in sim.flagger.history] == [
        ("Normal", "all the metrics providers are available!"),
        (
            "Warning",
            "primary daemonset examiner-primary.apps not ready: waiting for rollout to finish: observed daemonset "
            "generation less than desired generation",
        ),
        ("Normal", "all the metrics providers are available!"),
        ("Normal", "Initialization done! examiner.apps"),
    ]
    assert pods(sim, "examiner-primary") == (3, 3, 3)
    assert selector(sim) == SCALE_TO_ZERO and pods(sim) == (0, 0, 0)
    assert "replicas" not in ds(sim)["spec"] and ds(sim, "examiner-primary")["spec"]["updateStrategy"] == {
        "type": "RollingUpdate"
    }
    # The revision hash ignores the scale-to-zero selector: Flagger's own scale-down is not a new revision.
    status = sim.store.get("Canary", "apps", "examiner")["status"]
    template = {**ds(sim)["spec"]["template"], "spec": {**ds(sim)["spec"]["template"]["spec"], "nodeSelector": {}}}
    assert status["lastAppliedSpec"] == object_hash(template)
    run_until(sim, lambda s: s.now - s.scenario.start >= 300)
    assert sim.phase(EXAMINER) == "Initialized"


def test_a_release_runs_on_every_node_is_promoted_and_parks_the_canary_again() -> None:
    sim = daemonset()
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Progressing", limit_s=120)
    assert selector(sim) is None
    run_until(sim, lambda s: pods(s) == (3, 3, 3), limit_s=30)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded", limit_s=900)
    assert [e.message for e in history_since(sim, start)] == [
        "New revision detected! Scaling up examiner.apps",
        "Starting canary analysis for examiner.apps",
        "Advance examiner.apps canary weight 25",
        "Advance examiner.apps canary weight 50",
        "Copying examiner.apps template spec to examiner-primary.apps",
        "Advance examiner.apps primary weight 75",
        "Advance examiner.apps primary weight 100",
        "Promotion completed! Scaling down examiner.apps",
    ]
    primary = ds(sim, "examiner-primary")["spec"]["template"]
    assert primary["spec"]["containers"][0]["env"][0] == {"name": "ECHO_VALUE", "value": "Go Flagger go! #2"}
    assert "nodeSelector" not in primary["spec"], "the promotion copies the template without the selector"
    assert selector(sim) == SCALE_TO_ZERO
    run_until(sim, lambda s: pods(s) == (0, 0, 0), limit_s=10)
    settled = len(sim.flagger.history)
    run_until(sim, lambda s: s.now - s.scenario.start >= 900)
    assert history_since(sim, settled) == [], "scaling the canary down is no new revision"


def test_a_never_ready_canary_daemonset_fails_at_its_deadline_from_the_last_status_write() -> None:
    sim = daemonset(neverReady="canary", progressDeadlineSeconds=60)
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=600)
    events = history_since(sim, start)
    scaled_up = events[0]
    waiting = "waiting for rollout to finish: 0 of 3 (readyThreshold 100%) updated pods are available"
    assert [(e.t - scaled_up.t, e.type, e.message) for e in events] == [
        (0, "Normal", "New revision detected! Scaling up examiner.apps"),
        *[
            (t, "Warning", f"canary damonset examiner.apps not ready with retryable true: {waiting}")
            for t in (10, 20, 30, 40, 50)
        ],
        (
            60,
            "Warning",
            "canary damonset examiner.apps not ready with retryable false: exceeded its progressDeadlineSeconds: 60",
        ),
        (60, "Warning", "Canary failed! Scaling down examiner.apps"),
    ]
    status = sim.store.get("Canary", "apps", "examiner")["status"]
    assert (status["phase"], status["canaryWeight"], status["failedChecks"]) == ("Failed", 0, 0)
    assert selector(sim) == SCALE_TO_ZERO


def test_the_cluster_view_gets_daemonsets() -> None:
    sim = daemonset()
    seen = {
        (o.info.kind, o.info.name, o.info.desired)
        for o in sim.drain()
        if isinstance(o, DeploymentObserved) and o.info.name in ("examiner", "examiner-primary")
    }
    assert ("DaemonSet", "examiner-primary", 3) in seen and ("DaemonSet", "examiner", 0) in seen
    assert {kind for kind, _, _ in seen} == {"DaemonSet"}


def test_the_daemonset_scenario_is_built_in() -> None:
    sim = simulation("daemonset")
    assert sim.store.get("Canary", "apps", "examiner")["spec"]["targetRef"]["kind"] == "DaemonSet"
    assert pods(sim, "examiner-primary") == (3, 3, 3)


@pytest.mark.parametrize(
    ("canary", "provider", "message"),
    [
        ({"targetRef": {"kind": "StatefulSet"}}, "istio", "targetRef.kind: expected Deployment or DaemonSet"),
        ({"targetRef": {"kind": "DaemonSet", "name": "x"}}, "istio", "targetRef: expected a mapping with kind"),
        ({"targetRef": {"kind": "DaemonSet"}, "nodes": 0}, "istio", "nodes: expected a whole number of nodes from 1"),
        ({"nodes": 2}, "istio", "canaries[0].nodes: only a DaemonSet target runs one pod per node"),
        ({"targetRef": {"kind": "DaemonSet"}, "replicas": 2}, "istio", "canaries[0].replicas: a DaemonSet runs one"),
        (
            {"targetRef": {"kind": "DaemonSet"}, "autoscaler": {"maxReplicas": 3}},
            "istio",
            "canaries[0].autoscaler: Flagger scales no DaemonSet",
        ),
        ({"targetRef": {"kind": "DaemonSet"}}, "linkerd", "targetRef.kind: a DaemonSet target is simulated on"),
    ],
)
def test_bad_target_keys_are_one_line_naming_the_key(canary: dict[str, Any], provider: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        from_mapping({"provider": provider, "canaries": [{"name": "examiner", **canary}]})
    assert message in str(caught.value) and "\n" not in str(caught.value)
