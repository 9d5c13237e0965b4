"""The simulated scheduler against Flagger's documented behaviour (reference: flagger.md §3, §4)."""

from __future__ import annotations

import itertools

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.sim.engine import Simulation

HAPPY_PATH = [
    "New revision detected! Scaling up examiner.apps",
    "Starting canary analysis for examiner.apps",
    "Advance examiner.apps canary weight 10",
    "Advance examiner.apps canary weight 20",
    "Advance examiner.apps canary weight 30",
    "Advance examiner.apps canary weight 40",
    "Advance examiner.apps canary weight 50",
    "Copying examiner.apps template spec to examiner-primary.apps",
    "Advance examiner.apps primary weight 67",
    "Advance examiner.apps primary weight 84",
    "Advance examiner.apps primary weight 100",
    "Promotion completed! Scaling down examiner.apps",
]


def status(sim: Simulation) -> dict:
    return sim.store.get("Canary", "apps", "examiner")["status"]


def canary_weight(sim: Simulation) -> int:
    weights = sim.weights(EXAMINER)
    assert weights is not None
    return weights[1]


def trace_ticks(sim: Simulation, until_phase: str, limit: int = 30) -> list[tuple[str, int, int]]:
    """(phase, status.canaryWeight, router canary weight) after each analysis tick."""
    rows = []
    for _ in range(limit):
        next_tick = sim.flagger.next_tick("apps", "examiner")
        sim.advance(next_tick - sim.now)
        rows.append((status(sim)["phase"], status(sim)["canaryWeight"], canary_weight(sim)))
        if rows[-1][0] == until_phase:
            return rows
    raise AssertionError(f"{until_phase} not reached: {rows}")


def test_starts_initialized_with_all_traffic_on_primary() -> None:
    sim = simulation("seed")
    assert sim.phase(EXAMINER) == "Initialized"
    assert sim.weights(EXAMINER) == (100, 0)
    messages = [r.message for r in sim.flagger.history]
    assert "Initialization done! examiner.apps" in messages
    target = sim.store.get("Deployment", "apps", "examiner")
    assert target["spec"]["replicas"] == 0
    assert sim.store.get("Deployment", "apps", "examiner-primary")["status"]["readyReplicas"] == 1


def test_happy_path_events_and_weights_match_flagger() -> None:
    sim = simulation("seed")
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    rows = trace_ticks(sim, "Succeeded")
    # One row per tick from detection (T0) to Succeeded (T10), as in the reference's worked timeline.
    assert rows == [
        ("Progressing", 0, 0),
        ("Progressing", 10, 10),
        ("Progressing", 20, 20),
        ("Progressing", 30, 30),
        ("Progressing", 40, 40),
        ("Progressing", 50, 50),
        ("Promoting", 50, 50),
        ("Promoting", 33, 33),
        ("Promoting", 16, 16),
        ("Finalising", 0, 0),
        ("Succeeded", 0, 0),
    ]
    events = history_since(sim, start)
    assert [e.message for e in events] == HAPPY_PATH
    assert {e.type for e in events} == {"Normal"}
    phases = {e.message: e.phase for e in events}
    assert phases["Copying examiner.apps template spec to examiner-primary.apps"] == "Progressing"
    assert phases["Advance examiner.apps primary weight 67"] == "Promoting"
    assert phases["Promotion completed! Scaling down examiner.apps"] == "Succeeded"
    # The new version now runs on the primary; the target is scaled back to zero.
    primary_env = sim.store.get("Deployment", "apps", "examiner-primary")["spec"]["template"]["spec"]["containers"][0]
    assert primary_env["env"][0]["value"].startswith("Go Flagger go!")
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 0
    assert status(sim)["lastPromotedSpec"] == status(sim)["lastAppliedSpec"]


def test_ticks_are_one_interval_apart() -> None:
    sim = simulation("seed")
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")
    times = sorted({e.t for e in history_since(sim, start)})
    gaps = {b - a for a, b in itertools.pairwise(times)}
    assert gaps == {30.0}


def test_errors_injected_at_weight_20_roll_back_after_two_failed_checks() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (80, 20))
    start = len(sim.flagger.history)
    sim.inject_errors(EXAMINER)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=300)
    events = history_since(sim, start)
    halts = [e for e in events if e.message.startswith("Halt examiner.apps advancement success rate ")]
    assert len(halts) == 2
    assert all(e.type == "Warning" and e.message.endswith("% < 99%") for e in halts)
    assert [e.message for e in events[-2:]] == [
        "Rolling back examiner.apps failed checks threshold reached 2",
        "Canary failed! Scaling down examiner.apps",
    ]
    assert [e.type for e in events[-2:]] == ["Warning", "Warning"]
    assert events[-1].phase == "Failed"
    # Flagger resets failedChecks on rollback and routes everything back to the primary.
    assert status(sim)["failedChecks"] == 0
    assert sim.weights(EXAMINER) == (100, 0)
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 0


