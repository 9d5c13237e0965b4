"""Durations as hey takes them (Go's time.ParseDuration: `60m`, `1h30m`, `500ms`), plus bare seconds."""

from __future__ import annotations

from tui.cmdline.duration import DurationError, format_duration
from tui.cmdline.duration import parse_duration as _seconds
from tui.load.errors import LoadError

__all__ = ["format_duration", "parse_duration"]


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds from `1h30m`, `4m`, `2.5s`, `250ms` or a bare number of seconds; LoadError otherwise."""
    try:
        return _seconds(text)
    except DurationError:
        raise LoadError(f"{what} {text!r} is not a duration (use e.g. 30s, 4m, 1h30m)") from None
