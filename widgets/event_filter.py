"""The event log's filter box, built the first time `/` opens it (one widget less before the first frame)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class EventFilter(Input):
    DEFAULT_CSS = """
    EventFilter, EventFilter:focus { height: 1; border: none; padding: 0; margin: 0 1 0 0; }
    """
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.app.set_focus(None)
