"""Glyphs and bars drawn by more than one panel or screen: the traffic split's primary and canary shares."""

from __future__ import annotations

from textual.content import Content

PRIMARY_GLYPH = "█"
CANARY_GLYPH = "▒"


def split_bar(primary: int, canary: int, width: int) -> Content:
    """`width` cells shared in proportion to the weights; a canary with any weight gets at least one cell. Weights
    come from the cluster: a negative or absurd one never draws more than `width` cells."""
    width = max(0, width)
    primary, canary = max(0, primary), max(0, canary)
    total = max(1, primary + canary)
    canary_cells = min(width, round(width * canary / total))
    if canary > 0:
        canary_cells = min(width, max(1, canary_cells))
    primary_cells = width - canary_cells
    return Content.assemble((PRIMARY_GLYPH * primary_cells, "$primary"), (CANARY_GLYPH * canary_cells, "$warning"))
