"""The overview refreshes by frame: a change is on the table after one pause (no fixed interval), a burst is one
refresh, and only the rows that changed are built and handed to the table, among a thousand canaries."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widget import Widget

from tests.cluster import objects
from tests.waiting import settle
from tui.domain import triage_order
from tui.domain.model import CanaryKey, MetricSample, RouterInfo
from tui.domain.observations import (
    CanariesListed,
    CanaryObserved,
    CanarySelected,
    MetricsObserved,
    Observation,
    RouterObserved,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary
from tui.screens import overview
from tui.screens.overview import OverviewScreen, RowCache
from widgets.canary_table import CanaryTable
from widgets.pace import PACE_S
from widgets.steady_static import SteadyStatic
from widgets.topbar import TopBar


def fleet(count: int = 1000) -> AppState:
    infos = tuple(
        parse_canary(objects.canary(f"app-{i:04d}", f"team-{i % 100:02d}", phase="Succeeded")) for i in range(count)
    )
    return reduce_all(AppState(), [CanariesListed(infos, None, 0.0)])  # type: ignore[arg-type]


def phase_change(state: AppState, key: CanaryKey, phase: str, at: float = 1.0) -> CanaryObserved:
    return CanaryObserved(replace(state.canaries[key].info, phase=phase), at)


class OverviewApp(App[None]):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state

    def on_mount(self) -> None:
        self.push_screen(OverviewScreen("test"))

    def apply(self, observations: list[Observation]) -> None:
        self.state = reduce_all(self.state, observations)
        self.screen.show_state(self.state)  # type: ignore[attr-defined]


class CountingTable:
    """Wraps CanaryTable.put to count the rows handed to the table, and OverviewScreen._apply to count refreshes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.puts: list[str] = []
        self.refreshes = 0
        put, apply = CanaryTable.put, OverviewScreen._apply

        def counting_put(table: CanaryTable, key: str, cells: tuple[str, ...]) -> bool:
            self.puts.append(key)
            return put(table, key, cells)

        def counting_apply(screen: OverviewScreen, state: AppState) -> None:
            self.refreshes += 1
            apply(screen, state)

        monkeypatch.setattr(CanaryTable, "put", counting_put)
        monkeypatch.setattr(OverviewScreen, "_apply", counting_apply)

    def clear(self) -> None:
        self.puts.clear()
        self.refreshes = 0


async def test_a_single_change_is_on_the_table_after_one_pause() -> None:
    app = OverviewApp(fleet(1))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CanaryTable)
        key = CanaryKey("team-00", "app-0000")
        assert table.cells(str(key))[2].endswith("Succeeded")
        app.apply([phase_change(app.state, key, "Progressing")])
        await pilot.pause()  # one turn of the message queues, no timer
        assert table.cells(str(key))[2].endswith("Progressing")


async def test_a_burst_among_a_thousand_is_one_refresh_of_the_changed_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = CountingTable(monkeypatch)
    app = OverviewApp(fleet())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CanaryTable)
        assert len(table) == 1000
        counting.clear()
        changed = [CanaryKey(f"team-{i % 100:02d}", f"app-{i:04d}") for i in (3, 250, 777)]
        for index, key in enumerate(changed):  # three separate states, before the screen gets its turn
            app.apply([phase_change(app.state, key, "Progressing", at=1.0 + index)])
        await pilot.pause()
        assert counting.refreshes == 1
        assert sorted(counting.puts) == sorted(str(key) for key in changed)
        assert all(table.cells(str(key))[2].endswith("Progressing") for key in changed)
        assert len(table) == 1000


def test_changes_name_only_the_rows_that_read_a_changed_object() -> None:
    state = fleet()
    cache = RowCache()
    assert len(cache.changes(state).put) == 1000
    assert cache.changes(state).put == {} and cache.changes(state).removed == ()

    key = CanaryKey("team-07", "app-0007")
    state = reduce_all(state, [phase_change(state, key, "Progressing")])
    changes = cache.changes(state)
    assert list(changes.put) == ["team-07/app-0007"] and changes.put["team-07/app-0007"][2].endswith("Progressing")

    # The router of another canary: only that canary's weight.
    other = CanaryKey("team-42", "app-0042")
    router = RouterInfo("team-42", "app-0042", "TrafficSplit", "split.smi-spec.io/v1alpha1", 70, 30)
    state = reduce_all(state, [RouterObserved(router)])
    changes = cache.changes(state)
    assert list(changes.put) == [str(other)] and changes.put[str(other)][3] == "30% (status 0)"

    # A canary's series: only that row's success rate.
    sample = MetricSample("team-09", "app-0009", 3.0, success_rate=97.5, rps=10.0, p99_ms=12.0)
    state = reduce_all(state, [MetricsObserved((sample,))])
    changes = cache.changes(state)
    assert list(changes.put) == ["team-09/app-0009"] and changes.put["team-09/app-0009"][6] == "97.50%"


