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
from textual.screen import Screen
from textual.widget import Widget

KeyShown = tuple[str, str, str, bool]  # key, how it is displayed, description, enabled


def shown_keys(screen: Screen[Any]) -> tuple[list[KeyShown], KeyShown | None]:
    """The keys a footer shows (one per action, in binding order) and the command palette's key, if any."""
    app = screen.app
    palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
    keys: list[KeyShown] = []
    actions: set[str] = set()
    palette: KeyShown | None = None
    for key, (_, binding, enabled, _tooltip) in screen.active_bindings.items():
        if key == palette_key:
            palette = _shown(app.get_key_display(binding), binding, enabled)
        elif binding.show and binding.action not in actions:
            actions.add(binding.action)
            keys.append(_shown(app.get_key_display(binding), binding, enabled))
    return keys, palette


def _shown(display: str, binding: Binding, enabled: bool) -> KeyShown:
    return binding.key, display, binding.description, enabled


KEY_STYLE = "bold $footer-key-foreground"
DESCRIPTION_STYLE = "$footer-description-foreground"


def _item(key: KeyShown) -> Content:
    _, display, description, enabled = key
    item = Content.assemble((f" {display} ", KEY_STYLE), (f"{description} ", DESCRIPTION_STYLE))
    return item if enabled else item.stylize("dim")


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
        # Where each key was drawn (first cell, cell after the last, key), for clicks.
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and shown_keys(screen) != self._keys:
            self.refresh()

    def render(self) -> Content:
        self._keys = shown_keys(self.screen)
        keys, palette = self._keys
        right = Content("")
        if palette is not None:
            _, display, description, _ = palette
            right = Content.assemble(
                ("▏", "$foreground 20%"), (display, KEY_STYLE), (f" {description} ", DESCRIPTION_STYLE)
            )
        room = max(0, self.size.width - right.cell_length)
        spans: list[tuple[int, int, str]] = []
        items: list[Content] = []
        x = 0
        for key in keys:
            item = _item(key)
            if x < room:  # keys past the palette's place are cut off, and cannot be clicked
                spans.append((x, min(room, x + item.cell_length), key[0]))
            items.append(item)
            x += item.cell_length
        if palette is not None:
            spans.append((room, room + right.cell_length, palette[0]))
        self._spans = spans
        return Content.assemble(*items).truncate(room, pad=True) + right

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                if key == self.app.COMMAND_PALETTE_BINDING:
                    self.app.action_command_palette()
                else:
                    self.app.simulate_key(key)
                return
