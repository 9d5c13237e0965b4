"""Help (key `?`): every key, what it does here, and where it acts."""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

KEYS: list[tuple[str, str]] = [
    ("r", "Release a new version: a new ECHO_VALUE in the target's pod template; Flagger starts an analysis"),
    ("R", "Release a faulty version: the same plus SERVER_ERROR_RATE, so the canary fails its checks"),
    ("l", "Background load on/off (like hey -c 5 -q 5 …/examine?delay=100..250)"),
    ("e", "Inject errors for 4 minutes (like hey -c 2 -q 2 -z 4m …?status=500); hits primary and canary"),
    ("p", "Promote: open the promotion gate, or set spec.skipAnalysis when the canary has no gate"),
    ("a", "Abort: open the loadtester's rollback gate; Flagger rolls back at its next tick"),
    ("s", "Suspend / resume the canary (spec.suspend): Flagger skips it, routing stays as it is"),
    ("d", "Detail charts of success rate, p99 latency and request rate (Esc to come back)"),
    ("/", "Filter the event log (Esc clears)"),
    ("n", "Next canary, when there are several"),
    ("o", "Overview of every canary in scope (Enter opens one, Esc comes back)"),
    ("z", "Presentation mode: phase, traffic and success rates, large (z again to come back)"),
    ("t", "Next theme: dark, light, high contrast, the terminal's 16 colours"),
    ("ctrl+s", "Save an SVG screenshot (--screenshot-dir)"),
    ("ctrl+p", "Command palette: every action by name"),
    ("?", "This help"),
    ("q", "Quit (stops every load generator)"),
]


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
    BINDINGS = [
        Binding("escape", "app.back", "Close"),
        Binding("question_mark", "app.help", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
        # The app's keys do not reach past the help's scrolling box: these close the help and act below it.
        Binding("o", "app.overview", "Overview", show=False),
        Binding("d", "app.detail", "Detail", show=False),
        Binding("z", "app.presentation", "Present", show=False),
        Binding("enter", "app.open_rollout", "Open", show=False),
    ]

    def __init__(self, mode: str, read_only: bool) -> None:
        super().__init__()
        self.mode = mode
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Content.styled("canaryscope keys", "bold $accent"), classes="help-title")
            yield KeyTable(KEYS)
            note = f"Source: {self.mode}. The same keys act in the simulation and on a cluster."
            if self.read_only:
                note += " Read-only: every action that changes the cluster or sends load is disabled."
            yield Static(Content.styled(f"{note}\nEsc closes this help.", "$text-muted"), classes="help-note")

    def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
