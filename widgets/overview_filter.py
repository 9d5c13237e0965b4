"""The overview's `/` box: rows whose context, namespace, name or phase contain every word typed."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from widgets.canary_table import CanaryTable


class OverviewFilter(Input):
    """`/` on the overview: rows whose context, namespace, name or phase contain every word typed."""

    DEFAULT_CSS = """
    OverviewFilter, OverviewFilter:focus { height: 1; border: none; padding: 0 1; margin: 0; }
    """
    # Shown in the key bar while the box has the keys: the screen's own keys would be typed into it.
    BINDINGS = [
        Binding("enter", "submit", "Done", key_display="⏎"),
        Binding("escape", "clear_filter", "Clear", key_display="Esc"),
    ]

    def __init__(self, **kwargs: object) -> None:
        # Not selected when it gets the focus: keys typed before that would be replaced by the next one.
        super().__init__(select_on_focus=False, **kwargs)  # type: ignore[arg-type]
        self.can_focus = False  # until `/` opens it: the keys go to the table

    # Focus moves at once, not on the next turn of the message loop (Widget.focus): keys typed right after `/`, or
    # right after Esc, are already queued and must reach the box, or the table (`/identity` typed fast opened
    # the detail screen on its `d`).
    def open(self) -> None:
        self.display = True
        self.can_focus = True
        self.screen.set_focus(self, scroll_visible=False)

    async def action_submit(self) -> None:
        await super().action_submit()
        # The filter stays; Enter again opens the highlighted canary.
        self.screen.set_focus(self.screen.query_one(CanaryTable), scroll_visible=False)

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.can_focus = False
        self.screen.set_focus(self.screen.query_one(CanaryTable), scroll_visible=False)


def matches(words: tuple[str, ...], text: str) -> bool:
    return all(word in text for word in words)
