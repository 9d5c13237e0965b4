"""The yardstick: the smallest Textual app with a header, one line of text and a footer."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

READY_TEXT = "minimal app: every widget shows data"


TOGGLED_TEXT = "minimal app: toggled"


class MinimalApp(App[None]):
    # `t` and Escape change the text: the yardstick for key press to frame.
    BINDINGS = [("q", "quit", "Quit"), ("t", "toggle", "Toggle"), ("escape", "toggle", "Toggle")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(READY_TEXT, id="text")
        yield Footer()

    def action_toggle(self) -> None:
        text = self.query_one("#text", Static)
        text.update(TOGGLED_TEXT if str(text.content) == READY_TEXT else READY_TEXT)


if __name__ == "__main__":
    MinimalApp().run()