def test_a_canary_gone_from_the_list_is_removed_and_new_columns_rebuild_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = fleet(10)
    cache = RowCache()
    cache.changes(state)
    shorter = reduce_all(state, [CanariesListed(tuple(v.info for v in list(state.canaries.values())[1:]), None, 1.0)])  # type: ignore[arg-type]
    changes = cache.changes(shorter)
    assert changes.removed == ("team-00/app-0000",) and changes.put == {}

    built: list[str] = []
    real = overview.row_for
    monkeypatch.setattr(overview, "row_for", lambda s, view, *rest: built.append(str(view.key)) or real(s, view, *rest))
    narrow = cache.changes(shorter, overview.columns_for(80))
    assert len(built) == 9 and len(narrow.put) == 9


def test_the_top_line_counts_the_position_again_reading_only_the_canaries_that_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted: list[int] = []
    real = triage_order.triage
    monkeypatch.setattr(triage_order, "triage", lambda view, now: counted.append(1) or real(view, now))
    bar = TopBar("test")
    state = reduce_all(fleet(10), [CanarySelected(CanaryKey("team-03", "app-0003"))])
    assert bar._selected_position(state) == (4, 10) and len(counted) == 10
    assert bar._selected_position(state) == (4, 10) and len(counted) == 10, "the same state: not counted again"
    state = reduce_all(state, [phase_change(state, CanaryKey("team-05", "app-0005"), "Progressing")])
    # In flight, app-0005 comes first now: the triage of the one canary that changed is read again.
    assert bar._selected_position(state) == (5, 10) and len(counted) == 11
    gone = CanariesListed(tuple(v.info for v in state.canaries.values() if v.key.name != "app-0001"), None, 2.0)
    state = reduce_all(state, [gone])
    assert bar._selected_position(state) == (4, 9)
    state = reduce_all(state, [CanarySelected(CanaryKey("team-08", "app-0008"))])
    assert bar._selected_position(state) == (8, 9)


async def test_a_changed_row_out_of_view_is_not_repainted_until_it_is_scrolled_into_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield CanaryTable(("name", "count"), (8, 5), id="table")

    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(CanaryTable)
        for i in range(100):
            table.put(f"row-{i:02d}", (f"row-{i:02d}", str(i)))
        for _ in range(100):  # until the table is laid out at the screen's height
            await pilot.pause()
            if table.size.height == 12:
                break
        repainted: list[int] = []
        real = CanaryTable.refresh_line
        monkeypatch.setattr(CanaryTable, "refresh_line", lambda t, y: repainted.append(y) or real(t, y))
        table.put("row-80", ("row-80", "new"))
        table.put("row-02", ("row-02", "also"))
        assert repainted == [3]  # row-02 is on screen (line 3, under the header); row-80 is not
        table.move_cursor("row-80")  # scrolls it into view
        await pilot.pause()
        shown = [table.render_line(y).text for y in range(table.size.height)]
        assert any("row-80" in line and "new" in line for line in shown)


async def test_a_new_second_on_the_top_line_asks_for_no_layout_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    app = OverviewApp(fleet(3))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(TopBar)
        layouts: list[bool] = []
        real = TopBar.refresh
        monkeypatch.setattr(
            TopBar, "refresh", lambda w, *a, **kw: layouts.append(kw.get("layout", False)) or real(w, *a, **kw)
        )
        bar.show(replace(app.state, now=app.state.now + 5.0))
        await pilot.pause()
        assert layouts and not any(layouts)
        assert bar.visual is not None and "00:00:" in str(bar.render())


async def test_a_change_that_keeps_the_summarys_shape_lays_nothing_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # A layout pass reflows the whole screen and repaints the table's scrollbar: at fifty changes a second that
    # was most of the overview's CPU. The summary line is set on every state; only a new line count lays it out.
    layouts: list[str] = []
    refresh = Widget.refresh

    def recording(widget: Widget, *regions: Any, repaint: bool = True, layout: bool = False, **kw: Any) -> Widget:
        if layout:
            layouts.append(widget.id or type(widget).__name__)
        return refresh(widget, *regions, repaint=repaint, layout=layout, **kw)

    app = OverviewApp(fleet())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        summary = app.screen.query_one("#overview-summary")
        before = str(summary.render())
        monkeypatch.setattr(Widget, "refresh", recording)
        for index, phase in enumerate(("Progressing", "Failed", "Succeeded", "Progressing")):
            key = CanaryKey(f"team-{index % 100:02d}", f"app-{index:04d}")
            app.apply([phase_change(app.state, key, phase, at=1.0 + index)])
            await pilot.pause()
        # On a fleet this large the tally moves at most once a second (widgets/pace.py): wait for the last.
        await settle(pilot, lambda: str(summary.render()) == "1 failed · 999 ok", "the counts after every change")
        assert str(summary.render()) != before
        assert layouts == [], layouts


