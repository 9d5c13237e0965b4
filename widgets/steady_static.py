"""Text that many frames set again (panels, summary lines): repainted only when it changes."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Region
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static

Line = tuple[str, tuple[object, ...]]


class SteadyStatic(Static):
    """Static text set again on every state (the panels, the overview's summary and notes). An unchanged text
    costs nothing; a changed one whose lines are as many as before and none wraps, or one in a widget whose size the
    stylesheet fixes, repaints only itself, because a layout pass reflows the whole screen and repaints the table's
    scrollbar with it.
    Of a Content whose lines keep their number and fit, only the lines that differ are repainted: a panel whose
    countdown ticks each second redraws that line, not its border and every other line with it."""

    def __init__(self, content: VisualType = "", **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[str, tuple[object, ...]] | None = None
        self._shape: tuple[int, int] | None = None
        self._lines: list[Line] | None = None  # the Content's lines as last shown
        self._only: list[int] | None = None  # the lines the next refresh repaints (None: the whole widget)

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
        before, self._lines = self._lines, _lines_of(content) if isinstance(content, Content) else None
        if steady and before is not None and self._lines is not None and len(before) == len(self._lines):
            self._only = [y for y, (old, new) in enumerate(zip(before, self._lines, strict=True)) if old != new]
        try:
            # A widget whose size the stylesheet fixes (the rollout screen's panels) is laid out the same whatever
            # its text: only one whose height or width follows its text may move the rest of the screen.
            super().update(content, layout=layout and not steady and self._sized_by_text())
        finally:
            self._only = None

    def _sized_by_text(self) -> bool:
        styles = self.styles
        height, width = styles.height, styles.width
        return height is None or height.is_auto or width is None or width.is_auto

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Widget:
        only = self._only
        if only is not None and not regions and repaint and not layout and not recompose and self.is_mounted:
            width = self.content_region.width
            return super().refresh(*(Region(0, y, width, 1) for y in only))
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


def _lines_of(content: Content) -> list[Line]:
    return [(line.plain, tuple(line.spans)) for line in content.split("\n")]
