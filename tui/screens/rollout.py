"""The main screen: every panel of one canary, laid out for 120x40 and compacted down to 80x24."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from tui.domain.state import AppState
from widgets.deployments_panel import DeploymentsPanel
from widgets.events_panel import EventsPanel
from widgets.key_bar import KeyBar
from widgets.load_panel import LoadPanel
from widgets.metrics_panel import MetricsPanel
from widgets.narration_bar import NarrationBar
from widgets.status_panel import StatusPanel
from widgets.topbar import TopBar
from widgets.traffic_panel import TrafficPanel

FULL_SIZE = (120, 40)
MIN_SIZE = (80, 24)


def layout_for(width: int, height: int) -> str:
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        return "too-small"
    if width < FULL_SIZE[0] or height < FULL_SIZE[1]:
        return "compact"
    return "full"


class RolloutScreen(Screen[None]):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.layout_name = "full"
        self._shown_at: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            yield TopBar(self.mode, id="topbar")
            yield NarrationBar(id="narration")
            with Horizontal(id="row-top"):
                yield StatusPanel(id="status")
                yield TrafficPanel(id="traffic")
            yield DeploymentsPanel(id="deployments")
            yield MetricsPanel(id="metrics")
            with Horizontal(id="row-bottom"):
                yield EventsPanel(id="events")
                yield LoadPanel(id="load")
        yield Static("", id="too-small")
        yield KeyBar()

    def on_mount(self) -> None:
        self._apply_layout(self.app.size.width, self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._apply_layout(event.size.width, event.size.height)

    def _apply_layout(self, width: int, height: int) -> None:
        name = layout_for(width, height)
        self.layout_name = name
        self.set_class(name == "too-small", "-too-small")
        self.set_class(name == "compact", "-compact")
        compact = name != "full"
        for panel in self.query("StatePanel, EventsPanel"):
            panel.set_compact(compact)  # type: ignore[attr-defined]
        self.query_one("#too-small", Static).update(
            f"Terminal too small: {width}x{height}\ncanaryscope needs at least {MIN_SIZE[0]}x{MIN_SIZE[1]}"
        )
        # Re-render with whatever state is current once the new layout has sizes.
        self.call_after_refresh(self._show_current)

    def _show_current(self) -> None:
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self.show_state(state)
            self._shown_at = (self.size.width, self.size.height)

    def shown_at_size(self) -> bool:
        """The state has been shown since the screen was last laid out at its current size."""
        return self._shown_at == (self.size.width, self.size.height) and self.size.width > 0

    def on_screen_resume(self) -> None:
        # No overview row on screen now: the followed canary, whose history this screen draws, is what is shown.
        tell = getattr(self.app, "rows_in_view", None)
        if tell is not None:
            tell({})
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self.show_state(state)

    def show_state(self, state: AppState) -> None:
        if not self.is_mounted:
            return
        # Queries, not query_one: a screen pushed during start-up can be mounted before its panels are; it shows
        # the state when they mount.
        for panel in self.query("StatePanel"):
            panel.show(state)  # type: ignore[attr-defined]
        for log in self.query(EventsPanel):
            log.show(state)

    def show_top_line(self, state: AppState) -> None:
        if self.is_mounted:
            for top in self.query(TopBar):
                top.show(state)

    def open_filter(self) -> None:
        self.query_one(EventsPanel).open_filter()
