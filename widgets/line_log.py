"""A scrolling log of Rich Text lines, wrapped to its width and bounded.

What the events panel needs of Textual's RichLog, without what costs before the first frame: RichLog pulls in
rich.pretty (and attrs) when imported, and holds every write until it has been laid out, so the log was empty
in the first frame. This log keeps its entries, wraps them when it paints at a width it has not wrapped them at
yet, and wraps them again when that width changes.
"""

from __future__ import annotations

from collections import deque

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LineLog(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LineLog {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    def __init__(self, max_lines: int, *, min_width: int = 20, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self.max_entry_lines = max(1, min(20, max_lines // 2))
        self.min_width = min_width
        self._entries: deque[Text] = deque()
        # The entries wrapped at the width in `_wrapped_at` (0: not wrapped yet), and how many lines each took.
        self._lines: list[Strip] = []
        self._counts: deque[int] = deque()
        self._wrapped_at = 0
        # The view stays on the newest line until the reader scrolls up. Decided when the view moves, not when lines
        # arrive: a log that got shorter (a panel above it grew) is still following, though no longer at its end.
        self.following = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.following = new_value >= self.max_scroll_y - 1

    def follow(self) -> None:
        """Scroll to the newest line once the layout has taken in what was written, if the view is following."""
        if self.following:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    @property
    def lines(self) -> list[Strip]:
        self._wrap_to(self._width())
        return self._lines

    def write(self, text: Text) -> None:
        self._entries.append(text)
        if self._wrapped_at:
            lines = self._wrap(text, self._wrapped_at)
            self._lines.extend(lines)
            self._counts.append(len(lines))
        self._trim()
        self._resize()
        self.refresh()

    def clear(self) -> None:
        self._entries.clear()
        self._lines = []
        self._counts.clear()
        self._resize()
        self.refresh()

    def _width(self) -> int:
        return max(self.min_width, self.scrollable_content_region.width)

    def _wrap(self, text: Text, width: int) -> list[Strip]:
        console = self.app.console
        limit = self.max_entry_lines
        if len(text) > width * limit:
            # Wrapping is linear in the text; a giant entry is cut before, not after.
            text = text[: width * limit]
        segments = console.render(text, console.options.update_width(width))
        lines = [Strip(line).adjust_cell_length(width) for line in Segment.split_lines(segments)]
        if len(lines) > limit:
            # One entry never takes more than its share, so it can neither push every other entry out nor be
            # dropped whole by the trim below.
            lines = lines[:limit]
            last = lines[-1]
            lines[-1] = Strip.join([last.crop(0, width - 1), Strip([Segment("…")])]).adjust_cell_length(width)
        return lines or [Strip.blank(width)]

    def _wrap_to(self, width: int) -> None:
        if width == self._wrapped_at or not self.scrollable_content_region.width:
            return
        self._wrapped_at = width
        self._lines = []
        self._counts.clear()
        for text in self._entries:
            lines = self._wrap(text, width)
            self._lines.extend(lines)
            self._counts.append(len(lines))
        self._trim()
        self._resize()

    def _trim(self) -> None:
        """Drop the oldest entries while there are more than `max_lines` entries or wrapped lines."""
        dropped_lines = 0
        limit = self.max_lines
        while len(self._entries) > 1 and (len(self._lines) - dropped_lines > limit or len(self._entries) > limit):
            self._entries.popleft()
            if self._counts:
                dropped_lines += self._counts.popleft()
        if dropped_lines:
            del self._lines[:dropped_lines]

    def _resize(self) -> None:
        self.virtual_size = Size(self._wrapped_at, len(self._lines))

    def on_resize(self) -> None:
        self._wrap_to(self._width())
        self.follow()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._wrap_to(self._width())  # the first paint comes before the first resize event
        index = self.scroll_offset.y + y
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, self.rich_style)
        return self._lines[index].crop_extend(0, width, self.rich_style).apply_style(self.rich_style)
