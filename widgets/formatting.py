"""Shared wording and symbols. A phase always carries an icon and its name, never colour alone."""

from __future__ import annotations

import time

PHASE_ICONS: dict[str, str] = {
    "Initializing": "◌",
    "Initialized": "●",
    "Waiting": "◷",
    "Progressing": "▶",
    "WaitingPromotion": "◷",
    "Promoting": "⇡",
    "Finalising": "⇡",
    "Succeeded": "✔",
    "Failed": "✖",
    "Terminating": "◌",
    "Terminated": "◌",
}

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

UNKNOWN = "?"


def phase_label(phase: str | None) -> tuple[str, str]:
    """(`icon name`, style) for a phase; unknown phases read `? <value>`."""
    if not phase:
        return f"{UNKNOWN} unknown", "$text-muted"
    icon = PHASE_ICONS.get(phase, UNKNOWN)
    return f"{icon} {phase}", PHASE_STYLES.get(phase, "$text")


def duration(seconds: float | None) -> str:
    """Compact durations: 45s, 1m05s, 2h03m, 3d04h."""
    if seconds is None:
        return UNKNOWN
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def age(seconds: float | None) -> str:
    """kubectl-style ages: 45s, 12m, 5h, 3d."""
    if seconds is None:
        return UNKNOWN
    total = max(0, int(seconds))
    if total < 120:
        return f"{total}s"
    if total < 7200:
        return f"{total // 60}m"
    if total < 172800:
        return f"{total // 3600}h"
    return f"{total // 86400}d"


def clock(t: float) -> str:
    """Wall-clock time of day in the local zone (tests pin TZ=UTC)."""
    try:
        return time.strftime("%H:%M:%S", time.localtime(t))
    except (OverflowError, OSError, ValueError):  # a time no clock can show
        return "??:??:??"


def number(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def percent(value: float | None, digits: int = 2) -> str:
    return UNKNOWN if value is None else f"{value:.{digits}f}%"


def millis(value: float | None) -> str:
    if value is None:
        return UNKNOWN
    if value >= 10_000:
        return f"{value / 1000:.1f}s"
    return f"{value:.0f}ms"


def rate(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:.1f}/s"
