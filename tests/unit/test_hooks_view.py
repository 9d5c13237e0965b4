"""A halt that names a hook is cut in Flagger's error or before the name, never through the name."""

from __future__ import annotations

from tui.domain.hook_results import HookOutcome, HookResult
from widgets.hooks_view import hook_halt_text, hook_line, hooks_summary

HALT = (
    "Halt podinfo.test advancement pre-rollout check acceptance-test failed POST http://x/ giving up after 1 attempt(s)"
)


def test_the_error_is_cut_first() -> None:
    assert hook_halt_text(HALT, 200) == (
        "Halt: pre-rollout check acceptance-test failed POST http://x/ giving up after 1 attempt(s)"
    )
    assert hook_halt_text(HALT, 52) == "Halt: pre-rollout check acceptance-test failed POST…"


def test_then_the_label_and_never_the_name() -> None:
    text = hook_halt_text(HALT, 30)
    assert text is not None and text.startswith("…") and text.endswith("acceptance-test failed") and len(text) == 30
    short = hook_halt_text(HALT, 12)
    assert short is not None and short.startswith("accept") and len(short) == 12


def test_gates_keep_their_name_and_other_messages_are_left_alone() -> None:
    gate = "Halt podinfo.test advancement waiting for promotion approval approve"
    assert hook_halt_text(gate, 50) == "Halt: waiting for promotion approval approve"
    assert hook_halt_text("Halt podinfo.test advancement success rate 91.60% < 99%", 50) is None


def test_lines_show_host_only_and_fit() -> None:
    failed = HookResult("acceptance-test", "pre-rollout", "loadtester.test", HookOutcome.FAILED, "POST boom")
    line = hook_line(failed, 80, 12)
    assert line.plain == "✘ pre-rollout   acceptance-test  loadtester.test  failed: POST boom"
    assert hook_line(failed, 40, 12).cell_length <= 40
    assert hooks_summary((failed,)).plain == "✘ acceptance-test"


def test_a_rollout_hook_that_passes_is_not_said_to_be_unrun() -> None:
    quiet = HookResult("load-test", "rollout", "loadtester.test")
    assert hook_line(quiet, 120, 8).plain.endswith("no failure reported (Flagger reports only failures)")