def test_error_injection_also_lowers_the_primary_success_rate() -> None:
    sim = simulation("seed")
    sim.inject_errors(EXAMINER)
    sim.advance(60)
    window = sim.traffic.metrics("apps", "examiner-primary").window(int(sim.now), 30)
    assert window.success_rate is not None
    # 4 req/s of 500s against ~25 req/s of background load.
    assert 80 < window.success_rate < 95


def test_rollback_comes_one_tick_after_the_threshold_is_reached() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=True)
    rows = []
    while not rows or rows[-1][0] != "Failed":
        sim.advance(sim.flagger.next_tick("apps", "examiner") - sim.now)
        rows.append((status(sim)["phase"], status(sim)["failedChecks"], canary_weight(sim)))
        assert len(rows) < 10
    # Detection, first step (no metrics yet), two failing ticks, then the rollback on the next tick.
    assert rows == [
        ("Progressing", 0, 0),
        ("Progressing", 0, 10),
        ("Progressing", 1, 10),
        ("Progressing", 2, 10),
        ("Failed", 0, 0),
    ]


def test_faulty_release_fails_its_success_rate_checks() -> None:
    sim = simulation("seed")
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    messages = [e.message for e in history_since(sim, start)]
    assert messages[:3] == [
        "New revision detected! Scaling up examiner.apps",
        "Starting canary analysis for examiner.apps",
        "Advance examiner.apps canary weight 10",
    ]
    assert sum(m.startswith("Halt examiner.apps advancement success rate") for m in messages) == 2
    assert messages[-1] == "Canary failed! Scaling down examiner.apps"


def test_a_new_revision_mid_analysis_restarts_it() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (80, 20))
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: any("Restarting" in e.message for e in history_since(s, start)))
    assert sim.weights(EXAMINER) == (100, 0), "a restart routes everything back at once"
    assert status(sim)["phase"] == "Progressing"
    assert status(sim)["canaryWeight"] == 0
    trace_ticks(sim, "Progressing")
    messages = [e.message for e in history_since(sim, start)]
    assert messages == [
        "New revision detected! Restarting analysis for examiner.apps",
        "Starting canary analysis for examiner.apps",
        "Advance examiner.apps canary weight 10",
    ]


def test_step_weight_20_with_max_50_overshoots_to_60() -> None:
    sim = simulation({"canaries": [{"name": "examiner", "analysis": {"stepWeight": 20, "maxWeight": 50}}]})
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Promoting")
    advances = [e.message for e in history_since(sim, start) if "canary weight" in e.message]
    assert advances == [
        "Advance examiner.apps canary weight 20",
        "Advance examiner.apps canary weight 40",
        "Advance examiner.apps canary weight 60",
    ]


def test_step_weights_ladder() -> None:
    sim = simulation({"canaries": [{"name": "examiner", "analysis": {"stepWeights": [1, 2, 10, 80]}}]})
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Promoting", limit_s=600)
    advances = [int(e.message.rsplit(" ", 1)[1]) for e in history_since(sim, start) if "canary weight" in e.message]
    assert advances == [1, 2, 10, 80]


def test_without_traffic_flagger_halts_with_no_values_found() -> None:
    sim = simulation("seed")
    sim.set_background(EXAMINER, False)
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    halts = [e.message for e in history_since(sim, start) if e.message.startswith("Halt advancement no values")]
    assert (
        halts
        == [
            "Halt advancement no values found for linkerd metric request-success-rate probably examiner.apps "
            "is not receiving traffic: running query failed: no values found"
        ]
        * 2
    )


def test_promotion_gate_waits_with_status_weight_zero_while_traffic_stays() -> None:
    sim = simulation("gated")
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "WaitingPromotion")
    assert status(sim)["canaryWeight"] == 0
    assert status(sim)["iterations"] == -1
    assert sim.weights(EXAMINER) == (50, 50)
    waiting = [e for e in history_since(sim, start) if "waiting for promotion approval" in e.message]
    assert [(e.type, e.message) for e in waiting] == [
        ("Warning", "Halt examiner.apps advancement waiting for promotion approval confirm-promotion")
    ]
    sim.advance(90)
    assert sim.phase(EXAMINER) == "WaitingPromotion", "a closed gate holds indefinitely"
    sim.open_promotion_gate(EXAMINER)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Promoting")
    assert "Confirm-promotion check confirm-promotion passed" in [e.message for e in sim.flagger.history]
    assert not sim.loadtester.gate_open("examiner", "apps"), "the gate closes again once promotion starts"
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")


def test_abort_through_the_rollback_gate() -> None:
    sim = simulation("demo")
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (80, 20))
    start = len(sim.flagger.history)
    sim.open_rollback_gate(EXAMINER)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    assert [(e.type, e.message) for e in history_since(sim, start)] == [
        ("Warning", "Rollback check rollback passed"),
        ("Warning", "Rolling back examiner.apps manual webhook invoked"),
        ("Warning", "Canary failed! Scaling down examiner.apps"),
    ]
    sim.advance(1)
    assert not sim.loadtester.rollback_open("examiner", "apps"), "left open, the next release would roll back"
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (80, 20))


