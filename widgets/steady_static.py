"""Text that many frames set again (panels, summary lines): repainted only when it changes."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Static


class SteadyStatic(Static):
    """Static text set again on every state (the panels, the overview's summary and notes). An unchanged text
    costs nothing; a changed one whose lines are as many as before and none wraps repaints only itself (its height
    follows its lines), because a layout pass reflows the whole screen and repaints the table's scrollbar with it."""

    def __init__(self, content: VisualType = "", **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[str, tuple[object, ...]] | None = None
        self._shape: tuple[int, int] | None = None

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        if isinstance(content, str):
            shown: tuple[str, tuple[object, ...]] = (content, ())
        elif isinstance(content, Content):
            shown = (content.plain, tuple(content.spans))
        else:  # anything else is not compared
            self._shown = self._shape = None
            super().update(content, layout=layout)
            return
        if shown == self._shown:
            return
        self._shown = shown
        lines = shown[0].split("\n")
        shape = (len(lines), max(map(cell_len, lines)))
        width = self.content_region.width
        steady = self._shape is not None and self._shape[0] == shape[0] and 0 < max(self._shape[1], shape[1]) <= width
        self._shape = shape
        super().update(content, layout=layout and not steady)
