"""Durations as hey takes them (Go's time.ParseDuration: `60m`, `1h30m`, `500ms`), plus bare seconds."""

from __future__ import annotations

import re

from tui.load.errors import LoadError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds from `1h30m`, `4m`, `2.5s`, `250ms` or a bare number of seconds; LoadError otherwise."""
    raw = text.strip()
    if _NUMBER.fullmatch(raw):
        return float(raw)
    pos = 0
    total = 0.0
    for match in _PART.finditer(raw):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0 or pos != len(raw):
        raise LoadError(f"{what} {text!r} is not a duration (use e.g. 30s, 4m, 1h30m)")
    return total


def format_duration(seconds: float) -> str:
    """The shortest readable form, the way Go prints durations (`1h0m0s`, `4m0s`, `2.5s`)."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    whole = int(seconds)
    fraction = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    sec_text = f"{secs + fraction:g}s"
    if hours:
        return f"{hours}h{minutes}m{sec_text}"
    if minutes:
        return f"{minutes}m{sec_text}"
    return sec_text
