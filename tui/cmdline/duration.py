"""The one duration syntax of every command and file: Go's (`90s`, `4m`, `1h30m`, `250ms`) or bare seconds.

Each caller words its own refusal (the option or key it names differs); this module only decides.
"""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PART = re.compile(rf"({_NUMBER})(ns|us|µs|μs|ms|s|m|h)")
_BARE = re.compile(_NUMBER)


class DurationError(ValueError):
    """Text that is not a duration; the caller says which option or key held it."""


def parse_duration(text: str) -> float:
    """Seconds from `1h30m`, `4m`, `2.5s`, `250ms` or a bare number of seconds (surrounding blanks ignored).

    No sign, no exponent, no blanks between parts: a negative or odd-looking value is a mistake to refuse.
    """
    raw = text.strip()
    if _BARE.fullmatch(raw):
        return float(raw)
    pos = 0
    total = 0.0
    for match in _PART.finditer(raw):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0 or pos != len(raw):
        raise DurationError(text)
    return total


def format_duration(seconds: float, *, trim: bool = False) -> str:
    """The way Go prints durations (`1h0m0s`, `4m0s`, `2.5s`, `250ms`, `0s`).

    trim drops zero units at the end (`2m` rather than `2m0s`, `1h` rather than `1h0m0s`).
    """
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    whole = int(seconds)
    fraction = seconds - whole
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(str(hours), "h"), (str(minutes), "m"), (f"{secs + fraction:g}", "s")]
    while parts[0][0] == "0":  # seconds >= 1 here, so the loop stops at the seconds at the latest
        parts.pop(0)
    while trim and len(parts) > 1 and parts[-1][0] == "0":
        parts.pop()
    return "".join(value + unit for value, unit in parts)


def duration_option(name: str, low: float, high: float, *, expected: str = "seconds", unit: str = " seconds"):  # type: ignore[no-untyped-def]
    """An argparse `type=` for a duration option within [low, high] seconds, refusing in the option's own words."""
    from tui.cmdline.parser import bounded_option

    return bounded_option(name, low, high, parse_duration, expected=expected, unit=unit)
