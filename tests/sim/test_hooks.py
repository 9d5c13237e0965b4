"""The simulated webhooks against Flagger v1.44 (pkg/controller/scheduler.go, scheduler_hooks.go, webhook.go)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simkit import EXAMINER, history_since, simulation
from tui.sim.engine import Simulation
from tui.sim.flagger import Recorded
from tui.sim.hooks import call_error
from tui.sim.loadtester import SimLoadtester, outcome_cmd

URL = "http://flagger-loadtester.apps/"
GIVING_UP = f"POST {URL} giving up after 1 attempt(s)"
LOAD_TEST = "hey -z 1m -q 5 -c 2 http://examiner-canary.apps/examine?delay=100..250"


def hooked(*webhooks: dict[str, Any], threshold: int = 3, background: bool = True, **canary: Any) -> Simulation:
    spec = {
        "name": "examiner",
        "namespace": "apps",
        "analysis": {"interval": "10s", "threshold": threshold, "stepWeight": 25, "maxWeight": 50},
        "webhooks": list(webhooks),
        **canary,
    }
    return simulation({"canaries": [spec], "load": {"backgroundOn": background}})


def status(sim: Simulation) -> dict[str, Any]:
    return sim.store.get("Canary", "apps", "examiner")["status"]


def tick(sim: Simulation) -> list[Recorded]:
    """Advance to the canary's next analysis tick; the events that tick recorded."""
    start = len(sim.flagger.history)
    next_at = sim.flagger.next_tick("apps", "examiner")
    assert next_at is not None
    sim.advance(next_at - sim.now)
    return history_since(sim, start)


def messages(events: list[Recorded]) -> list[str]:
    return [e.message for e in events]


def released(sim: Simulation) -> Simulation:
    sim.release(EXAMINER, faulty=False)
    assert messages(tick(sim)) == ["New revision detected! Scaling up examiner.apps"]
    return sim


# --- the HTTP outcome -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, "OK", None),
        (202, "", None),
        (204, "", ""),  # success is <= 202 only; the error is the (empty) body
        (403, "Forbidden", "Forbidden"),
        (500, "command exit 1 failed", GIVING_UP),  # retryablehttp discards a 5xx's body
        (501, "Not Implemented", "Not Implemented"),  # never retried, so the body
        (None, "", f'{GIVING_UP}: Post "{URL}": EOF'),
    ],
)
def test_call_error_is_what_flaggers_http_client_reports(status: int | None, body: str, error: str | None) -> None:
    assert call_error(URL, status, body) == error


def test_retries_are_counted_in_the_giving_up_text() -> None:
    assert call_error(URL, 503, "", retries=2) == f"POST {URL} giving up after 3 attempt(s)"


def test_loadtester_task_handler_answers_as_the_real_one() -> None:
    started: list[tuple[str, str, str]] = []
    lt = SimLoadtester(start_task=lambda ns, name, cmd: started.append((ns, name, cmd)) is None and len(started) < 2)
    assert lt.call(URL, "examiner", "apps") == (400, "metadata not found in payload")
    assert lt.call(URL, "examiner", "apps", {"type": "cmd"}) == (400, "cmd not found in metadata")
    assert lt.call(URL, "examiner", "apps", {"cmd": LOAD_TEST}) == (202, "")  # type defaults to cmd
    assert lt.call(URL, "examiner", "apps", {"type": "cmd", "cmd": LOAD_TEST}) == (202, "")
    assert started == [("apps", "examiner", LOAD_TEST)] * 2
    assert lt.log == [f"command skipped {LOAD_TEST} is already running"]
    assert lt.call(URL, "examiner", "apps", {"type": "bash", "cmd": outcome_cmd("c", None)})[0] == 500
    assert lt.call(URL, "examiner", "apps", {"type": "bash", "cmd": outcome_cmd("c", 0)}) == (200, "")
    assert lt.call(URL, "examiner", "apps", {"type": "nosuch", "cmd": "x"}) == (None, "")  # the handler panics


def test_a_counter_command_fails_n_times_then_passes_for_ever() -> None:
    lt = SimLoadtester()
    hook = {"type": "bash", "cmd": outcome_cmd("apps-examiner-smoke", 2)}
    assert [lt.call(URL, "examiner", "apps", hook)[0] for _ in range(4)] == [500, 500, 200, 200]


