"""Follow one canary's rollout in folded state and decide how `canaryscope wait` ends.

Which release counts: the one in flight when the wait begins (phase Progressing, Waiting, WaitingPromotion,
Promoting or Finalising), else the next one. A finished earlier release never counts: success is a phase *change*
into Succeeded (or a Succeeded canary whose lastAppliedSpec differs from the one the wait started from, when the
steps in between were missed), failure a phase change into Failed. A changed lastAppliedSpec alone is not
trusted while Failed, because Flagger re-syncs it there before it starts the next analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from tui.domain import facts, wording
from tui.domain.check_failures import HOOK, counts_text, read_failure
from tui.domain.current_warning import CHECK_HALT_KINDS
from tui.domain.flagger.messages import classify
from tui.domain.flagger.router_kinds import ROUTER_KINDS, ROUTER_SOURCES
from tui.domain.model import CanaryKey, Check, Health, Phase
from tui.domain.narration import HOOK_HALT_KINDS
from tui.domain.progress import progress
from tui.domain.state import AppState, CanaryView

# Logger tails and the Events API replay history; events this much older than the start are not this wait's.
EVENT_GRACE_S = 5.0
# Warnings during a rollout that are not why it failed: gates waiting for a person, readiness waits, and the
# rollback's own announcements. Every other Warning (a metric, hook or query failure, a progress deadline) is.
NOT_A_CAUSE_KINDS = frozenset(
    {
        "approval-halt",
        "traffic-increase-halt",
        "promotion-halt",
        "not-ready",
        "canary-not-ready",
        "suspended",
        "threshold-rollback",
        "canary-failed",
    }
)
REASON_CHARS = 300
RELEASE_KINDS = frozenset({"new-revision", "restart"})
# Health worth a line: problems, and the recovery after one. Sources not listed do not matter to a wait.
REPORTED_SOURCES = ("kubernetes", "canaries", "logger", *ROUTER_SOURCES)
PROBLEMS = frozenset({Health.RECONNECTING, Health.UNREACHABLE, Health.FORBIDDEN, Health.NOT_INSTALLED})
REASONS_SHOWN = 3
START_LINE_WAIT_S = 2.0
HEALTH_SETTLE_S = 2.0


class Outcome(IntEnum):
    SUCCEEDED = 0
    FAILED = 1
    TIMEOUT = 2
    ERROR = 3


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    detail: str = ""


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# (phase, status.canaryWeight, the router's canary weight, A/B or blue/green progress such as `iteration 4/10`)
Status = tuple[str | None, int | None, int | None, str | None]


def _status_text(status: Status, max_weight: int) -> str:
    """`phase Progressing weight 20/50 (router 20)`: the status's weight beside the router's, as Flagger left them;
    for A/B testing and blue/green, which never write the weight, `phase Progressing iteration 4/10 (A/B testing)`."""
    phase, weight, router, iterations = status
    if iterations is not None:
        return f"phase {phase or '?'} {iterations}"
    return f"phase {phase or '?'} weight {wording.number(weight)}/{max_weight} (router {wording.number(router)})"


def _progress_text(state: AppState, view: CanaryView) -> str | None:
    shown = progress(state, view)
    if not shown.by_iterations:
        return None
    where = ", all traffic on the canary" if shown.on_canary else ""
    return f"iteration {shown.counter} ({shown.strategy.label}{where})"


class WaitTracker:
    def __init__(self, key: CanaryKey, context: str, started_at: float) -> None:
        self.key = key
        self.context = context
        self.started_at = started_at
        self.events_since = started_at - EVENT_GRACE_S
        self.start: CanaryView | None = None
        self.in_flight_at_start = False
        self.rollout_seen = False
        self.rollout_since: float | None = None
        self.phase: str | None = None
        self.verdict: Verdict | None = None
        self.decided_at: float | None = None
        self._printed: Status | None = None
        self._first_seen = 0.0
        self._start_pending = False
        self._event_seq = 0
        self._health_since: dict[str, tuple[tuple[Health, str], float]] = {}
        self._health_printed: dict[str, tuple[Health, str]] = {}
        self._causes: list[str] = []
        # Failed checks Flagger announced since the release began (one Halt per failed check).
        self._check_halts = 0
        # The same, per check (or webhook) named: what the rollback is blamed on.
        self._by_check: dict[str, int] = {}

    # --- what a line says ---------------------------------------------------------------------------------

    def _status(self, state: AppState, view: CanaryView) -> Status:
        router = state.router_for(view)
        weight = router.canary_weight if router else None
        return view.info.phase, view.info.canary_weight, weight, _progress_text(state, view)

    def _describe(self, state: AppState, view: CanaryView) -> str:
        return _status_text(self._status(state, view), view.max_weight)

    # --- folding ------------------------------------------------------------------------------------------

    def observe(self, state: AppState, now: float) -> list[str]:
        """Lines for what changed in `state` (called after every observation); may set `verdict`."""
        lines: list[str] = []
        self._health_lines(state, now, lines)
        if self.verdict is not None and self.verdict.outcome is Outcome.ERROR:
            return lines
        view = state.canaries.get(self.key)
        if self.start is None:
            if view is None:
                self._not_found(state, now)
                return lines
            self._begin(view, now)
        events = self._event_lines(state)
        if events:
            self._start_line(state, now, lines, force=True)
        lines.extend(events)
        if view is None:
            if self.verdict is None:
                self._decide(Outcome.ERROR, f"canary {self.key} was deleted", now)
            return lines
        self._start_line(state, now, lines, force=view.info.phase != self.phase)
        self._follow_phase(state, view, now, lines)
        return lines

    def flush(self, state: AppState, now: float) -> list[str]:
        """At the end of a burst: one line if the phase or a weight changed (router and status move together)."""
        lines: list[str] = []
        self._health_lines(state, now, lines)
        view = state.canaries.get(self.key)
        if view is None or self.start is None:
            return lines
        self._start_line(state, now, lines, force=now - self._first_seen >= START_LINE_WAIT_S)
        if self._start_pending:
            return lines
        status = self._status(state, view)
        if status != self._printed:
            self._printed = status
            lines.append(f"{stamp(now)} {self._describe(state, view)}")
        return lines

    def _begin(self, view: CanaryView, now: float) -> None:
        self.start = view
        self.phase = view.info.phase
        self._first_seen = now
        self._start_pending = True
        self.in_flight_at_start = view.info.phase in facts.IN_FLIGHT_PHASES
        if self.in_flight_at_start:
            self.rollout_seen = True
            self.rollout_since = now

    def _start_line(self, state: AppState, now: float, lines: list[str], *, force: bool) -> None:
        """Say where the wait starts from once the router is known too (its list may come a moment later)."""
        if not self._start_pending or self.start is None:
            return
        start = self.start
        if not force and not self._router_known(state, start):
            return
        self._start_pending = False
        status = self._status(state, start)
        self._printed = status
        goal = "following the rollout in flight" if self.in_flight_at_start else "waiting for a new revision"
        lines.append(
            f"{stamp(now)} start {self.key} {_status_text(status, start.max_weight)} "
            f"revision {start.info.last_applied_spec or '?'}: {goal}"
        )

    @staticmethod
    def _router_known(state: AppState, view: CanaryView) -> bool:
        if state.router_for(view) is not None or not state.router_kinds_for(view):  # `kubernetes` has no router
            return True
        watches = [state.health.get(rk.key) for rk in ROUTER_KINDS]
        listed = [h for h in watches if h is not None]
        if not listed:
            return "routers" in state.health  # the source's note: no router kind at all is installed
        return all(h.state is not Health.CONNECTING for h in listed)

    def _not_found(self, state: AppState, now: float) -> None:
        canaries = state.health.get("canaries")
        # The watch reports connected only after its list has been folded in.
        if canaries is not None and canaries.state is Health.CONNECTED:
            self._decide(Outcome.ERROR, f"canary {self.key} not found in context {self.context}", now)

    def _health_lines(self, state: AppState, now: float, lines: list[str]) -> None:
        """A line for trouble that lasts (start-up races flap for milliseconds), and one when it is over."""
        for source in REPORTED_SOURCES:
            health = state.health.get(source)
            if health is None:
                continue
            # Keyed without the attempt count: retries of one trouble make one line.
            seen = (health.state, health.detail)
            since = self._health_since.get(source)
            if since is None or since[0] != seen:
                since = self._health_since[source] = (seen, now)
            fatal = (source == "canaries" and health.state in (Health.NOT_INSTALLED, Health.FORBIDDEN)) or (
                source == "kubernetes" and health.state is Health.FORBIDDEN
            )
            if fatal and self.verdict is None:
                self._decide(Outcome.ERROR, health.detail or f"{source}: {health.state.value}", now)
            printed = self._health_printed.get(source)
            if seen == printed:
                continue
            lasting = health.state in PROBLEMS and now - since[1] >= HEALTH_SETTLE_S
            recovered = health.state is Health.CONNECTED and printed is not None and printed[0] in PROBLEMS
            if lasting or recovered:
                self._health_printed[source] = seen
                detail = f": {health.detail}" if health.detail else ""
                lines.append(f"{stamp(now)} health {source} {health.state.value}{detail}")

    def _event_lines(self, state: AppState) -> list[str]:
        lines: list[str] = []
        if state.event_seq == self._event_seq:
            return lines
        # New events are not always at the end: the log is kept in time order, and a late copy from the Events
        # API can land between older ones.
        fresh = [logged for logged in state.events if logged.seq > self._event_seq]
        self._event_seq = state.event_seq
        for logged in fresh:
            event = logged.event
            if event.key != self.key or event.t < self.events_since or logged.replaces is not None:
                continue  # (a precise copy of an event printed already from the Events API)
            lines.append(f"{stamp(event.t)} event {event.type} {event.message}")
            classified = classify(event.message)
            kind = classified.kind
            if kind in RELEASE_KINDS:
                if self.verdict is None:
                    self.rollout_seen = True
                    self.rollout_since = self.rollout_since or event.t
                self._causes.clear()
                self._check_halts = 0
                self._by_check.clear()
            failure = read_failure(event.message, self._checks(state))
            if kind in CHECK_HALT_KINDS or failure is not None:
                self._check_halts += 1
            if failure is not None:
                self._by_check[failure.named] = self._by_check.get(failure.named, 0) + 1
                if failure.what != HOOK:
                    lines.append(self._check_line(state, event.t, failure.text(self._check(state, failure.check))))
            if kind in HOOK_HALT_KINDS:
                lines.append(self._hook_line(state, event.t, classified.values.get("hook", "?"), kind))
            elif event.type == "Warning" and kind not in NOT_A_CAUSE_KINDS:
                self._causes.append(event.message)
        return lines

    def _checks(self, state: AppState) -> tuple[Check, ...]:
        view = state.canaries.get(self.key)
        return view.info.analysis.checks if view is not None else ()

    def _check(self, state: AppState, name: str) -> Check | None:
        return next((check for check in self._checks(state) if check.name == name), None)

    def _failed_of(self, state: AppState) -> str:
        """`2/5`: the failed checks so far (the halts seen stand in for a status not read yet) of the threshold."""
        view = state.canaries.get(self.key)
        status = view.info.failed_checks if view is not None else None
        threshold = wording.number(view.threshold) if view is not None else "?"
        return f"{max(status or 0, self._check_halts)}/{threshold}"

    def _check_line(self, state: AppState, t: float, text: str) -> str:
        """`check error-rate 1.30 > 1 (max 1), failed check 2/5`: the check a Halt names, its value and range."""
        return f"{stamp(t)} check {text}, failed check {self._failed_of(state)}"

    def _hook_line(self, state: AppState, t: float, hook: str, kind: str) -> str:
        """`pre-rollout check acceptance-test failed (2/5)`: a failed hook counts as a failed check at any weight.
        Flagger writes the count just after the event, so the halts seen since the release began stand in for a
        status not read yet."""
        view = state.canaries.get(self.key)
        status = view.info.failed_checks if view is not None else None
        failed = max(status or 0, self._check_halts)
        threshold = wording.number(view.threshold) if view is not None else "?"
        return f"{stamp(t)} hook {HOOK_HALT_KINDS[kind]} check {hook} failed ({failed}/{threshold})"

    def _follow_phase(self, state: AppState, view: CanaryView, now: float, lines: list[str]) -> None:
        assert self.start is not None
        phase = view.info.phase
        if phase != self.phase:
            self.phase = phase
            self._printed = self._status(state, view)
            lines.append(f"{stamp(now)} {self._describe(state, view)}")
            if phase in facts.IN_FLIGHT_PHASES and self.verdict is None:
                self.rollout_seen = True
                self.rollout_since = self.rollout_since or now
            if self.verdict is None and phase == Phase.SUCCEEDED:
                self._decide(Outcome.SUCCEEDED, "", now)
            elif self.verdict is None and phase == Phase.FAILED:
                self._decide(Outcome.FAILED, "", now)
        elif (
            self.verdict is None
            and phase == Phase.SUCCEEDED
            and view.info.last_applied_spec is not None
            and view.info.last_applied_spec != self.start.info.last_applied_spec
        ):
            # A newer revision succeeded while the steps in between went unseen (a re-list after a break).
            self.rollout_seen = True
            self._decide(Outcome.SUCCEEDED, "", now)

    def _decide(self, outcome: Outcome, detail: str, now: float) -> None:
        self.verdict = Verdict(outcome, detail)
        self.decided_at = now

    # --- the last line ------------------------------------------------------------------------------------

    def final_line(self, state: AppState, now: float) -> str:
        """What the wait ends with on stdout (success, failure or timeout); errors go to stderr instead."""
        assert self.verdict is not None
        view = state.canaries.get(self.key)
        revision = (view.info.last_applied_spec if view else None) or "?"
        took = wording.span(now - (self.rollout_since or self.started_at))
        if self.verdict.outcome is Outcome.SUCCEEDED:
            return f"{stamp(now)} succeeded {self.key} revision {revision} after {took}"
        if self.verdict.outcome is Outcome.FAILED:
            # The checks that caused the rollback, with the failed checks each caused in this release.
            by = f", rolled back by {counts_text(self._ranked())}" if self._by_check else ""
            return f"{stamp(now)} failed {self.key} revision {revision} after {took}{by}: {self._failure(view)}"
        return f"{stamp(now)} timeout {self.key} {self.verdict.detail}"

    def _ranked(self) -> dict[str, int]:
        """Failed checks per check, the most first (ties in the order they first failed)."""
        return dict(sorted(self._by_check.items(), key=lambda item: -item[1]))

    def _failure(self, view: CanaryView | None) -> str:
        """The failed checks Flagger counted (it resets them to 0 on rollback) and the Warnings that were why."""
        sticky = view.sticky_failed_checks if view else 0
        threshold = view.threshold if view else None
        count = f"{sticky}/{threshold} failed checks" if threshold is not None else f"{sticky} failed checks"
        reasons: list[str] = []
        for message in reversed(self._causes):
            if message not in reasons:
                reasons.append(message)
            if len(reasons) == REASONS_SHOWN:
                break
        shown = [m if len(m) <= REASON_CHARS else m[: REASON_CHARS - 1] + "…" for m in reversed(reasons)]
        return f"{count}; " + " | ".join(shown) if shown else count

    def timeout(self, state: AppState, now: float, timeout_s: float) -> None:
        """The deadline passed: say whether a rollout ever started and where it stands."""
        limit = wording.span(timeout_s)
        view = state.canaries.get(self.key)
        if view is None or self.start is None:
            trouble = [
                f"{h.source} {h.state.value}" + (f": {h.detail}" if h.detail else "")
                for h in (state.health.get(source) for source in ("kubernetes", "canaries"))
                if h is not None and h.state is not Health.CONNECTED
            ]
            why = f" ({'; '.join(trouble)})" if trouble else ""
            self._decide(Outcome.ERROR, f"canary {self.key} not seen within {limit}{why}", now)
            return
        if not self.rollout_seen:
            revision = view.info.last_applied_spec or "?"
            detail = (
                f"after {limit}: no rollout started since the wait began (still {view.info.phase or '?'}, revision "
                f"{revision}; Flagger starts one when the target's pod template changes)"
            )
        else:
            detail = f"after {limit}: the rollout is still in {self._describe(state, view)}"
        self._decide(Outcome.TIMEOUT, detail, now)
