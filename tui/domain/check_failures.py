"""Which check each of Flagger's failed-check events names, and how many failed checks each caused in a release.

Flagger stops a tick at the first check that fails and counts one failed check for it (scheduler.go:455-467), saying
why in one Warning: a value out of its range, "no values found", a query or template error, or a failed pre-rollout
or rollout webhook (scheduler_metrics.go, scheduler_hooks.go). Read back here, that Warning names its check, so the
rollback's cause can be told per check (`error-rate 3, latency 2`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.domain.check_rows import range_text
from tui.domain.flagger.builtin_query import DURATION, SUCCESS_RATE
from tui.domain.flagger.messages import Classified, classify
from tui.domain.model import Check, CheckKind, FlaggerEvent
from tui.domain.state import AppState, CanaryView, LoggedEvent

VALUE = "value"
NO_VALUES = "no-values"
ERROR = "error"
HOOK = "hook"

_HOOK_LABELS = {"pre-rollout-halt": "pre-rollout hook", "external-check-halt": "rollout hook"}
_RELEASE_KINDS = frozenset({"new-revision", "restart"})
_NO_VALUES_FOR = (
    re.compile(r"^custom metric: (?P<check>\S+?):"),  # a templateRef check
    re.compile(r"^metric: (?P<check>\S+)$"),  # an inline query
    re.compile(r"^\S+ metric (?P<check>\S+) probably"),  # a builtin check
)
_QUERY_FAILED = re.compile(r"^(?:Metric|Prometheus) query failed for (?P<check>\S+): (?P<err>.*)$")
_TEMPLATE_FAILED = re.compile(
    r"^Metric template (?P<template>\S+) (?:error|secret \S+ error|provider \S+ error|query render error): "
    r"(?P<err>.*)$"
)


@dataclass(frozen=True)
class CheckFailure:
    """One failed check as Flagger reported it: the check (or webhook) named, and what it said."""

    check: str
    what: str  # VALUE, NO_VALUES, ERROR or HOOK
    value: str = ""  # as Flagger printed it: `1.30`, `98.70%`, `1.2s`
    op: str = ""  # `<` (below min) or `>` (above max)
    bound: str = ""
    detail: str = ""  # the error, for ERROR and HOOK
    hook_label: str = ""  # `pre-rollout hook`, `rollout hook`

    def comparison(self, check: Check | None = None) -> str:
        """`1.30 > 1 (max 1)`, `no values found`, `query failed: …`, `failed: …`: what failed, without the name."""
        if self.what == VALUE:
            bound = "min" if self.op == "<" else "max"
            written = f"{bound} {self.bound}"
            if check is not None and check.problem is None:
                written = written_range(check)
            return f"{self.value} {self.op} {self.bound} ({written})"
        if self.what == NO_VALUES:
            return "no values found"
        if self.what == HOOK:
            return f"failed: {self.detail}" if self.detail else "failed"
        return f"query failed: {self.detail}" if self.detail else "query failed"

    @property
    def named(self) -> str:
        """`error-rate`, or `pre-rollout hook smoke` for a webhook."""
        return f"{self.hook_label} {self.check}" if self.what == HOOK else self.check

    def text(self, check: Check | None = None) -> str:
        """`error-rate 1.30 > 1 (max 1)`, `pre-rollout hook smoke failed: …`."""
        name = self.named
        sep = " " if self.what in (VALUE, HOOK) else ": "
        return f"{name}{sep}{self.comparison(check)}"


def written_range(check: Check) -> str:
    """The range as written, with the builtin checks' units (a success rate in %, a duration in ms)."""
    text = range_text(check)
    if check.kind is CheckKind.BUILTIN and text != "no bound":
        return text + {SUCCESS_RATE: "%", DURATION: "ms"}.get(check.name, "")
    return text


def _template_check(template: str, checks: Sequence[Check]) -> str:
    """The check that uses MetricTemplate `name.namespace` (Flagger's event names the template, not the check)."""
    name, _, namespace = template.rpartition(".")
    for check in checks:
        if check.template_name == name and (not namespace or check.template_namespace == namespace):
            return check.name
    return name or template


