"""Each webhook's last result, read from Flagger's exact event messages (v1.44, scheduler_hooks.go)."""

from __future__ import annotations

from tui.domain.flagger import messages
from tui.domain.hook_results import HookOutcome, hook_results, read_hook_event, url_host
from tui.domain.model import FlaggerEvent, Webhook

OBJ = "podinfo.test"
HOOKS = (
    Webhook("acceptance-test", "pre-rollout", "http://loadtester.test/?token=abc"),
    Webhook("load-test", "", "http://user:pw@loadtester.test:8080/run"),
    Webhook("gate", "confirm-promotion", "http://gate.test/approve"),
    Webhook("cleanup", "post-rollout", "http://loadtester.test/"),
)
ERROR = "POST http://loadtester.test/ giving up after 1 attempt(s)"


def _events(*messages_: str) -> list[FlaggerEvent]:
    return [FlaggerEvent(float(i), "test", "podinfo", "Normal", m) for i, m in enumerate(messages_)]


def _outcomes(events: list[FlaggerEvent]) -> dict[str, HookOutcome]:
    return {r.name: r.outcome for r in hook_results(HOOKS, events)}


def test_nothing_seen_means_not_run_yet_with_type_and_host_only() -> None:
    results = hook_results(HOOKS, [])
    assert [r.outcome for r in results] == [HookOutcome.NOT_RUN] * 4
    assert [(r.type, r.host) for r in results] == [
        ("pre-rollout", "loadtester.test"),
        ("rollout", "loadtester.test:8080"),
        ("confirm-promotion", "gate.test"),
        ("post-rollout", "loadtester.test"),
    ]


def test_url_host_never_shows_credentials_path_or_query() -> None:
    assert url_host("https://user:s3cret@hooks.example:9443/x?token=abc") == "hooks.example:9443"
    assert url_host("not a url") == "?"
    assert url_host("http://[::1") == "?"


def test_failed_pre_rollout_keeps_flaggers_error() -> None:
    events = _events(
        messages.starting_analysis(OBJ),
        f"Halt {OBJ} advancement pre-rollout check acceptance-test failed {ERROR}",
    )
    result = hook_results(HOOKS, events)[0]
    assert (result.outcome, result.detail, result.at) == (HookOutcome.FAILED, ERROR, 1.0)


def test_a_later_pass_replaces_a_failure() -> None:
    events = _events(
        f"Halt {OBJ} advancement pre-rollout check acceptance-test failed {ERROR}",
        "Pre-rollout check acceptance-test passed",
    )
    assert _outcomes(events)["acceptance-test"] == HookOutcome.PASSED


def test_rollout_hook_failure_and_gate_waiting() -> None:
    events = _events(
        f"Halt {OBJ} advancement external check load-test failed {ERROR}",
        messages.promotion_waiting(OBJ, "gate"),
    )
    outcomes = _outcomes(events)
    assert outcomes["load-test"] == HookOutcome.FAILED
    assert outcomes["gate"] == HookOutcome.WAITING
    assert outcomes["cleanup"] == HookOutcome.NOT_RUN


def test_post_rollout_results_including_an_empty_error() -> None:
    assert _outcomes(_events("Post-rollout check cleanup passed"))["cleanup"] == HookOutcome.PASSED
    result = hook_results(HOOKS, _events("Post-rollout hook cleanup failed "))[3]
    assert (result.outcome, result.detail) == (HookOutcome.FAILED, "")


def test_rollback_hook_not_signaling_is_a_pass_and_its_check_passed_is_a_rollback() -> None:
    hooks = (Webhook("abort", "rollback", "http://gate.test/"),)
    quiet = hook_results(hooks, _events(messages.rollback_not_signaling("abort")))
    assert quiet[0].outcome == HookOutcome.PASSED
    fired = hook_results(hooks, _events(messages.rollback_check_passed("abort")))
    assert fired[0].outcome == HookOutcome.FAILED


def test_a_new_release_forgets_the_previous_results_but_not_the_gate_that_opened_it() -> None:
    hooks = (*HOOKS, Webhook("approve", "confirm-rollout", "http://gate.test/"))
    events = _events(
        f"Halt {OBJ} advancement pre-rollout check acceptance-test failed {ERROR}",
        messages.confirm_rollout_passed("approve"),
        messages.new_revision(OBJ),
    )
    outcomes = {r.name: r.outcome for r in hook_results(hooks, events)}
    assert outcomes["acceptance-test"] == HookOutcome.NOT_RUN
    assert outcomes["approve"] == HookOutcome.PASSED


def test_combined_events_are_read_and_other_messages_ignored() -> None:
    combined = f"(combined from similar events): Halt {OBJ} advancement external check load-test failed boom"
    assert read_hook_event(combined) == ("load-test", HookOutcome.FAILED, "boom")
    assert read_hook_event(messages.advance_canary(OBJ, 10)) is None
    assert read_hook_event(messages.traffic_increase_waiting(OBJ, "gate")) == ("gate", HookOutcome.WAITING, "")
