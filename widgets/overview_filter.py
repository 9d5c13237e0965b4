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
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.can_focus = False  # until `/` opens it: the keys go to the table

    def open(self) -> None:
        self.display = True
        self.can_focus = True
        self.focus()

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.can_focus = False
        self.screen.query_one(CanaryTable).focus()


def matches(words: tuple[str, ...], text: str) -> bool:
    return all(word in text for word in words)
