"""The followed canary deleted: the screen says so, stays on it, and `n` moves on to another (even to the last one)."""

from __future__ import annotations

from tests.ui.test_navigation import SIZE, TWO, app_for, painted
from tests.waiting import settle
from tui.domain.model import CanaryKey
from tui.domain.observations import CanaryDeleted


async def test_n_leaves_a_deleted_canary_for_the_one_left() -> None:
    app, source = app_for(TWO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.state.selected is not None, "a canary followed")
        followed = app.state.selected
        assert followed is not None
        app.apply([CanaryDeleted(followed, app.state.now)])
        await settle(pilot, lambda: any("✘ deleted" in line for line in painted(app)), "the deletion on screen")
        assert app.state.selected == followed and app.state.selected_view is None
        await pilot.press("n")
        (left,) = [key for key in app.state.canaries if key != followed]
        await settle(pilot, lambda: app.state.selected == left, "n following the canary left")
        assert app.state.deleted is None and isinstance(left, CanaryKey)
