"""Sparklines over a fixed time span, with values past a threshold drawn in the error colour.

Each column covers an equal slice of the span; a slice without data stays blank (a gap, never a zero).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.content import Content

_BARS = " ▁▂▃▄▅▆▇█"


def bucketed(
    points: Sequence[tuple[float, float | None]],
    *,
    now: float,
    span_s: float,
    width: int,
    pick: Callable[[list[float]], float],
) -> list[float | None]:
    """Values per column (oldest first); `pick` folds the values that fall in one column."""
    columns: list[list[float]] = [[] for _ in range(width)]
    start = now - span_s
    slot = span_s / width
    for t, value in points:
        if value is None or t <= start or t > now:
            continue
        index = min(width - 1, int((t - start) / slot))
        columns[index].append(value)
    return [pick(values) if values else None for values in columns]


def sparkline(
    values: Sequence[float | None],
    *,
    low: float,
    high: float,
    rows: int = 1,
    bad: Callable[[float], bool] = lambda _: False,
    good_style: str = "$success",
    bad_style: str = "$error",
) -> list[Content]:
    """Render column values as `rows` lines of block characters (top line first)."""
    levels = 8 * rows
    span = max(high - low, 1e-9)
    lines: list[list[tuple[str, str]]] = [[] for _ in range(rows)]
    for value in values:
        if value is None:
            for line in lines:
                line.append((" ", ""))
            continue
        level = 1 + round((min(max(value, low), high) - low) / span * (levels - 1))
        style = bad_style if bad(value) else good_style
        for row in range(rows):
            # Row 0 is the top; each row holds eight levels of the column.
            filled = level - 8 * (rows - 1 - row)
            char = _BARS[max(0, min(8, filled))]
            lines[row].append((char, style))
    return [Content.assemble(*_merge(line)) for line in lines]


def _merge(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for char, style in cells:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + char, style)
        else:
            merged.append((char, style))
    return merged
