"""Each webhook of a Canary with the last result Flagger reported for it, read from Flagger's own events.

Flagger records no event for a rollout hook that passes and one Warning for the first hook of a type that fails
(scheduler_hooks.go, scheduler.go:758): a hook's result is the newest event that names it, within the current
release. Hook names come from the cluster; widgets show them as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from tui.base.redact import redact
from tui.domain.flagger.messages import classify
from tui.domain.model import FlaggerEvent, Webhook


class HookOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WAITING = "waiting"
    NOT_RUN = "not run yet"


@dataclass(frozen=True)
class HookResult:
    name: str
    type: str
    host: str
    outcome: HookOutcome = HookOutcome.NOT_RUN
    # Flagger's error for a failed pre-rollout/rollout/post-rollout hook (`POST … giving up after 1 attempt(s)`).
    detail: str = ""
    at: float | None = None


# Messages that name one hook and what became of it; the hook name is the `hook` group.
_HOOK_MESSAGES: list[tuple[re.Pattern[str], HookOutcome]] = [
    (
        re.compile(
            r"^(?:Pre-rollout|Post-rollout|Confirm-rollout|Confirm-traffic-increase|Confirm-promotion) check "
            r"(?P<hook>\S+) passed$"
        ),
        HookOutcome.PASSED,
    ),
    (re.compile(r"^Post-rollout hook (?P<hook>\S+) failed ?(?P<err>.*)$"), HookOutcome.FAILED),
    # A rollback hook that answers non-2xx is the normal case: it does not ask for a rollback.
    (re.compile(r"^Rollback hook (?P<hook>\S+) not signaling a rollback$"), HookOutcome.PASSED),
    (re.compile(r"^Rollback check (?P<hook>\S+) passed$"), HookOutcome.FAILED),
]
_CLASSIFIED: dict[str, HookOutcome] = {
    "pre-rollout-halt": HookOutcome.FAILED,
    "external-check-halt": HookOutcome.FAILED,
    "approval-halt": HookOutcome.WAITING,
    "traffic-increase-halt": HookOutcome.WAITING,
    "promotion-halt": HookOutcome.WAITING,
}
# Events that begin a new release: results before them belong to the previous one.
_RELEASE_KINDS = frozenset({"new-revision", "restart"})


def hook_type(raw: str) -> str:
    """Flagger runs a webhook with no type as a rollout hook (scheduler.go:755)."""
    return raw or "rollout"


def url_host(url: str) -> str:
    """The URL's host (and port) only: a path or query may carry a token, userinfo always may."""
    try:
        parts = urlsplit(redact(url.strip()))
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "?"
    if not host:
        return "?"
    return f"{host}:{port}" if port else host


def read_hook_event(message: str) -> tuple[str, HookOutcome, str] | None:
    """(hook name, outcome, error) for a message that reports one webhook's result; None for any other."""
    kind = classify(message)
    if kind.kind in _CLASSIFIED:
        hook = kind.values.get("hook", "").strip()
        return (hook, _CLASSIFIED[kind.kind], kind.values.get("err", "").strip()) if hook else None
    text = message.strip()
    for pattern, outcome in _HOOK_MESSAGES:
        match = pattern.match(text)
        if match:
            return match["hook"], outcome, (match.groupdict().get("err") or "").strip()
    return None


def hook_results(webhooks: Iterable[Webhook], events: Iterable[FlaggerEvent]) -> tuple[HookResult, ...]:
    """Every webhook in spec order with its last result since the current release began (events oldest first,
    of this canary only)."""
    hooks = tuple(webhooks)
    # The confirm-rollout gate passes just before a release begins: its result belongs to that release.
    gates = {hook.name for hook in hooks if hook.type == "confirm-rollout"}
    latest: dict[str, tuple[HookOutcome, str, float]] = {}
    for event in events:
        if classify(event.message).kind in _RELEASE_KINDS:
            latest = {name: seen for name, seen in latest.items() if name in gates}
            continue
        read = read_hook_event(event.message)
        if read is not None:
            hook, outcome, detail = read
            latest[hook] = (outcome, detail, event.t)
    results = []
    for hook in hooks:
        base = HookResult(hook.name, hook_type(hook.type), url_host(hook.url))
        seen = latest.get(hook.name)
        if seen is not None:
            outcome, detail, at = seen
            base = HookResult(base.name, base.type, base.host, outcome, detail, at)
        results.append(base)
    return tuple(results)
