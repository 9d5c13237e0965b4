"""The screen's keys on the bottom line, drawn by one widget.

Textual's Footer builds a widget per key, and builds them a frame after the screen: with a dozen keys that was a
tenth of the time to the first full frame, and the keys were missing from it. This bar draws the same line
(key, description, the command palette on the right) from the screen's active bindings as plain content, and
draws it again only when those bindings change. A click on a key presses it.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.keys import key_to_character
from textual.screen import Screen
from textual.widget import Widget

from tui.base.key_groups import SPARE

# Keys whose name Textual does not turn back into the character they type.
_TYPED = {"minus": "-"}

KeyShown = tuple[str, str, str, bool]  # key, how it is displayed, description, enabled


def shown_keys(screen: Screen[Any]) -> tuple[list[KeyShown], KeyShown | None]:
    """The keys a footer shows (one per action, in binding order) and the command palette's key, if any."""
    app = screen.app
    palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
    keys: list[KeyShown] = []
    actions: set[str] = set()
    palette: KeyShown | None = None
    focused = screen.focused
    for key, (_, binding, enabled, _tooltip) in screen.active_bindings.items():
        if key == palette_key:
            palette = _shown(app.get_key_display(binding), binding, enabled)
        elif focused is not None and focused.check_consume_key(key, key_to_character(key) or _TYPED.get(key)):
            continue  # a text box takes the key as a character (`-` in a filter): it does not do what its label says
        elif binding.show and binding.action not in actions:
            actions.add(binding.action)
            keys.append(_shown(app.get_key_display(binding), binding, enabled))
    return keys, palette


def _shown(display: str, binding: Binding, enabled: bool) -> KeyShown:
    return binding.key, display, binding.description, enabled


KEY_STYLE = "bold $footer-key-foreground"
DESCRIPTION_STYLE = "$footer-description-foreground"


MAX_ROWS = 2


def _item(key: KeyShown, *, short: bool = False) -> Content:
    _, display, description, enabled = key
    if short:
        # The first word, and any arrow after it: `Faulty release` reads `Faulty`, `Sort ←` stays.
        first, *rest = description.split(" ")
        description = " ".join([first, *(word for word in rest if not word.isalpha())])
    item = Content.assemble((f" {display} ", KEY_STYLE), (f"{description} ", DESCRIPTION_STYLE))
    return item if enabled else item.stylize("dim")


def _spare_keys(screen: Screen[Any]) -> set[str]:
    return {key for key, (_, binding, _enabled, _tooltip) in screen.active_bindings.items() if binding.group is SPARE}


Row = list[tuple[Content, str]]


def _arranged(keys: list[KeyShown], width: int, right_width: int) -> tuple[list[Row], bool]:
    """The keys in rows, and whether their descriptions are shortened: one row with full descriptions, else one-word
    ones, else two rows."""
    rows: list[Row] = [[]]
    short = False
    for max_rows, short in ((1, False), (1, True), (MAX_ROWS, False), (MAX_ROWS, True)):
        rows = [[]]
        x = 0
        for key in keys:
            item = _item(key, short=short)
            room = width - right_width if len(rows) == 1 else width
            if x + item.cell_length > room and rows[-1]:
                rows.append([])
                x = 0
            rows[-1].append((item, key[0]))
            x += item.cell_length
        if len(rows) <= max_rows:
            break
    return rows, short


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
    }
    """
    ALLOW_SELECT = False

    def __init__(self) -> None:
        super().__init__()
        self._keys: tuple[list[KeyShown], KeyShown | None] | None = None
        # Where each key was drawn (row, first cell, cell after the last, key), for clicks.
        self._spans: list[tuple[int, int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and shown_keys(screen) != self._keys:
            self._fit_height(self.size.width)
            self.refresh()

    def _lines(self, width: int) -> tuple[list[Content], list[tuple[int, int, int, str]]]:
        """The bar's rows and where each key was drawn (row, first cell, cell after the last, key)."""
        self._keys = shown_keys(self.screen)
        keys, palette = self._keys
        right = Content("")
        if palette is not None:
            _, display, description, _ = palette
            right = Content.assemble(
                ("▏", "$foreground 20%"), (display, KEY_STYLE), (f" {description} ", DESCRIPTION_STYLE)
            )
        rows, short = _arranged(keys, width, right.cell_length)
        spare = _spare_keys(self.screen)
        if spare & {key[0] for key in keys}:
            # A spare key is shown only where it costs no row and no shortened descriptions, and pushes no key off.
            kept = [key for key in keys if key[0] not in spare]
            rows_without, short_without = _arranged(kept, width, right.cell_length)
            if (len(rows), short) > (len(rows_without), short_without) or len(rows) > MAX_ROWS:
                rows = rows_without
        lines: list[Content] = []
        spans: list[tuple[int, int, int, str]] = []
        for y, row in enumerate(rows[:MAX_ROWS]):
            room = width - right.cell_length if y == 0 else width
            x = 0
            for item, key_name in row:
                if x < room:  # a key past the edge (only on a terminal too small for the app) cannot be clicked
                    spans.append((y, x, min(room, x + item.cell_length), key_name))
                x += item.cell_length
            line = Content.assemble(*(item for item, _ in row)).truncate(room, pad=True)
            lines.append(line + right if y == 0 else line)
        if palette is not None:
            spans.append((0, width - right.cell_length, width, palette[0]))
        return lines, spans

    def rows_needed(self, width: int) -> int:
        return len(self._lines(width)[0])

    def on_resize(self, event: events.Resize) -> None:
        self._fit_height(event.size.width)

    def _fit_height(self, width: int) -> None:
        if width > 0:
            self.styles.height = self.rows_needed(width)

    def render(self) -> Content:
        lines, spans = self._lines(self.size.width)
        self._spans = spans
        return Content("\n").join(lines)

    def on_click(self, event: events.Click) -> None:
        for y, start, end, key in self._spans:
            if y == event.y and start <= event.x < end:
                if key == self.app.COMMAND_PALETTE_BINDING:
                    self.app.action_command_palette()
                else:
                    self.app.simulate_key(key)
                return
