"""A table of fixed-width text columns for a thousand rows that change many times a second.

Textual's DataTable renders every visible cell again through Rich after any update to any cell (its caches are
keyed by an update counter), which at 1,000 canaries and dozens of changes a second kept the UI thread busy
and key presses waiting. Here a row is one line of text built when its cells change; drawing a line is a crop
and a style. Only the lines of rows that changed are repainted; a re-sort repaints what is on screen.

The header stays on the first line; the rows scroll below it. The cursor follows its row through re-sorts.
Messages: RowHighlighted when the user moves the cursor (keys or mouse), HeaderSelected on a click on a title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

CELL_PADDING = 1
HORIZONTAL_STEP = 8


@dataclass
class _Batch:
    """What puts within one batch share: the lines on screen (found when first needed), whether rows were added."""

    window: tuple[int, int] | None = None
    added: bool = False


@lru_cache(maxsize=4096)
def _cell_meta(row: int, column: int) -> Style:
    return Style.from_meta({"row": row, "column": column})


class CanaryTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "canary-table--header",
        "canary-table--cursor",
        "canary-table--even-row",
        "canary-table--odd-row",
    }

    DEFAULT_CSS = """
    CanaryTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        & > .canary-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .canary-table--odd-row { }
        & > .canary-table--even-row { background: $surface-lighten-1 50%; }
        & > .canary-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .canary-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .canary-table--header { background-tint: $foreground 5%; }
        }
    }
    """

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("left", "scroll_columns(-1)", "Left", show=False),
        Binding("right", "scroll_columns(1)", "Right", show=False),
    ]

    class RowHighlighted(Message):
        def __init__(self, table: CanaryTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> CanaryTable:
            return self.table

    class HeaderSelected(Message):
        def __init__(self, table: CanaryTable, column: int) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> CanaryTable:
            return self.table

    class WindowChanged(Message):
        """Other rows may be on screen: the table scrolled, or its height changed."""

        def __init__(self, table: CanaryTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> CanaryTable:
            return self.table

    def __init__(self, titles: Sequence[str], widths: Sequence[int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.widths: tuple[int, ...] = ()
        self.shown: tuple[int, ...] = ()
        self.starts: list[int] = []
        self.total_width = 0
        self.padding = (CELL_PADDING, CELL_PADDING)
        self.header: tuple[str, ...] = ()
        self._cells: dict[str, tuple[str, ...]] = {}
        # Each row's cells padded to their columns, made when the row is drawn: a thousand rows change, a few dozen
        # are on screen. A row changed since its line was made keeps the cells that line shows in _stale, and only
        # the cells that differ are padded again.
        self._lines: dict[str, tuple[str, ...]] = {}
        self._stale: dict[str, tuple[str, ...]] = {}
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._cursor_key: str | None = None
        self._styles: dict[str, Style] | None = None
        self._batch: _Batch | None = None
        self.set_columns(titles, widths)

    def set_columns(
        self,
        titles: Sequence[str],
        widths: Sequence[int],
        padding: tuple[int, int] = (CELL_PADDING, CELL_PADDING),
        shown: Sequence[int] | None = None,
    ) -> None:
        """Column titles, widths and the cells' padding (left, right): a narrow terminal gets narrower columns
        with one space between them; the caller puts the rows in the matching forms. `shown`: the cells' indexes
        in the order they are drawn (a column added to the end of the cells can be drawn first); all, in order,
        by default."""
        if len(titles) != len(widths):
            raise ValueError("one width per column title")
        self.shown = tuple(range(len(widths))) if shown is None else tuple(shown)
        if sorted(self.shown) != list(range(len(widths))):
            raise ValueError("shown orders every column once")
        self.widths = tuple(widths)
        self.padding = padding
        self.starts = []
        x = 0
        for index in self.shown:
            self.starts.append(x)
            x += self.widths[index] + sum(padding)
        self.total_width = x
        self.header = self._line(titles)
        self._lines, self._stale = {}, {}
        self._resize()
        self.refresh()

    # --- content ----------------------------------------------------------------------------------------

    def _line(self, cells: Sequence[str]) -> tuple[str, ...]:
        """Each cell padded to its column, in the order drawn: one segment per cell when drawn."""
        if len(cells) != len(self.widths):
            raise ValueError("one cell per column")
        left, right = " " * self.padding[0], " " * self.padding[1]
        return tuple(left + set_cell_size(cells[i], self.widths[i]) + right for i in self.shown)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._cells

    def row_keys(self) -> list[str]:
        return list(self._order)

    def cells(self, key: str) -> tuple[str, ...]:
        return self._cells[key]

    def put(self, key: str, cells: Sequence[str]) -> bool:
        """Add a row at the end or change one; True when something changed."""
        with self.batch():
            return self._put(key, tuple(cells))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Puts within are one update: the window on screen is found once, and added rows laid out once."""
        if self._batch is not None:
            yield
            return
        self._batch = _Batch()
        try:
            yield
        finally:
            batch, self._batch = self._batch, None
            if batch.added:
                self._resize()
                self.refresh()

    def _put(self, key: str, cells: tuple[str, ...]) -> bool:
        old = self._cells.get(key)
        if old == cells:
            return False
        self._cells[key] = cells
        batch = self._batch
        assert batch is not None
        if old is None:
            self._index[key] = len(self._order)
            self._order.append(key)
            batch.added = True
            if self._cursor_key is None:
                self._cursor_key = key
            return True
        if key in self._lines:
            self._stale.setdefault(key, old)
        if batch.window is None:
            batch.window = self._window()
        line = self._index[key] + 1
        if batch.window[0] <= line < batch.window[1]:
            self.refresh_line(line)
        return True

    def line(self, key: str) -> tuple[str, ...]:
        """The row's cells as drawn: each padded to its column's width."""
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = self._line(self._cells[key])
            self._stale.pop(key, None)
        elif (shown := self._stale.pop(key, None)) is not None:
            line = self._lines[key] = self._relined(line, shown, self._cells[key])
        return line

    def _relined(self, line: tuple[str, ...], old: tuple[str, ...], cells: tuple[str, ...]) -> tuple[str, ...]:
        """`line` (the padded `old` cells) with only the cells that differ in `cells` padded again."""
        left, right = " " * self.padding[0], " " * self.padding[1]
        return tuple(
            text if old[i] == cells[i] else left + set_cell_size(cells[i], self.widths[i]) + right
            for text, i in zip(line, self.shown, strict=True)
        )

    def _window(self) -> tuple[int, int]:
        """The table lines (1 is the first row) on screen: a thousand rows change, a few dozen are shown, and a row
        scrolled into view is drawn from its cells then. Everything before the first layout."""
        height = self.size.height
        if not height:
            return (1, len(self._order) + 2)
        top = round(self.scroll_y)
        return (top + 1, top + height)

    def keys_in_view(self) -> list[str]:
        """The keys of the rows on screen, top to bottom."""
        first, last = self._window()
        return self._order[first - 1 : last - 1]

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.WindowChanged(self))

    def on_resize(self) -> None:
        self.post_message(self.WindowChanged(self))

    def remove(self, key: str) -> None:
        if key not in self._cells:
            return
        index = self._index[key]
        del self._cells[key]
        self._lines.pop(key, None)
        self._stale.pop(key, None)
        self._order.pop(index)
        self._reindex()
        if self._cursor_key == key:
            self._cursor_key = self._order[min(index, len(self._order) - 1)] if self._order else None
        self._resize()
        self.refresh()

    def sort(self, key: Callable[[tuple[str, ...]], Any], *, reverse: bool = False) -> None:
        """Order the rows by key(cells); the sort is stable, the cursor stays on its row."""
        self.sort_rows(lambda _row, cells: key(cells), reverse=reverse)

    def sort_by(self, keys: Mapping[str, Any], *, reverse: bool = False) -> None:
        """Order the rows by a key kept per row (every row must have one): no Python call per row."""
        self._reorder(sorted(self._order, key=keys.__getitem__, reverse=reverse))

    def sort_rows(self, key: Callable[[str, tuple[str, ...]], Any], *, reverse: bool = False) -> None:
        """Order the rows by key(row key, cells): for orders the cells do not show."""
        self._reorder(sorted(self._order, key=lambda k: key(k, self._cells[k]), reverse=reverse))

    def _reorder(self, order: list[str]) -> None:
        if order != self._order:
            old, self._order = self._order, order
            self._reindex()
            # Only the lines on screen whose row changed are drawn again: at 1,000 rows, most moves are off screen.
            first, last = self._window()
            for line in range(first, min(last, len(order) + 1)):
                index = line - 1
                if index >= len(old) or old[index] != order[index]:
                    self.refresh_line(line)
            if self._cursor_key is not None:
                self._scroll_to_row(self._index[self._cursor_key])

    def _reindex(self) -> None:
        self._index = {key: index for index, key in enumerate(self._order)}

    def _resize(self) -> None:
        self.virtual_size = Size(self.total_width, len(self._order) + 1)

    # --- cursor -----------------------------------------------------------------------------------------

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    @property
    def cursor_row(self) -> int:
        return self._index[self._cursor_key] if self._cursor_key is not None else -1

    def row_index(self, key: str) -> int:
        return self._index[key]

    def move_cursor(self, key: str, *, notify: bool = False) -> None:
        if key not in self._index or key == self._cursor_key:
            return
        old = self._cursor_key
        self._cursor_key = key
        if old is not None and old in self._index:
            self.refresh_line(self._index[old] + 1)
        self.refresh_line(self._index[key] + 1)
        self._scroll_to_row(self._index[key])
        if notify:
            self.post_message(self.RowHighlighted(self, key))

    def _move_to_index(self, index: int) -> None:
        if self._order:
            self.move_cursor(self._order[max(0, min(len(self._order) - 1, index))], notify=True)

    @property
    def _rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_row(self, index: int) -> None:
        if not self.scrollable_content_region.height:  # not laid out yet: once it is
            self.call_after_refresh(lambda: self._cursor_key is not None and self._scroll_to_row(self.cursor_row))
            return
        top = round(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + self._rows_visible:
            self.scroll_to(y=index - self._rows_visible + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self._move_to_index(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self._move_to_index(self.cursor_row + direction * self._rows_visible)

    def action_first(self) -> None:
        self._move_to_index(0)

    def action_last(self) -> None:
        self._move_to_index(len(self._order) - 1)

    def action_scroll_columns(self, direction: int) -> None:
        self.scroll_to(x=self.scroll_x + direction * HORIZONTAL_STEP, animate=False)

    def on_click(self, event: events.Click) -> None:
        y, x = event.y, event.x + round(self.scroll_x)
        if y == 0:
            drawn = max((i for i, start in enumerate(self.starts) if start <= x), default=0)
            self.post_message(self.HeaderSelected(self, self.shown[drawn]))
        else:
            self._move_to_index(round(self.scroll_y) + y - 1)

    # --- drawing ----------------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def on_focus(self) -> None:
        self._styles = None
        self.refresh()

    def on_blur(self) -> None:
        self._styles = None
        self.refresh()

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {
                component: self.get_component_rich_style(f"canary-table--{component}")
                for component in ("header", "cursor", "even-row", "odd-row")
            }
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = round(self.scroll_x)
        if y == 0:
            index, text, style = -1, self.header, self._style("header")
        else:
            index = round(self.scroll_y) + y - 1
            if not 0 <= index < len(self._order):
                return Strip.blank(width, self.rich_style)
            key = self._order[index]
            text = self.line(key)
            if key == self._cursor_key:
                style = self._style("cursor")
            else:
                style = self._style("even-row" if index % 2 else "odd-row")
        # Row and column as style meta, one segment per cell, as DataTable marks its cells for the mouse.
        strip = Strip(
            [Segment(cell, style + _cell_meta(index, column)) for column, cell in enumerate(text)], self.total_width
        )
        return strip.crop(scroll_x, scroll_x + width).adjust_cell_length(width, style)