# --- pre-rollout ----------------------------------------------------------------------------------------------


def test_a_passing_pre_rollout_hook_reports_and_the_first_step_follows_in_the_same_tick() -> None:
    sim = released(hooked({"name": "smoke", "type": "pre-rollout"}))
    events = tick(sim)
    assert messages(events) == [
        "Starting canary analysis for examiner.apps",
        "Pre-rollout check smoke passed",
        "Advance examiner.apps canary weight 25",
    ]
    assert [e.type for e in events] == ["Normal"] * 3
    assert status(sim)["failedChecks"] == 0


def test_a_failing_pre_rollout_hook_counts_failed_checks_at_weight_0_and_rolls_back_at_the_threshold() -> None:
    sim = released(
        hooked(
            {"name": "smoke", "type": "pre-rollout", "fails": "always"},
            {"name": "notify", "type": "post-rollout"},
            threshold=3,
        )
    )
    for failed in (1, 2, 3):
        events = tick(sim)
        assert messages(events) == [
            "Starting canary analysis for examiner.apps",
            f"Halt examiner.apps advancement pre-rollout check smoke failed {GIVING_UP}",
        ]
        assert events[1].type == "Warning"
        assert (status(sim)["phase"], status(sim)["canaryWeight"], status(sim)["failedChecks"]) == (
            "Progressing",
            0,
            failed,
        )
    events = tick(sim)
    assert messages(events) == [
        "Rolling back examiner.apps failed checks threshold reached 3",
        "Canary failed! Scaling down examiner.apps",
        "Post-rollout check notify passed",
    ]
    # The post-rollout events are recorded on the Canary as the tick read it; the first two are Warnings.
    assert [(e.type, e.phase) for e in events] == [
        ("Warning", "Progressing"),
        ("Warning", "Failed"),
        ("Normal", "Progressing"),
    ]
    assert (status(sim)["phase"], status(sim)["failedChecks"]) == ("Failed", 0)
    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["replicas"] == 0


def test_pre_rollout_hooks_stop_at_the_first_failure_in_spec_order() -> None:
    sim = released(
        hooked(
            {"name": "first", "type": "pre-rollout"},
            {"name": "second", "type": "pre-rollout", "failures": 1},
            {"name": "third", "type": "pre-rollout"},
        )
    )
    assert messages(tick(sim)) == [
        "Starting canary analysis for examiner.apps",
        "Pre-rollout check first passed",
        f"Halt examiner.apps advancement pre-rollout check second failed {GIVING_UP}",
    ]
    assert messages(tick(sim)) == [
        "Starting canary analysis for examiner.apps",
        "Pre-rollout check first passed",
        "Pre-rollout check second passed",
        "Pre-rollout check third passed",
        "Advance examiner.apps canary weight 25",
    ]
    assert status(sim)["failedChecks"] == 1  # nothing resets it on success


def test_order_within_a_tick_rollback_hooks_then_threshold_then_pre_rollout() -> None:
    sim = released(hooked({"name": "smoke", "type": "pre-rollout", "fails": "always"}, threshold=1, gates=["rollback"]))
    assert messages(tick(sim)) == [
        "Rollback hook rollback not signaling a rollback",
        "Starting canary analysis for examiner.apps",
        f"Halt examiner.apps advancement pre-rollout check smoke failed {GIVING_UP}",
    ]
    assert messages(tick(sim)) == [
        "Rollback hook rollback not signaling a rollback",
        "Rolling back examiner.apps failed checks threshold reached 1",
        "Canary failed! Scaling down examiner.apps",
    ]


# --- rollout --------------------------------------------------------------------------------------------------


def test_a_failing_rollout_hook_halts_before_the_metrics_and_counts_a_failed_check() -> None:
    sim = released(hooked({"name": "check", "type": "rollout", "failures": 1}, threshold=3))
    assert messages(tick(sim))[-1] == "Advance examiner.apps canary weight 25"
    events = tick(sim)
    # No metric check and no weight step in this tick.
    assert messages(events) == [f"Halt examiner.apps advancement external check check failed {GIVING_UP}"]
    assert events[0].type == "Warning"
    assert (status(sim)["canaryWeight"], status(sim)["failedChecks"]) == (25, 1)
    # A passing rollout hook says nothing; the metrics pass and the weight steps.
    assert messages(tick(sim)) == ["Advance examiner.apps canary weight 50"]


