"""Textual's Footer, rebuilt only when what it shows changes, and without keeping old keys alive.

Textual's Footer recomposes its keys whenever the bindings of its screen are updated, which happens on every screen
pushed or popped even when the keys stay the same: a dozen widgets built and thrown away per key press, garbage that
later costs a long collection pause in the middle of some other key press. Here it recomposes only when the keys,
their descriptions or their enabled state changed.

Every key also binds to the Footer's `compact` reactive, and Textual drops the watchers of removed keys only when
`compact` changes (Textualize/textual#6666), so removed keys stayed reachable for as long as the app ran. After each
recompose the watchers of keys no longer in the DOM are dropped.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


def _shown_bindings(screen: Screen[Any]) -> tuple[Any, ...]:
    return tuple(
        (binding.key, binding.key_display, binding.description, binding.action, enabled, tooltip)
        for (_, binding, enabled, tooltip) in screen.active_bindings.values()
        if binding.show
    )


class Footer(TextualFooter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._composed_for: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        # Textual's Footer starts empty and builds its keys a frame later, once the screen reports its bindings;
        # they are known already when the screen composes, so the first frame shows them.
        if self.is_attached:
            self._bindings_ready = True
            self._composed_for = _shown_bindings(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        unchanged = self._composed_for is not None and self.is_attached and screen is self.screen
        if unchanged and _shown_bindings(screen) == self._composed_for:
            return
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        if self.is_attached:
            self._composed_for = _shown_bindings(self.screen)
        await super().recompose()
        watchers = getattr(self, "__watchers", {}).get("compact")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if getattr(node, "is_attached", True)]