def read_failure(
    message: str, checks: Sequence[Check] = (), classified: Classified | None = None
) -> CheckFailure | None:
    """The failed check a Flagger message reports; None for any other message (or an unnamed builtin error).
    `classified`: the message as classify() read it already."""
    found = classified if classified is not None else classify(message)
    values = found.values
    if found.kind == "success-rate-halt":
        return CheckFailure(SUCCESS_RATE, VALUE, f"{values['value']}%", values["op"], f"{values['bound']}%")
    if found.kind == "duration-halt":
        return CheckFailure(DURATION, VALUE, values["value"], values["op"], values["bound"])
    if found.kind == "metric-halt":
        return CheckFailure(values["check"], VALUE, values["value"], values["op"], values["bound"])
    if found.kind == "no-values":
        rest = values.get("rest", "")
        for pattern in _NO_VALUES_FOR:
            match = pattern.match(rest)
            if match:
                return CheckFailure(match["check"], NO_VALUES)
        return None
    if found.kind in _HOOK_LABELS:
        hook = values.get("hook", "").strip() or "?"
        return CheckFailure(hook, HOOK, detail=values.get("err", "").strip(), hook_label=_HOOK_LABELS[found.kind])
    text = message.strip()
    match = _QUERY_FAILED.match(text)
    if match:
        return CheckFailure(match["check"], ERROR, detail=match["err"].strip())
    match = _TEMPLATE_FAILED.match(text)
    if match:
        return CheckFailure(_template_check(match["template"], checks), ERROR, detail=match["err"].strip())
    return None


@dataclass(frozen=True)
class ReleaseLog:
    """A canary's events since its current release began (oldest first, as far as the log reaches), each as
    classify() reads it, and the failed checks among them."""

    events: tuple[tuple[FlaggerEvent, Classified], ...]
    failures: tuple[tuple[FlaggerEvent, CheckFailure], ...]


# The analysis view asks for the same canary's log every frame: each answer is kept while the log (the very tuple)
# and the canary's release and checks are the same. Holding the tuple keeps its identity from being reused.
_LOGS: dict[tuple[str, str, float | None, tuple[Check, ...]], tuple[tuple[LoggedEvent, ...], ReleaseLog]] = {}
_LOGS_KEPT = 8


def release_log(state: AppState, view: CanaryView) -> ReleaseLog:
    key = view.key
    checks = view.info.analysis.checks
    cache_key = (key.namespace, key.name, view.release_started_at, checks)
    kept = _LOGS.get(cache_key)
    if kept is not None and kept[0] is state.events:
        return kept[1]
    events: list[tuple[FlaggerEvent, Classified]] = []
    for logged in reversed(state.events):
        event = logged.event
        if event.name != key.name or event.namespace != key.namespace:
            continue
        if view.release_started_at is not None and event.t < view.release_started_at:
            break
        found = classify(event.message)
        events.append((event, found))
        if found.kind in _RELEASE_KINDS:
            break
    events.reverse()
    failed = []
    for event, found in events:
        failure = read_failure(event.message, checks, found)
        if failure is not None:
            failed.append((event, failure))
    log = ReleaseLog(tuple(events), tuple(failed))
    if len(_LOGS) >= _LOGS_KEPT:
        _LOGS.clear()
    _LOGS[cache_key] = (state.events, log)
    return log


def failures(events: Iterable[FlaggerEvent], checks: Sequence[Check] = ()) -> list[tuple[FlaggerEvent, CheckFailure]]:
    """Every failed check the events report, oldest first."""
    found = []
    for event in events:
        failure = read_failure(event.message, checks)
        if failure is not None:
            found.append((event, failure))
    return found


def release_failures(state: AppState, view: CanaryView) -> tuple[tuple[FlaggerEvent, CheckFailure], ...]:
    return release_log(state, view).failures


def counts_by_check(found: Iterable[tuple[FlaggerEvent, CheckFailure]]) -> dict[str, int]:
    """Failed checks per check (a webhook by its type and name), the most first (ties in the order they first
    failed)."""
    counts = Counter(failure.named for _event, failure in found)
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def counts_text(counts: dict[str, int]) -> str:
    """`error-rate 3, latency 2`."""
    return ", ".join(f"{name} {count}" for name, count in counts.items())