def test_a_rollout_hook_failing_to_the_threshold_rolls_back_on_the_next_tick() -> None:
    sim = released(hooked({"name": "check", "fails": "always"}, threshold=2))  # no type: a rollout hook
    tick(sim)
    for failed in (1, 2):
        assert messages(tick(sim)) == [f"Halt examiner.apps advancement external check check failed {GIVING_UP}"]
        assert status(sim)["failedChecks"] == failed
    assert messages(tick(sim)) == [
        "Rolling back examiner.apps failed checks threshold reached 2",
        "Canary failed! Scaling down examiner.apps",
    ]


def test_an_unknown_task_type_fails_with_the_closed_connection_text() -> None:
    sim = released(hooked({"name": "smoke", "type": "pre-rollout"}))
    canary = sim.store.get("Canary", "apps", "examiner")
    hooks = canary["spec"]["analysis"]["webhooks"]
    hooks[0]["metadata"] = {"type": "grpc", "cmd": "x"}
    sim.store.replace_spec_field("Canary", "apps", "examiner", "analysis", canary["spec"]["analysis"])
    assert messages(tick(sim))[-1] == (
        f'Halt examiner.apps advancement pre-rollout check smoke failed {GIVING_UP}: Post "{URL}": EOF'
    )


def test_a_load_test_hook_is_answered_at_once_and_sends_the_canary_its_only_traffic() -> None:
    sim = released(hooked({"name": "load-test", "type": "rollout", "cmd": LOAD_TEST}, background=False, threshold=3))
    assert messages(tick(sim))[-1] == "Advance examiner.apps canary weight 25"
    assert sim.traffic.metrics("apps", "examiner").window(int(sim.now), 30).total == 0
    # The hook starts the load as it is called (202); the metrics checked right after have no values yet.
    events = tick(sim)
    assert messages(events) == [
        "Halt advancement no values found for linkerd metric request-success-rate probably examiner.apps is not "
        "receiving traffic: running query failed: no values found"
    ]
    assert status(sim)["failedChecks"] == 1
    assert messages(tick(sim)) == ["Advance examiner.apps canary weight 50"]
    canary_requests = sim.traffic.metrics("apps", "examiner").window(int(sim.now), 30).total
    assert 80 <= canary_requests <= 110  # 2 workers at 5 rps for ~10 s, over the canary Service only
    assert sim.traffic.metrics("apps", "examiner-primary").window(int(sim.now), 30).total == 0
    # Called again on every tick, the running task is skipped: one load, not one per tick.
    assert sum(1 for line in sim.loadtester.log if line.startswith("command skipped")) >= 1
    assert len([g for g in sim._loads if g.startswith("task:")]) == 1


def test_a_curl_loop_load_test_goes_through_the_ingress_by_its_host_and_is_skipped_while_it_runs() -> None:
    """The lab's load-test form: one request, then `sleep 0.1`, 120 times, to the app's Ingress host."""
    loop = (
        "for i in $(seq 120); do curl -s -o /dev/null -H 'Host: examiner.example' http://127.0.0.1:8080/examine; "
        "sleep 0.1; done"
    )
    hooks = [{"name": "load-test", "type": kind, "cmd": loop} for kind in ("pre-rollout", "rollout")]
    sim = released(hooked(*hooks, background=False, host="examiner.example"))
    assert messages(tick(sim))[-2:] == ["Pre-rollout check load-test passed", "Advance examiner.apps canary weight 25"]
    started_at = sim.now
    events = tick(sim)
    assert messages(events) == ["Advance examiner.apps canary weight 50"]  # the pre-rollout task's requests count
    primary = sim.traffic.metrics("apps", "examiner-primary").window(int(sim.now), 30).total
    canary = sim.traffic.metrics("apps", "examiner").window(int(sim.now), 30).total
    # 10 a second through the apex's split (75/25 for its first 10 s), none while nothing else sends load.
    assert 90 <= primary + canary <= 110 and canary > 0 and primary > canary
    # The task runs 12 s, so the tick 10 s after its start finds it running and skips it.
    assert sum(1 for line in sim.loadtester.log if line.startswith("command skipped")) == 1
    assert sim.now - started_at == 10


