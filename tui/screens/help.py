"""Help (key `?`): every key, what it does here, and where it acts."""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from tui.screens import keys, moves


class KeyTable(Widget):
    """Keys right-aligned in a narrow column, their text wrapped beside them.

    One widget rather than a row of two per key: the help opens in about a third of the time (what a key press
    costs matters most when the machine is busy).
    """

    DEFAULT_CSS = "KeyTable { height: auto; }"
    KEY_WIDTH = 6
    GAP = 2

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def _lines(self, width: int) -> list[Content]:
        indent = self.KEY_WIDTH + self.GAP
        lines: list[Content] = []
        for key, text in self.keys:
            wrapped = textwrap.wrap(text, max(10, width - indent)) or [""]
            lines.append(Content.assemble((f"{key:>{self.KEY_WIDTH}}", "bold $accent"), " " * self.GAP, wrapped[0]))
            lines.extend(Content(" " * indent + rest) for rest in wrapped[1:])
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.size.width))


class HelpScreen(ModalScreen[None]):
    BINDINGS = keys.bindings(moves.HELP)

    def __init__(self, mode: str, read_only: bool) -> None:
        super().__init__()
        self.mode = mode
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Content.styled("canaryscope keys", "bold $accent"), classes="help-title")
            yield KeyTable(keys.help_lines())
            note = f"Source: {self.mode}. The same keys act in the simulation and on a cluster."
            if self.read_only:
                note += " Read-only: every action that changes the cluster or sends load is disabled."
            yield Static(Content.styled(f"{note}\nEsc closes this help.", "$text-muted"), classes="help-note")

    def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
