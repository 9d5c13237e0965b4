"""The base of every panel: render only when the slice of state it shows has changed."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from tui.domain.state import AppState


class StatePanel(Static):
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
        self._shown: tuple[str, tuple[Any, ...]] | None = None  # the text and spans on screen
        self._lines: tuple[int, int] | None = None  # (lines, widest line) of that text

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._last_key = object()

    def show(self, state: AppState) -> None:
        key = self.slice_key(state)
        if key == self._last_key:
            return
        self._last_key = key
        content = self.render_state(state)
        shown = (content.plain, tuple(content.spans))
        if shown == self._shown:
            return  # a new second that reads the same ("for 5m"): nothing to repaint
        self._shown = shown
        # A panel's height follows its lines (height: auto); when the text has as many lines as before and none of
        # them wraps, the height stays and the screen needs no layout pass, only this panel a repaint.
        lines = content.plain.split("\n")
        shape = (len(lines), max(map(cell_len, lines)))
        width = self.content_region.width
        same_height = (
            self._lines is not None and self._lines[0] == shape[0] and 0 < max(self._lines[1], shape[1]) <= width
        )
        self._lines = shape
        self.update(content, layout=not same_height)

    def slice_key(self, state: AppState) -> Any:
        """A value that changes exactly when what this panel shows changes."""
        return id(state)

    def render_state(self, state: AppState) -> Content:
        raise NotImplementedError
