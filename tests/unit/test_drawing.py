"""The traffic split bar shared by the traffic panel and presentation mode."""

from __future__ import annotations

import pytest

from widgets.drawing import CANARY_GLYPH, PRIMARY_GLYPH, split_bar


@pytest.mark.parametrize(
    ("primary", "canary", "width", "cells"),
    [
        (100, 0, 10, (10, 0)),
        (90, 10, 10, (9, 1)),
        (50, 50, 11, (5, 6)),  # halves round to even: 5.5 -> 6 canary cells
        (99, 1, 20, (19, 1)),  # any canary weight shows, however thin
        (0, 100, 8, (0, 8)),
        (0, 0, 6, (6, 0)),  # no weights at all: nothing for the canary
    ],
)
def test_split_bar_shares_the_width_by_weight(primary: int, canary: int, width: int, cells: tuple[int, int]) -> None:
    bar = split_bar(primary, canary, width)
    assert bar.plain == PRIMARY_GLYPH * cells[0] + CANARY_GLYPH * cells[1]
    assert bar.cell_length == width


def test_a_weight_from_a_broken_status_never_draws_past_the_width() -> None:
    for primary, canary in ((-(2**63), 2**63), (0, 29_000_000_000_000_000_000), (-5, -5), (10**30, 1)):
        bar = split_bar(primary, canary, 40)
        assert len(bar.plain) == 40, (primary, canary)