def test_a_curl_loop_without_a_host_header_reaches_the_service_its_url_names() -> None:
    loop = "for i in $(seq 120); do curl -s http://examiner-canary.apps/examine; sleep 0.1; done"
    sim = released(hooked({"name": "load-test", "type": "rollout", "cmd": loop}, background=False))
    tick(sim)
    tick(sim)  # the rollout hook starts the loop
    sim.advance(5)
    assert sim.traffic.metrics("apps", "examiner").window(int(sim.now), 30).total > 0
    assert sim.traffic.metrics("apps", "examiner-primary").window(int(sim.now), 30).total == 0


# --- post-rollout ---------------------------------------------------------------------------------------------


def test_post_rollout_hooks_run_after_promotion_and_a_failure_changes_nothing() -> None:
    sim = released(
        hooked(
            {"name": "notify", "type": "post-rollout", "fails": "always"},
            {"name": "later", "type": "post-rollout"},
        )
    )
    events: list[Recorded] = []
    while status(sim)["phase"] != "Succeeded":
        events = tick(sim)
    assert messages(events) == [
        f"Post-rollout hook notify failed {GIVING_UP}",
        "Promotion completed! Scaling down examiner.apps",
    ]
    assert [(e.type, e.phase) for e in events] == [("Warning", "Succeeded"), ("Normal", "Succeeded")]
    assert status(sim)["phase"] == "Succeeded"


def test_post_rollout_hooks_run_after_skip_analysis() -> None:
    sim = hooked({"name": "notify", "type": "post-rollout"})
    sim.set_skip_analysis(EXAMINER, True)
    sim.release(EXAMINER, faulty=False)
    events: list[Recorded] = []
    while status(sim)["phase"] != "Succeeded":
        events += tick(sim)
    assert messages(events)[-2:] == [
        "Post-rollout check notify passed",
        "Promotion completed! Canary analysis was skipped for examiner.apps",
    ]


# --- the gate types, answered by a scenario outcome --------------------------------------------------------------


def test_a_confirm_rollout_hook_that_fails_once_parks_the_release_in_waiting_then_starts_it() -> None:
    sim = hooked({"name": "approve", "type": "confirm-rollout", "failures": 1})
    sim.release(EXAMINER, faulty=False)
    events = tick(sim)
    assert messages(events) == ["Halt examiner.apps advancement waiting for approval approve"]
    assert status(sim)["phase"] == "Waiting"
    assert messages(tick(sim)) == [
        "Confirm-rollout check approve passed",
        "New revision detected! Scaling up examiner.apps",
    ]


def test_a_confirm_traffic_increase_hook_that_fails_once_holds_one_step() -> None:
    sim = released(hooked({"name": "more", "type": "confirm-traffic-increase", "failures": 1}))
    assert messages(tick(sim)) == [
        "Starting canary analysis for examiner.apps",
        "Halt examiner.apps advancement waiting for traffic increase approval more",
    ]
    # Still at weight 0 and iteration 0: the analysis "starts" again.
    assert messages(tick(sim)) == [
        "Starting canary analysis for examiner.apps",
        "Confirm-traffic-increase check more passed",
        "Advance examiner.apps canary weight 25",
    ]
    assert status(sim)["failedChecks"] == 0  # a gate never counts a failed check


def test_a_confirm_promotion_hook_that_fails_once_waits_then_promotes() -> None:
    sim = released(hooked({"name": "ship", "type": "confirm-promotion", "failures": 1}))
    texts: list[str] = []
    while status(sim)["phase"] not in ("Promoting", "Failed"):
        texts += messages(tick(sim))
    assert texts[-3:] == [
        "Halt examiner.apps advancement waiting for promotion approval ship",
        "Confirm-promotion check ship passed",
        "Copying examiner.apps template spec to examiner-primary.apps",
    ]


def test_a_rollback_hook_answering_2xx_rolls_back_and_a_failing_one_does_not() -> None:
    quiet = released(hooked({"name": "stop", "type": "rollback", "fails": "always"}))
    assert messages(tick(quiet))[0] == "Rollback hook stop not signaling a rollback"
    loud = released(hooked({"name": "stop", "type": "rollback"}))
    assert messages(tick(loud)) == [
        "Rollback check stop passed",
        "Rolling back examiner.apps manual webhook invoked",
        "Canary failed! Scaling down examiner.apps",
    ]
