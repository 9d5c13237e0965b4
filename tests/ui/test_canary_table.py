"""The overview's table: rows, sorting, the cursor following its row, keys, mouse, scrolling, and a thousand
canaries through the overview screen with rows recomputed only for canaries that changed."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult

from tui.domain.model import CanaryKey
from tui.domain.observations import CanariesListed, CanaryObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.screens import overview
from tui.screens.overview import OverviewScreen, RowCache
from widgets.canary_table import CanaryTable

TITLES = ("name", "count")
WIDTHS = (6, 5)


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str] = []
        self.headers: list[int] = []

    def compose(self) -> ComposeResult:
        yield CanaryTable(TITLES, WIDTHS, id="table")

    def on_canary_table_row_highlighted(self, event: CanaryTable.RowHighlighted) -> None:
        self.highlighted.append(event.key)

    def on_canary_table_header_selected(self, event: CanaryTable.HeaderSelected) -> None:
        self.headers.append(event.column)


def lines(app: App[None]) -> list[str]:
    table = app.query_one(CanaryTable)
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


async def test_rows_render_padded_and_cropped_to_their_columns() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 6)) as pilot:
        table = app.query_one(CanaryTable)
        assert table.put("a", ("alpha", "1"))
        assert table.put("b", ("a-name-too-long", "22"))
        assert not table.put("a", ("alpha", "1")), "the same cells again change nothing"
        await pilot.pause()
        shown = lines(app)
        assert shown[0].startswith(" name    count ")
        assert shown[1].startswith(" alpha   1     ")
        assert shown[2].startswith(" a-name  22    ")
        assert len(shown[0]) == table.scrollable_content_region.width


async def test_sorting_keeps_the_cursor_on_its_row() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 8)) as pilot:
        table = app.query_one(CanaryTable)
        for key, count in (("c", "3"), ("a", "10"), ("b", "2")):
            table.put(key, (key, count))
        table.move_cursor("a")
        table.sort(lambda cells: int(cells[1]))
        await pilot.pause()
        assert table.row_keys() == ["b", "c", "a"]
        assert table.cursor_key == "a" and table.cursor_row == 2
        table.sort(lambda cells: cells[0], reverse=True)
        assert table.row_keys() == ["c", "b", "a"]
        assert app.highlighted == [], "moves made by the program are not the user's highlights"


async def test_keys_move_the_cursor_and_report_the_row() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 8)) as pilot:
        table = app.query_one(CanaryTable)
        for index in range(30):
            table.put(f"k{index:02d}", (f"n{index}", str(index)))
        table.focus()
        await pilot.press("down", "down", "up")
        assert app.highlighted == ["k01", "k02", "k01"]
        await pilot.press("end")
        assert table.cursor_key == "k29"
        await pilot.pause()
        assert any(line.startswith(" n29 ") for line in lines(app)), "the cursor row is scrolled into view"
        assert lines(app)[0].startswith(" name "), "the header stays on top"
        await pilot.press("home", "pagedown")
        assert table.cursor_row == table.scrollable_content_region.height - 1
        table.remove(table.cursor_key or "")
        assert table.cursor_key is not None and len(table) == 29


async def test_clicks_select_a_row_or_a_column() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 8)) as pilot:
        table = app.query_one(CanaryTable)
        for key in ("x", "y", "z"):
            table.put(key, (key, "1"))
        await pilot.pause()
        await pilot.click(CanaryTable, offset=(10, 0))
        await pilot.click(CanaryTable, offset=(2, 3))
        assert app.headers == [1]
        assert app.highlighted == ["z"] and table.cursor_key == "z"


def thousand() -> AppState:
    from tests.cluster import objects
    from tui.kube.parse import parse_canary

    infos = tuple(
        parse_canary(objects.canary(f"app-{i:04d}", f"team-{i % 100:02d}", phase="Succeeded")) for i in range(1000)
    )
    return reduce_all(AppState(), [CanariesListed(infos, None, 0.0)])  # type: ignore[arg-type]


def test_rows_are_recomputed_only_for_canaries_that_changed(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    state = thousand()
    cache = RowCache()
    calls: list[str] = []
    real = overview.row_for
    monkeypatch.setattr(overview, "row_for", lambda s, view, *rest: calls.append(str(view.key)) or real(s, view, *rest))
    first = cache.rows(state)
    assert len(first) == 1000 and len(calls) == 1000
    calls.clear()
    key = CanaryKey("team-07", "app-0007")
    changed = replace(state.canaries[key].info, phase="Progressing", canary_weight=20)
    state = reduce_all(state, [CanaryObserved(changed, 1.0)])
    rows = cache.rows(state)
    assert calls == ["team-07/app-0007"]
    assert rows["team-07/app-0007"][2].endswith("Progressing") and rows["team-07/app-0007"][3] == "20%"


async def test_the_overview_sorts_a_thousand_canaries() -> None:
    state = thousand()

    class OverviewApp(App[None]):
        def on_mount(self) -> None:
            self.state = state
            self.push_screen(OverviewScreen("test"))

        def apply(self, observations) -> None:  # type: ignore[no-untyped-def]
            self.state = reduce_all(self.state, observations)

    app = OverviewApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CanaryTable)
        assert len(table) == 1000
        assert table.row_keys()[:2] == ["team-00/app-0000", "team-00/app-0100"]
        # The first order is the triage's (all alike here: by namespace and name), then each column in turn.
        await pilot.press("right_square_bracket", "right_square_bracket")  # namespace, then name
        assert table.row_keys()[:2] == ["team-00/app-0000", "team-01/app-0001"]
        await pilot.press("minus")
        assert table.row_keys()[0] == "team-99/app-0999"


async def test_the_first_list_and_later_changes_are_shown_on_the_next_frame() -> None:
    state = thousand()

    class OverviewApp(App[None]):
        def on_mount(self) -> None:
            self.state = AppState()
            self.push_screen(OverviewScreen("test"))

    app = OverviewApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        table = screen.query_one(CanaryTable)
        screen.show_state(AppState())  # nothing listed yet: nothing to show at once
        assert len(table) == 0
        screen.show_state(state)
        await pilot.pause()
        assert len(table) == 1000, "the first list is shown without waiting for a timer"
        key = CanaryKey("team-07", "app-0007")
        gone = reduce_all(
            state, [CanariesListed(tuple(v.info for k, v in state.canaries.items() if k != key), None, 1.0)]
        )
        screen.show_state(gone)
        await pilot.pause()
        assert len(table) == 999, "a later change is shown on the next frame too"
