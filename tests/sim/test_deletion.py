"""Deleting a Canary against Flagger v1.44's finalizer (pkg/controller/finalizer.go, controller.go:168-315) and the
garbage collection of what Flagger owns (deployment_controller.go:279-285)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.sim.engine import Simulation
from tui.sim.finalizer import FINALIZER, DeleteCanary
from tui.sim.scenario import ScenarioError, from_mapping

REVERTING = {"canaries": [{"name": "examiner", "namespace": "apps", "revertOnDeletion": True}]}


def canary(sim: Simulation) -> dict | None:
    return sim.store.get("Canary", "apps", "examiner")


def test_revert_on_deletion_adds_flaggers_finalizer_when_first_synced() -> None:
    sim = simulation(REVERTING)
    obj = canary(sim)
    assert obj is not None
    assert obj["spec"]["revertOnDeletion"] is True
    assert obj["metadata"]["finalizers"] == [FINALIZER]


def test_without_revert_on_deletion_there_is_no_finalizer_and_the_owned_objects_go_with_the_canary() -> None:
    sim = simulation("seed")
    assert "finalizers" not in canary(sim)["metadata"]
    assert sim.store.get("TrafficSplit", "apps", "examiner") is not None
    start = len(sim.flagger.history)

    assert sim.apply(EXAMINER, DeleteCanary()) is True

    assert canary(sim) is None
    assert sim.store.get("Deployment", "apps", "examiner-primary") is None
    assert sim.store.get("TrafficSplit", "apps", "examiner") is None
    # Nothing reverted: the target stays scaled to zero, and Flagger records no Event (controller.go:181 only logs).
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 0
    sim.advance(60)
    assert history_since(sim, start) == []


def test_deleting_with_revert_on_deletion_terminates_reverts_the_target_then_lets_the_canary_go() -> None:
    sim = simulation(REVERTING)
    start = len(sim.flagger.history)
    deleted_at = sim.now

    sim.apply(EXAMINER, DeleteCanary())

    # Marked, not gone: Terminating with the default condition text, the target given the primary's replicas.
    obj = canary(sim)
    assert obj is not None and obj["metadata"]["deletionTimestamp"]
    assert obj["status"]["phase"] == "Terminating"
    condition = obj["status"]["conditions"][0]
    assert (condition["status"], condition["reason"]) == ("Unknown", "Terminating")
    assert condition["message"] == "New Deployment detected, starting initialization."
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 1
    assert [(r.type, r.message) for r in history_since(sim, start)] == [("Normal", "Terminating canary examiner.apps")]
    # The payload phase is the one the sync read, before its own status write.
    assert history_since(sim, start)[0].phase == "Initialized"

    run_until(sim, lambda s: canary(s) is None, limit_s=120)

    events = history_since(sim, start)
    assert [(r.type, r.message) for r in events] == [
        ("Normal", "Terminating canary examiner.apps"),
        ("Normal", "Terminated canary examiner.apps"),
    ]
    # Readiness is retried 3 s, then 6 s later: the target (ready after 4 s) passes the third check.
    assert events[1].t == deleted_at + 9
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 1
    assert sim.store.get("Deployment", "apps", "examiner-primary") is None
    assert sim.store.get("TrafficSplit", "apps", "examiner") is None


def test_a_terminating_canary_ignores_its_analysis_ticks() -> None:
    slow = {"warmup": "300s", "canaries": [{**REVERTING["canaries"][0], "readyAfter": "60s"}]}
    sim = simulation(slow)
    assert canary(sim)["status"]["phase"] == "Initialized"
    start = len(sim.flagger.history)
    sim.apply(EXAMINER, DeleteCanary())
    # The target is not ready within the four attempts (0, 3, 9, 21 s): requeued, still Terminating, and neither the
    # analysis ticks nor the retries record an Event meanwhile.
    sim.advance(45)
    assert canary(sim)["status"]["phase"] == "Terminating"
    assert [r.message for r in history_since(sim, start)] == ["Terminating canary examiner.apps"]
    run_until(sim, lambda s: canary(s) is None, limit_s=300)
    assert [r.message for r in history_since(sim, start)] == [
        "Terminating canary examiner.apps",
        "Terminated canary examiner.apps",
    ]
    # The Terminated Event comes from a later sync, which read phase Terminating.
    assert history_since(sim, start)[1].phase == "Terminating"


def test_deleting_a_missing_canary_reports_it() -> None:
    sim = simulation("seed")
    sim.apply(EXAMINER, DeleteCanary())
    assert sim.apply(EXAMINER, DeleteCanary()) is False


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_revert_on_deletion_must_be_a_boolean(value: object) -> None:
    with pytest.raises(ScenarioError, match=r"^canaries\[0\]\.revertOnDeletion: expected true or false"):
        from_mapping({"canaries": [{"name": "examiner", "revertOnDeletion": value}]})


def test_the_cli_refuses_a_bad_lifecycle_key_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text("canaries:\n  - name: examiner\n    revertOnDeletion: sometimes\n")
    assert main(["demo", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "canaries[0].revertOnDeletion: expected true or false, got 'sometimes'" in err
