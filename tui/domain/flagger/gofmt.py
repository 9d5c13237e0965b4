"""Go's %v formatting for the values Flagger prints, so simulated messages read exactly like real ones."""

from __future__ import annotations

import math


def go_float(value: float) -> str:
    """`%v` of a float64: the shortest form, no trailing `.0` (99 -> "99", 99.5 -> "99.5")."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{abs(int(exponent)):02d}"
    return text


def go_duration_ms(milliseconds: int) -> str:
    """`%v` of a time.Duration holding whole milliseconds: 500ms, 1.2s, 2.45s, 1m0s, 1h0m0s."""
    ms = int(milliseconds)
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    if ms < 1000:
        return f"{sign}{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, frac = divmod(rest, 1000)
    sec = str(seconds) if frac == 0 else f"{seconds}.{frac:03d}".rstrip("0")
    if hours:
        return f"{sign}{hours}h{minutes}m{sec}s"
    if minutes:
        return f"{sign}{minutes}m{sec}s"
    return f"{sign}{sec}s"


def parse_go_duration_ms(text: str) -> float | None:
    """Parse a Go duration string (as printed in Halt messages) into milliseconds; None when unparsable."""
    units = {"h": 3_600_000.0, "m": 60_000.0, "s": 1000.0, "ms": 1.0, "us": 0.001, "µs": 0.001, "ns": 1e-6}
    text = text.strip()
    if not text:
        return None
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if text == "0":
        return 0.0
    total = 0.0
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and (text[j].isdigit() or text[j] == "."):
            j += 1
        if j == i:
            return None
        try:
            number = float(text[i:j])
        except ValueError:
            return None
        k = j
        while k < len(text) and not (text[k].isdigit() or text[k] == "."):
            k += 1
        unit = text[j:k]
        if unit not in units:
            return None
        total += number * units[unit]
        i = k
    return sign * total