def test_rollback_hook_reports_every_tick_while_progressing() -> None:
    sim = simulation("demo")
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")
    messages = [e.message for e in history_since(sim, start)]
    assert messages.count("Rollback hook rollback not signaling a rollback") == 6
    assert [m for m in messages if "Rollback hook" not in m] == HAPPY_PATH


def test_suspend_freezes_the_rollout_and_resume_continues() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (80, 20))
    sim.set_suspend(EXAMINER, True)
    start = len(sim.flagger.history)
    sim.advance(95)
    assert sim.weights(EXAMINER) == (80, 20)
    messages = [e.message for e in history_since(sim, start)]
    assert messages and set(messages) == {"skipping canary run as object is suspended"}
    sim.set_suspend(EXAMINER, False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (70, 30))


def test_skip_analysis_promotes_at_once_and_is_unset_afterwards() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (90, 10))
    start = len(sim.flagger.history)
    sim.promote_now(EXAMINER)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")
    assert [e.message for e in history_since(sim, start)] == [
        "Copying examiner.apps template spec to examiner-primary.apps",
        "Promotion completed! Canary analysis was skipped for examiner.apps",
    ]
    sim.advance(1)
    assert "skipAnalysis" not in sim.store.get("Canary", "apps", "examiner")["spec"]


def test_reapplying_the_promoted_spec_starts_nothing() -> None:
    sim = simulation("seed")
    promoted = sim.store.get("Deployment", "apps", "examiner")["spec"]["template"]
    sim.release(EXAMINER, faulty=True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    start = len(sim.flagger.history)
    sim.store.replace_spec_field("Deployment", "apps", "examiner", "template", promoted)
    sim.advance(120)
    assert history_since(sim, start) == []
    assert sim.phase(EXAMINER) == "Failed"


def test_same_seed_same_run_and_another_seed_differs() -> None:
    def run(seed: int) -> list[tuple[float, str]]:
        sim = simulation("demo", seed=seed)
        sim.release(EXAMINER, faulty=True)
        sim.advance(200)
        sim.inject_errors(EXAMINER)
        sim.release(EXAMINER, faulty=False)
        sim.advance(300)
        return [(e.t, e.message) for e in sim.flagger.history]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_logger_stream_carries_every_event_as_a_webhook_payload() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    lines = sim.logger.tail(10_000)
    payloads = [line for line in lines if line.startswith("{")]
    assert len(payloads) == len(sim.flagger.history)
    assert any("\\u003c 99%" in line for line in payloads), "Go escapes < in JSON"
    assert all(line.startswith('{"name":"examiner","namespace":"apps","phase":') for line in payloads)
    assert sum(line.endswith(" |") for line in lines) == len(payloads)
    assert sum(line.startswith("POST http://logger.monitoring/ from ") for line in lines) == len(payloads)


def test_initialisation_first_finds_the_new_primary_not_yet_observed() -> None:
    """Flagger reads the primary Deployment right after creating it, before the Deployment controller has observed
    it, and so stops its first tick with this warning; the next tick initialises. Recorded from real Flagger
    v1.44.0 in the local lab (tests/lab/test_rollouts.py); the simulation used to report replicas unavailable."""
    sim = simulation("seed")
    events = [(r.type, r.phase, r.message) for r in sim.flagger.history][:4]
    assert events == [
        ("Normal", "Initializing", "all the metrics providers are available!"),
        (
            "Warning",
            "Initializing",
            "examiner-primary.apps not ready: waiting for rollout to finish: observed deployment generation less "
            "than desired generation",
        ),
        ("Normal", "Initializing", "all the metrics providers are available!"),
        ("Normal", "Initialized", "Initialization done! examiner.apps"),
    ]


def test_a_failed_canary_is_resynced_every_tick_and_its_next_release_reported_with_the_new_checksum() -> None:
    """Flagger re-syncs a Failed canary's status on every tick (lastAppliedSpec follows the target, the
    lastTransitionTime moves), so the `New revision detected!` event after a failure already carries the new
    revision's checksum; after a success it carries the old one. Recorded from real Flagger v1.44.0 in the lab."""
    from tui.domain.flagger.logger_stream import parse_lines
    from tui.sim.logger_pod import LOG_LINES_LIMIT

    sim = simulation("seed")
    sim.release(EXAMINER, faulty=True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=600)
    failed_at = status(sim)["lastTransitionTime"]
    sim.advance(30)
    assert status(sim)["phase"] == "Failed" and status(sim)["lastTransitionTime"] != failed_at

    def checksums_of_next_release(faulty: bool) -> list[str | None]:
        before = len(sim.logger.tail(LOG_LINES_LIMIT))
        sim.release(EXAMINER, faulty=faulty)
        run_until(sim, lambda s: s.phase(EXAMINER) == "Progressing", limit_s=120)
        sim.advance(30)
        return [p.checksum for p in parse_lines(sim.logger.tail(LOG_LINES_LIMIT)[before:])]

    after_failure = checksums_of_next_release(faulty=False)
    assert len(after_failure) >= 3 and len(set(after_failure)) == 1
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded", limit_s=600)
    after_success = checksums_of_next_release(faulty=False)
    assert after_success[0] != after_success[1] and len(set(after_success[1:])) == 1
