"""How values, durations and phases are worded on every screen and in `wait`: text only (colours and glyphs of
drawing stay in widgets). A phase always carries an icon and its name, never colour alone."""

from __future__ import annotations

import time

from rich.cells import cell_len, set_cell_size

from tui.cmdline.duration import format_duration
from tui.domain.flagger.gofmt import go_duration_ms
from tui.domain.flagger.messages import classify

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

UNKNOWN = "?"


# Narrow forms of the phases longer than the others, for narrow columns.
SHORT_PHASES = {"WaitingPromotion": "WaitPromote"}


def phase_text(phase: str | None, *, short: bool = False) -> str:
    """`icon name` for a phase; unknown phases read `? <value>`, a missing one `? unknown`."""
    if not phase:
        return f"{UNKNOWN} unknown"
    icon = PHASE_ICONS.get(phase, UNKNOWN)
    name = SHORT_PHASES.get(phase, phase) if short else phase
    return f"{icon} {name}"


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


def span(seconds: float) -> str:
    """Elapsed time in full for a log line, as Go prints a duration: 45s, 2m5s, 1h0m5s (rounded to the second)."""
    return format_duration(max(0, round(seconds)))


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


def weight(value: int | None) -> str:
    """A traffic weight: `20%`, `?%` when unknown."""
    return f"{number(value)}%"


def checks(failed: int) -> str:
    """`1 failed check`, `2 failed checks`."""
    return f"{failed} failed check" + ("" if failed == 1 else "s")


# --- values in sentences (the narration line): spaced units, as a person writes them ---------------------------


def success_rate(value: float) -> str:
    """A success rate in a sentence: always two decimals, as Flagger's own messages."""
    return f"{value:.2f} %"


def failing_rate(value: float, minimum: float) -> str:
    """A failing rate never rounds up onto its bound (98.996 reads 98.99, not 99.00, against 99)."""
    shown = success_rate(value)
    if f"{value:.2f}" == f"{minimum:.2f}":
        shown = f"{int(value * 100) / 100:.2f} %"
    return shown


def bound(value: float) -> str:
    """A success-rate bound in a sentence: `99 %`, `99.5 %`."""
    return f"{value:g} %"


def latency(ms: float) -> str:
    """A latency in a sentence, as Go prints a time.Duration (Flagger's messages do): `250ms`, `1.5s`."""
    return go_duration_ms(int(ms))


ELLIPSIS = "…"


def _fits(text: str, width: int) -> bool:
    # ASCII takes at most a cell a character: no need to measure it cell by cell when it is short enough.
    return (len(text) <= width and text.isascii()) or cell_len(text) <= width


def shorten(text: str, width: int, *, keep: str = "") -> str:
    """`text` in at most `width` cells: cut with `…`, never silently. `keep`, a tail of `text` (such as the
    `value < threshold` of a halt message), survives whole when it fits: the part before it is cut instead."""
    if width <= 0:
        return ""
    if _fits(text, width):
        return text
    if width == 1:
        return ELLIPSIS
    if keep and text.endswith(keep) and cell_len(keep) + 2 <= width:
        head = text[: len(text) - len(keep)].rstrip()
        room = width - cell_len(keep) - 2  # `…` and a space before the tail
        return set_cell_size(head, room).rstrip() + ELLIPSIS + " " + keep
    return set_cell_size(text, width - 1).rstrip() + ELLIPSIS


def shorten_middle(text: str, width: int) -> str:
    """`text` in at most `width` cells with `…` in the middle: the ends of names (`-canary-7`) tell them apart."""
    if _fits(text, width):
        return text
    if width <= 2:
        return shorten(text, width)
    tail = (width - 1) // 2
    head = width - 1 - tail
    return set_cell_size(text, head) + ELLIPSIS + text[-tail:]


def message_tail(message: str) -> str:
    """What must survive when a Flagger message is shortened: `87.37% < 99%` of a halt on a metric."""
    found = classify(message)
    if found.kind == "success-rate-halt":
        return f"{found.values['value']}% {found.values['op']} {found.values['bound']}%"
    if found.kind == "duration-halt":
        return f"{found.values['value']} {found.values['op']} {found.values['bound']}"
    if found.kind == "threshold-rollback":
        return f"threshold reached {found.values['n']}"
    return ""


def short_message(message: str, width: int) -> str:
    """A Flagger message in at most `width` cells. A halt on a metric has shorter forms that keep its value and
    threshold (`success rate 87.37% < 99%`, then `SR 87.37% < 99%`); anything else is cut with `…`, keeping the
    values at its end (see message_tail)."""
    if cell_len(message) <= width:
        return message
    tail = message_tail(message)
    found = classify(message)
    hook = found.values.get("hook", "")
    forms = {
        "success-rate-halt": (f"Halt: success rate {tail}", f"success rate {tail}", f"SR {tail}"),
        "duration-halt": (f"Halt: p99 {tail}", f"p99 {tail}"),
        "promotion-halt": (f"Halt: waiting for promotion approval {hook}", "Halt: waiting for promotion approval"),
        "approval-halt": (f"Halt: waiting for approval {hook}", "Halt: waiting for approval"),
        "traffic-increase-halt": (
            f"Halt: waiting for traffic increase approval {hook}",
            "Halt: waiting for traffic increase approval",
        ),
    }.get(found.kind, ())
    for form in forms:
        if cell_len(form) <= width:
            return form
    return shorten(message, width, keep=tail if tail and message.endswith(tail) else "")
