"""Reading values out of Kubernetes objects (plain dicts): anything missing or of the wrong type becomes None or
empty, never an exception; every string is made safe (tui.base.safe_text) as it is read."""

from __future__ import annotations

import math
from typing import Any

from tui.base.safe_text import safe_text


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    return safe_text(value) if isinstance(value, str) else None


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def finite(value: Any) -> float | None:
    """A finite number: NaN and infinities (`"NaN"`, `1e400`) are as unknown as a word."""
    if isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value) if not isinstance(value, int) or abs(value) < 2**1023 else None
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None
