"""The base of every panel: render only when the slice of state it shows has changed."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.domain.state import AppState
from widgets.steady_static import SteadyStatic


class StatePanel(SteadyStatic):
    """A bordered panel fed with AppState; subclasses pick their slice and turn it into Content."""

    DEFAULT_CSS = """
    StatePanel {
        border: round $panel-lighten-2;
        border-title-color: $text-accent;
        padding: 0 1;
        height: auto;
    }
    """

    TITLE = ""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.border_title = self.TITLE
        self.compact = False
        self._last_key: Any = object()

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._last_key = object()

    def show(self, state: AppState) -> None:
        self.show_keyed(state, self.slice_key(state))

    def show_keyed(self, state: AppState, key: Any) -> bool:
        """Renders `state` when `key` (its slice key) differs from the last one shown; True when it did."""
        if key == self._last_key:
            return False
        self._last_key = key
        # A new second that reads the same ("for 5m") repaints nothing; a countdown that ticks repaints this panel
        # alone (SteadyStatic lays the screen out only when the panel's height may change).
        self.update(self.render_state(state))
        return True

    def slice_key(self, state: AppState) -> Any:
        """A value that changes exactly when what this panel shows changes."""
        return id(state)

    def render_state(self, state: AppState) -> Content:
        raise NotImplementedError
