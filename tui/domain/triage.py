"""Which canaries need a human now, first: a severity for each canary, a marker that reads without colour, and a
short reason; rows are ranked by severity, then the most recent change first.

Pure: it reads a canary's view and the time of its state, nothing else, so the overview, a summary line and a
property test rank the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from tui.domain.model import ACTIVE_PHASES, Phase
from tui.domain.state import CanaryView
from tui.domain.wording import message_tail

# Intervals without a status change after which a rollout in flight counts as stuck: Flagger writes the status at
# every tick of an analysis (weight, iterations, failed checks), so three silent ticks mean it is not advancing.
STUCK_INTERVALS = 3


class Severity(IntEnum):
    """Lower is more urgent. The first five need a human."""

    FAILED = 0
    HALTING = 1
    GATED = 2
    STUCK = 3
    TERMINATING = 4
    PROGRESSING = 5
    REST = 6


# A word per severity that needs a human, four letters each so that the column stays narrow: it survives NO_COLOR,
# the 16-colour theme and a copy and paste.
MARKERS: dict[Severity, str] = {
    Severity.FAILED: "FAIL",
    Severity.HALTING: "HALT",
    Severity.GATED: "GATE",
    Severity.STUCK: "HUNG",
    Severity.TERMINATING: "TERM",
}
MARKER_WIDTH = 4

# The order of phases when a table is sorted by phase: the order the triage gives them, not their icons'.
PHASE_ORDER: tuple[str, ...] = (
    Phase.FAILED,
    Phase.WAITING_PROMOTION,
    Phase.WAITING,
    Phase.TERMINATING,
    Phase.PROGRESSING,
    Phase.PROMOTING,
    Phase.FINALISING,
    Phase.INITIALIZING,
    Phase.INITIALIZED,
    Phase.SUCCEEDED,
    Phase.TERMINATED,
)


def phase_rank(phase: str | None) -> int:
    """Where a phase sorts: by urgency, unknown phases after the known ones."""
    try:
        return PHASE_ORDER.index(phase)  # type: ignore[arg-type]
    except ValueError:
        return len(PHASE_ORDER)


@dataclass(frozen=True)
class Triage:
    severity: Severity
    reason: str = ""
    # When the canary last changed (its status, else its phase): the more recent first within a severity.
    since: float | None = None

    @property
    def needs_human(self) -> bool:
        return self.severity < Severity.PROGRESSING

    @property
    def marker(self) -> str:
        return MARKERS.get(self.severity, "")


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def changed_at(view: CanaryView) -> float | None:
    """When the canary's status last changed: Flagger stamps lastTransitionTime at every status write (an event
    alone is no progress: a halted analysis logs one every tick); else when its phase was first seen."""
    ltt = view.info.last_transition_time
    return ltt if ltt is not None else view.phase_since


def stuck_at(view: CanaryView, since: float) -> float:
    return since + STUCK_INTERVALS * view.interval_s


def stuck_deadline(view: CanaryView) -> float | None:
    """When this canary will count as stuck if its status does not change: None when it cannot."""
    since = changed_at(view)
    if view.info.phase not in ACTIVE_PHASES or since is None:
        return None
    return stuck_at(view, since)


def triage(view: CanaryView, now: float) -> Triage:
    """The severity of one canary at `now`, with the reason a human is needed (empty when none is)."""
    info = view.info
    phase = info.phase
    since = changed_at(view)
    failed = info.failed_checks or 0
    if phase == Phase.FAILED:
        checks = view.sticky_failed_checks
        return Triage(
            Severity.FAILED, f"rolled back after {_count(checks, 'failed check')}" if checks else "rolled back", since
        )
    if phase in (Phase.PROGRESSING, Phase.PROMOTING, Phase.FINALISING) and failed > 0:
        threshold = view.threshold
        of = f"/{threshold}" if threshold is not None else ""
        # The value and bound of the last check that failed say more than the count.
        tail = message_tail(view.last_halt.message) if view.last_halt is not None else ""
        return Triage(Severity.HALTING, f"halting: {tail or f'{failed}{of} failed checks'}", since)
    if phase == Phase.WAITING_PROMOTION:
        return Triage(Severity.GATED, "waiting for promotion approval", since)
    if phase == Phase.WAITING:
        return Triage(Severity.GATED, "waiting for approval to start", since)
    if phase in ACTIVE_PHASES and since is not None and now >= stuck_at(view, since):
        # Worded without the time that passes, so that the row changes once, when it becomes stuck.
        return Triage(Severity.STUCK, f"no status change for {STUCK_INTERVALS}+ intervals", since)
    if phase == Phase.TERMINATING or info.deleting:
        return Triage(Severity.TERMINATING, "being deleted", since)
    if phase in ACTIVE_PHASES or phase == Phase.INITIALIZING:
        return Triage(Severity.PROGRESSING, "", since)
    return Triage(Severity.REST, "", since)


def rank(found: Triage) -> tuple[int, float]:
    """Sort key: severity, then the most recent change first (a canary never seen changing last). Canaries at rest
    tie, so that they keep the order of their names: a release that ended does not shuffle the calm rows."""
    if found.severity == Severity.REST:
        return (found.severity, 0.0)
    return (found.severity, -(found.since if found.since is not None else float("-inf")))


def ranked(views: Iterable[CanaryView], now: float) -> list[tuple[CanaryView, Triage]]:
    """Views with their triage, most urgent first; ties in name order."""
    found = [(view, triage(view, now)) for view in views]
    return sorted(found, key=lambda pair: (*rank(pair[1]), str(pair[0].key)))


@dataclass(frozen=True)
class Counts:
    """How many canaries of a context are in each state that a summary line names."""

    failed: int = 0
    halting: int = 0
    waiting: int = 0
    stuck: int = 0
    terminating: int = 0
    ok: int = 0

    def line(self) -> str:
        """`2 failed · 1 waiting · 41 ok`: only the states that occur, `ok` always."""
        parts = [
            f"{n} {word}"
            for n, word in (
                (self.failed, "failed"),
                (self.halting, "halting"),
                (self.waiting, "waiting"),
                (self.stuck, "stuck"),
                (self.terminating, "terminating"),
            )
            if n
        ]
        return " · ".join([*parts, f"{self.ok} ok"])


_FIELDS = {
    Severity.FAILED: "failed",
    Severity.HALTING: "halting",
    Severity.GATED: "waiting",
    Severity.STUCK: "stuck",
    Severity.TERMINATING: "terminating",
}


def counts(found: Iterable[Triage]) -> Counts:
    return tally(Counter(one.severity for one in found))


def tally(severities: Mapping[Severity, int]) -> Counts:
    """The summary's counts from how many canaries are at each severity."""
    fields = dict.fromkeys([*_FIELDS.values(), "ok"], 0)
    for severity, number in severities.items():
        fields[_FIELDS.get(severity, "ok")] += number
    return Counts(**fields)
