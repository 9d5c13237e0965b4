"""The event log's filter box, built the first time `/` opens it (one widget less before the first frame)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class EventFilter(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.app.set_focus(None)
