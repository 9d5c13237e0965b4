"""The overview tells the app which canaries' rows are on screen (their rates are asked every refresh on a large
fleet): as it scrolls, when sorted by a rate (every row counts) and when another screen covers it (none)."""

from __future__ import annotations

from collections.abc import Mapping

from textual.screen import ModalScreen

from tests.ui.test_overview_refresh import OverviewApp, fleet
from tests.waiting import settle
from tui.domain.fleet import LOCAL
from tui.domain.model import CanaryKey
from tui.domain.state import AppState
from tui.screens.overview import RATE_COLUMNS, OverviewScreen
from widgets.canary_table import CanaryTable

Shown = Mapping[str, frozenset[CanaryKey]] | None


class Telling(OverviewApp):
    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.told: list[Shown] = []

    def rows_in_view(self, shown: Shown) -> None:
        self.told.append(shown)


def key_of(row: str) -> CanaryKey:
    namespace, _, name = row.partition("/")
    return CanaryKey(namespace, name)


def on_screen(screen: OverviewScreen) -> dict[str, frozenset[CanaryKey]]:
    """The canaries whose names the table draws (read off its lines, not off its window)."""
    table = screen.query_one(CanaryTable)
    drawn = " ".join(table.render_line(y).text for y in range(1, table.size.height))  # under the header
    return {LOCAL: frozenset(key_of(row) for row in table.row_keys() if f" {key_of(row).name} " in drawn)}


async def test_the_rows_on_screen_are_told_as_the_table_scrolls_sorts_and_is_covered() -> None:
    app = Telling(fleet(300))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        table = screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == 300 and table.size.height > 0, "every row in the table")
        await settle(pilot, lambda: app.told and app.told[-1] == on_screen(screen), "the rows drawn told")
        first = app.told[-1]
        assert first is not None and 15 <= len(first[LOCAL]) <= 30, "a screenful, not the fleet"

        await pilot.press("pagedown")
        await settle(pilot, lambda: app.told[-1] == on_screen(screen), "the next page's rows told")
        second = app.told[-1]
        assert second is not None and second != first

        while screen.sort_column not in RATE_COLUMNS:
            await pilot.press("]")
        await settle(pilot, lambda: app.told[-1] is None, "every row counting when sorted by a rate")

        await app.push_screen(ModalScreen())
        await settle(pilot, lambda: app.told[-1] == {}, "no row read while covered")