class Recording(SteadyStatic):
    """Text whose refreshes are recorded: whether each asked for a layout pass."""

    def __init__(self) -> None:
        super().__init__("")
        self.asked: list[bool] = []

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, **kw: Any) -> Recording:
        self.asked.append(layout)
        return super().refresh(*regions, repaint=repaint, layout=layout, **kw)  # type: ignore[return-value]


class FixedRecording(Recording):
    DEFAULT_CSS = "FixedRecording { height: 6; width: 1fr; border: round white; }"


class One(App[None]):
    def __init__(self, widget: Recording) -> None:
        super().__init__()
        self._recording = widget

    def compose(self) -> ComposeResult:
        yield self._recording


async def test_the_same_summary_set_again_repaints_nothing() -> None:
    app = One(Recording())
    async with app.run_test(size=(40, 10)) as pilot:
        line = app.query_one(Recording)
        line.update("2 failed · 41 ok")
        await pilot.pause()
        line.asked.clear()
        line.update("2 failed · 41 ok")
        assert line.asked == [], "the same text again"
        line.update("3 failed · 40 ok")
        assert line.asked == [False], "as many lines, as wide as fits: a repaint alone"
        line.update("3 failed · 40 ok\nwest: 1 failed")
        assert line.asked == [False, True], "a new line: the screen is laid out again"
        await pilot.pause()
        assert str(line.render()) == "3 failed · 40 ok\nwest: 1 failed"
        line.update(Content("x" * 60 + "\nwest: 1 failed"))
        assert line.asked[-1] is True, "wider than the widget: it wraps, so its height may change"


async def test_a_panel_of_fixed_size_is_never_laid_out_for_its_text() -> None:
    app = One(FixedRecording())
    async with app.run_test(size=(40, 10)) as pilot:
        panel = app.query_one(FixedRecording)
        panel.update("weight 10%\nchecks 0/2")
        await pilot.pause()
        region = panel.region
        panel.asked.clear()
        panel.update("weight 20%\nchecks 0/2\nforecast 12:07")  # a line more
        panel.update("x" * 60)  # wider than the panel: it wraps inside the same box
        panel.update("weight 30%\nchecks 1/2")
        assert panel.asked == [False, False, False], "its box is the stylesheet's, whatever the text"
        await pilot.pause()
        assert panel.region == region
        lines = [strip.text for strip in panel.render_lines(panel.region.reset_offset)]
        assert any("checks 1/2" in line for line in lines) and not any("forecast" in line for line in lines)


def _metrics_refresh(state: AppState, at: float, rate: float) -> MetricsObserved:
    """Prometheus answering for every canary's primary and canary at once, as one refresh does."""
    samples = tuple(
        MetricSample(key.namespace, deployment, at, success_rate=rate, rps=10.0, p99_ms=12.0)
        for key in state.canaries
        for deployment in (key.name, f"{key.name}-primary")
    )
    return MetricsObserved(samples)


def test_a_limited_call_builds_status_changes_first_and_the_rest_of_a_refresh_in_later_calls() -> None:
    state = fleet(400)
    cache = RowCache()
    cache.changes(state)
    state = reduce_all(state, [_metrics_refresh(state, 2.0, 97.5)])
    first = cache.changes(state, limit=150)
    assert len(first.put) == 150 and cache.backlog == 250

    # A status change and a router change arrive while rows of the refresh are still waiting.
    moved = CanaryKey("team-99", "app-0399")
    state = reduce_all(state, [phase_change(state, moved, "Progressing", at=3.0)])
    routed = CanaryKey("team-98", "app-0398")
    router = RouterInfo("team-98", "app-0398", "TrafficSplit", "split.smi-spec.io/v1alpha1", 70, 30)
    state = reduce_all(state, [RouterObserved(router)])
    second = cache.changes(state, limit=150)
    assert next(iter(second.put)) == str(moved), "the status change is not queued behind the refresh"
    assert len(second.put) == 151 and cache.backlog == 99  # both canaries were among the rows waiting

    # Canaries new to the list are rows at once, however many rows of the refresh still wait.
    newcomers = tuple(parse_canary(objects.canary(f"new-{i:03d}", "team-new", phase="Succeeded")) for i in range(200))
    listed = (*(view.info for view in state.canaries.values()), *newcomers)
    state = reduce_all(state, [CanariesListed(listed, None, 4.0)])  # type: ignore[arg-type]
    third = cache.changes(state, limit=150)
    assert sum(key.startswith("team-new/") for key in third.put) == 200
    assert len(third.put) == 200 + 99 and cache.backlog == 0
    assert cache.changes(state, limit=150).put == {}

    # What was built in pieces is what one call builds from the same state.
    whole = RowCache().rows(state)
    assert {str(key): cache.row(key) for key in state.canaries} == whole
    assert whole[str(routed)][3] == "30% (status 0)"
    assert all(row[6] == "97.50%" for key, row in whole.items() if not key.startswith("team-new/"))


