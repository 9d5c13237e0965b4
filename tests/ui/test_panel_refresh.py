"""A panel repaints only when what it shows changed, and asks the screen for a layout pass only when its height may
change: a new second that reads the same ("for 5m") costs nothing, a countdown that ticks repaints that panel alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget

from tui.domain.state import AppState
from widgets.panel import StatePanel


class Ticking(StatePanel):
    """Shows what `text` makes of the state's clock; its slice key is the whole second, like the real panels'."""

    def __init__(self, text: Callable[[float], str | Content]) -> None:
        super().__init__()
        self.text = text
        self.refreshes: list[bool] = []  # one per repaint the panel asked for: whether it asked for a layout pass too
        self._showing = False

    def slice_key(self, state: AppState) -> Any:
        return int(state.now)

    def render_state(self, state: AppState) -> Content:
        text = self.text(state.now)
        return text if isinstance(text, Content) else Content(text)

    def show(self, state: AppState) -> None:
        self._showing = True
        try:
            super().show(state)
        finally:
            self._showing = False

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, **kw: Any) -> Ticking:
        if getattr(self, "_showing", False):  # not the screen's own refreshes of the panel
            self.refreshes.append(layout)
        return super().refresh(*regions, repaint=repaint, layout=layout, **kw)  # type: ignore[return-value]


class PanelApp(App[None]):
    def __init__(self, panel: Ticking) -> None:
        super().__init__()
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield self.panel


async def shown_at(app: PanelApp, pilot: Any, seconds: list[float]) -> list[bool]:
    """Shows the state at each of `seconds` in turn; the refreshes this asked of the panel."""
    await pilot.pause()
    app.panel.refreshes.clear()
    for now in seconds:
        app.panel.show(replace(AppState(), now=now))
        await pilot.pause()
    return list(app.panel.refreshes)


async def test_a_new_second_that_reads_the_same_does_not_repaint() -> None:
    app = PanelApp(Ticking(lambda now: f"in phase for {int(now) // 60}m"))
    async with app.run_test(size=(60, 10)) as pilot:
        app.panel.show(replace(AppState(), now=120.0))
        assert await shown_at(app, pilot, [121.0, 122.0, 150.0]) == []
        assert await shown_at(app, pilot, [180.0]) == [False]  # 3m: repainted, same height
        assert "for 3m" in app.panel.render().plain  # type: ignore[union-attr]


async def test_a_countdown_repaints_its_panel_without_a_layout_pass() -> None:
    app = PanelApp(Ticking(lambda now: f"status\nnext tick in {60 - int(now) % 60}s"))
    async with app.run_test(size=(60, 10)) as pilot:
        app.panel.show(replace(AppState(), now=1.0))
        assert await shown_at(app, pilot, [2.0, 3.0, 4.0]) == [False, False, False]
        assert app.panel.outer_size.height == 4  # two lines and the border


async def test_a_new_line_or_a_wrapped_one_lays_the_screen_out_again() -> None:
    lines = {1: "one", 2: "one\ntwo", 3: "one\ntwo", 4: "x" * 80, 5: "y" * 80}
    app = PanelApp(Ticking(lambda now: lines[int(now)]))
    async with app.run_test(size=(60, 10)) as pilot:
        app.panel.show(replace(AppState(), now=1.0))
        # Another line; the same two lines; one that wraps at 60 columns; another that wraps as well.
        assert await shown_at(app, pilot, [2.0, 3.0, 4.0, 5.0]) == [True, True, True]
        await pilot.pause()
        assert app.panel.outer_size.height == 4  # 80 cells wrap to two lines within the border and padding


def screen_lines(app: App[Any]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_a_countdown_repaints_only_its_own_line_and_reads_as_a_fresh_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def text(now: float) -> Content:
        return Content.assemble(
            ("status", "bold"), f" ok\nnext tick in {60 - int(now) % 60}s\nrouter ", ("SMI", "italic")
        )

    app = PanelApp(Ticking(text))
    repaints: list[tuple[Region, ...]] = []
    refresh = Widget.refresh

    def recording(widget: Widget, *regions: Region, **kw: Any) -> Widget:
        if widget is app.panel:
            repaints.append(regions)
        return refresh(widget, *regions, **kw)

    async with app.run_test(size=(60, 10)) as pilot:
        app.panel.show(replace(AppState(), now=1.0))
        await pilot.pause()
        monkeypatch.setattr(Widget, "refresh", recording)
        for now in (2.0, 3.0):
            app.panel.show(replace(AppState(), now=now))
            await pilot.pause()
        monkeypatch.undo()
        width = app.panel.content_region.width
        # The second line alone, twice (no region: the whole panel, border included).
        assert repaints == [(Region(0, 1, width, 1),), (Region(0, 1, width, 1),)]
        shown = screen_lines(app)
    fresh = PanelApp(Ticking(text))
    async with fresh.run_test(size=(60, 10)) as pilot:
        fresh.panel.show(replace(AppState(), now=3.0))
        await pilot.pause()
        assert screen_lines(fresh) == shown
        assert any("next tick in 57s" in line for line in shown)
