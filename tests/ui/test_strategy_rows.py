"""The overview row and the top line name A/B testing and blue/green progress in iterations."""

from __future__ import annotations

from tests import strategy_states as ss
from tui.screens.overview import columns_for, row_for


def test_overview_weight_column_counts_iterations() -> None:
    ab = ss.ab(4)
    assert row_for(ab, ab.selected_view)[3] == "A/B 4/10"  # type: ignore[arg-type]
    assert row_for(ab, ab.selected_view, columns_for(80))[3] == "4/10"  # type: ignore[arg-type]
    bg = ss.kubernetes(3)
    assert row_for(bg, bg.selected_view)[3] == "B/G 3/10"  # type: ignore[arg-type]
    waiting = ss.ab(9, "WaitingPromotion")
    assert row_for(waiting, waiting.selected_view)[3] == "A/B 10/10"  # type: ignore[arg-type]
