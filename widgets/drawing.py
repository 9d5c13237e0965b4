"""Glyphs and bars drawn by more than one panel or screen: the traffic split's primary and canary shares."""

from __future__ import annotations

from textual.content import Content

PRIMARY_GLYPH = "█"
CANARY_GLYPH = "▒"


def split_bar(primary: int, canary: int, width: int) -> Content:
    """`width` cells shared in proportion to the weights; a canary with any weight gets at least one cell."""
    total = max(1, primary + canary)
    canary_cells = round(width * canary / total)
    if canary > 0:
        canary_cells = max(1, canary_cells)
    primary_cells = width - canary_cells
    return Content.assemble((PRIMARY_GLYPH * primary_cells, "$primary"), (CANARY_GLYPH * canary_cells, "$warning"))
