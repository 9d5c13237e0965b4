"""The colour of each phase. The words (icon and name) come from tui.domain.wording: a phase never relies on colour."""

from __future__ import annotations

from tui.domain import wording

PHASE_STYLES: dict[str, str] = {
    "Initializing": "$text-muted",
    "Initialized": "$text",
    "Waiting": "$warning",
    "Progressing": "$accent bold",
    "WaitingPromotion": "$warning bold",
    "Promoting": "$success",
    "Finalising": "$success",
    "Succeeded": "$success bold",
    "Failed": "$error bold",
}


def phase_label(phase: str | None, *, short: bool = False) -> tuple[str, str]:
    """(`icon name`, style) for a phase; unknown phases read `? <value>`."""
    style = PHASE_STYLES.get(phase, "$text") if phase else "$text-muted"
    return wording.phase_text(phase, short=short), style
