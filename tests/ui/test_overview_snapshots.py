"""The overview as a triage, as pictures: thirty canaries over five namespaces in every kind of trouble, and a fleet
of two contexts, at 120x40 and 80x24; the 16-colour theme, where the marker column must carry the meaning alone."""

from __future__ import annotations

import pytest

from tests.ui.overview_fleets import OverviewApp, mixed_state, two_contexts
from tui.base.themes import THEMES
from tui.domain.fleet import Fleet


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_thirty_canaries_in_five_namespaces(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(OverviewApp(Fleet.single(mixed_state())), terminal_size=size)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_two_contexts(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(OverviewApp(two_contexts()), terminal_size=size)


def test_the_ansi_theme_keeps_the_markers(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = OverviewApp(Fleet.single(mixed_state()), theme=THEMES["ansi"])
    assert snap_compare(app, terminal_size=(120, 40))
