"""A Canary's webhooks with their last results: a compact summary for the status panel, a line each elsewhere.

Hook names, hosts and Flagger's errors come from the cluster: they go into Content as plain text, never markup.
"""

from __future__ import annotations

from textual.content import Content

from tui.domain import wording
from tui.domain.flagger.messages import classify
from tui.domain.hook_results import HookOutcome, HookResult, hook_results
from tui.domain.model import FlaggerEvent
from tui.domain.state import AppState, CanaryView

MARKS: dict[HookOutcome, tuple[str, str]] = {
    HookOutcome.PASSED: ("✔", "$success"),
    HookOutcome.FAILED: ("✘", "$error bold"),
    HookOutcome.WAITING: ("◷", "$warning"),
    HookOutcome.NOT_RUN: ("·", "$text-muted"),
}
# The canary's newest events read for its hooks' results (some 70 ticks; the panels redraw every second).
HOOK_EVENTS_LOOKBACK = 200
# Results worth a place on the status panel: the hook holds the canary.
ATTENTION = frozenset({HookOutcome.FAILED, HookOutcome.WAITING})
# Messages that name a hook: the label Flagger's message gives it, which the halt line keeps with the name.
_HOOK_HALTS = {
    "pre-rollout-halt": "pre-rollout check",
    "external-check-halt": "external check",
    "approval-halt": "waiting for approval",
    "traffic-increase-halt": "waiting for traffic increase approval",
    "promotion-halt": "waiting for promotion approval",
}


def results_for(state: AppState, view: CanaryView) -> tuple[HookResult, ...]:
    if not view.info.webhooks:
        return ()
    key = view.key
    recent: list[FlaggerEvent] = []
    for logged in reversed(state.events):
        event = logged.event
        if event.name == key.name and event.namespace == key.namespace:
            recent.append(event)
            if len(recent) >= HOOK_EVENTS_LOOKBACK:
                break
    return hook_results(view.info.webhooks, reversed(recent))


def hooks_summary(results: tuple[HookResult, ...]) -> Content:
    """`✘ acceptance-test ✔ load-test ◷ gate`: each hook by its name and a mark for its last result."""
    parts = []
    for result in results:
        mark, style = MARKS[result.outcome]
        parts.append(Content.assemble((mark, style), " ", result.name))
    return Content(" ").join(parts)


def hook_line(result: HookResult, width: int, type_width: int = 0) -> Content:
    """`✘ pre-rollout  acceptance-test  loadtester.test  failed: POST … giving up after 1 attempt(s)`."""
    mark, style = MARKS[result.outcome]
    said = result.outcome.value
    if result.outcome == HookOutcome.FAILED and result.detail:
        said = f"failed: {result.detail}"
    elif result.outcome == HookOutcome.WAITING:
        said = "waiting at its gate"
    if result.type == "rollout" and result.outcome == HookOutcome.NOT_RUN:
        said = "no failure reported (Flagger reports only failures)"
    if result.type == "event":
        said = "receives every event (no result)"
    elif result.type == "rollback" and result.outcome != HookOutcome.NOT_RUN:
        said = "asked for a rollback" if result.outcome == HookOutcome.FAILED else "asks no rollback"
    head = f"{result.type:<{type_width}}  {result.name}  {result.host}  "
    room = width - 2
    if len(head) + 8 > room:
        # Narrow: the type and the name first; the host goes before the result does.
        head = f"{result.type} {result.name}  "
    head = wording.shorten(head, max(1, room - 8))
    return Content.assemble((mark, style), " ", head, (wording.shorten(said, max(1, room - len(head))), style))


def hook_halt_text(message: str, width: int) -> str | None:
    """`Halt: pre-rollout check acceptance-test failed POST…`: a halt that names a hook, cut in Flagger's error or
    before the name, never in the name. None for any other message."""
    kind = classify(message)
    label = _HOOK_HALTS.get(kind.kind)
    hook = kind.values.get("hook", "").strip()
    if label is None or not hook:
        return None
    name_part = f"{label} {hook}"
    failed = " failed" if "err" in kind.values else ""
    text = f"Halt: {name_part}{failed}"
    error = kind.values.get("err", "").strip()
    full = f"{text} {error}" if error else text
    if len(full) <= width:
        return full
    if len(text) + 2 <= width:
        return wording.shorten(full, width)
    # Not even the name fits with its label: cut the label from the front, then the name's middle.
    bare = f"{hook}{failed}"
    if len(bare) + 1 <= width:
        return wording.ELLIPSIS + f"{name_part}{failed}"[-(width - 1) :]
    return wording.shorten_middle(bare, width)