def test_rows_left_waiting_for_a_canary_that_is_gone_are_dropped() -> None:
    state = fleet(300)
    cache = RowCache()
    cache.changes(state)
    state = reduce_all(state, [_metrics_refresh(state, 2.0, 97.5)])
    cache.changes(state, limit=100)
    kept = tuple(view.info for view in state.canaries.values() if view.key.name != "app-0299")
    state = reduce_all(state, [CanariesListed(kept, None, 3.0)])  # type: ignore[arg-type]
    removed: list[str] = []
    while True:
        changes = cache.changes(state, limit=100)
        removed.extend(changes.removed)
        if not cache.backlog:
            break
    assert removed == ["team-99/app-0299"]
    assert cache.row(CanaryKey("team-99", "app-0299")) is None
    assert RowCache().rows(state) == {str(key): cache.row(key) for key in state.canaries}


async def test_a_refresh_of_a_thousand_rows_reaches_the_table_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    pieces: list[int] = []
    put, apply = CanaryTable.put, OverviewScreen._apply

    def counting_put(table: CanaryTable, key: str, cells: tuple[str, ...]) -> bool:
        pieces[-1] += 1
        return put(table, key, cells)

    def counting_apply(screen: OverviewScreen, state: AppState) -> None:
        pieces.append(0)
        apply(screen, state)

    monkeypatch.setattr(CanaryTable, "put", counting_put)
    monkeypatch.setattr(OverviewScreen, "_apply", counting_apply)
    app = OverviewApp(fleet())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CanaryTable)
        pieces.clear()
        app.apply([_metrics_refresh(app.state, 2.0, 97.5)])
        await settle(pilot, lambda: sum(pieces) == 1000, "every row of the refresh on the table")
        assert max(pieces) == overview.ROWS_PER_FRAME and len(pieces) >= 1000 // overview.ROWS_PER_FRAME
        assert all(table.cells(str(key))[6] == "97.50%" for key in app.state.canaries)
        await pilot.press("down")
        assert table.cursor_row == 1


async def test_on_a_large_fleet_rows_move_at_most_once_a_second_and_end_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # At fifty changes a second, four reorders a second were a fifth of the UI thread; the tally and "k of N" move
    # once a second on such a fleet, and the rows now move with them. A failing canary's own cell changes at once.
    import itertools
    import time

    from tui.domain.triage import ranked

    sorts: list[float] = []
    sort_by = CanaryTable.sort_by

    def recording(table: CanaryTable, *args: Any, **kw: Any) -> Any:
        sorts.append(time.monotonic())
        return sort_by(table, *args, **kw)

    monkeypatch.setattr(CanaryTable, "sort_by", recording)
    app = OverviewApp(fleet())
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == 1000, "a thousand rows")
        sorts.clear()
        started, index = time.monotonic(), 0
        while time.monotonic() - started < 2.5 or len(sorts) < 2:  # a stream of failures, one a frame
            key = CanaryKey(f"team-{index % 100:02d}", f"app-{index:04d}")
            app.apply([phase_change(app.state, key, "Failed", at=2.0 + index)])
            await pilot.pause()
            assert "Failed" in " ".join(table.cells(str(key))), "the row's own cell at once"
            index += 1
        expected = [str(view.key) for view, _ in ranked(app.state.canaries.values(), app.state.now)]
        await settle(pilot, lambda: table.row_keys() == expected, "the full sort's order once the stream ends")
    gaps = [b - a for a, b in itertools.pairwise(sorts)]
    assert gaps and min(gaps) >= PACE_S - 0.01, (index, gaps)  # in step with the tally
