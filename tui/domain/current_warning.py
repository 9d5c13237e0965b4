"""Which of Flagger's warnings still describes a canary: a halt is shown while it holds, not after it passed."""

from __future__ import annotations

from tui.domain import facts
from tui.domain.flagger.messages import classify
from tui.domain.model import FlaggerEvent, Phase
from tui.domain.state import CanaryView

# Halts that count as failed checks; they explain failedChecks for the rest of the analysis.
CHECK_HALT_KINDS = frozenset(
    {"success-rate-halt", "duration-halt", "metric-halt", "no-values", "external-check-halt", "pre-rollout-halt"}
)


def from_last_tick(view: CanaryView, event: FlaggerEvent) -> bool:
    """The event was recorded at the latest analysis tick seen (ticks are at least 10 s apart)."""
    if view.last_tick_at is None:
        return True
    return event.t >= view.last_tick_at - view.interval_s / 2


def current_warning(view: CanaryView) -> FlaggerEvent | None:
    """The last Warning, if what it says is still so."""
    warning = view.last_warning
    if warning is None:
        return None
    phase = view.info.phase
    kind = classify(warning.message).kind
    if kind == "promotion-halt":
        return warning if phase == Phase.WAITING_PROMOTION else None
    if kind == "approval-halt":
        return warning if phase == Phase.WAITING else None
    if phase == Phase.FAILED:
        return warning  # the rollback and its cause stay true until the next release
    if phase in (Phase.SUCCEEDED, Phase.INITIALIZED):
        return None
    if kind in CHECK_HALT_KINDS and facts.is_analysing(phase) and view.info.failed_checks:
        return warning
    return warning if from_last_tick(view, warning) else None
