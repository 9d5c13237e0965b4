"""Help (key `?`): every key, what it does here, and where it acts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
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


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, mode: str, read_only: bool) -> None:
        super().__init__()
        self.mode = mode
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Content.styled("canaryscope keys", "bold $accent"), classes="help-title")
            for key, text in KEYS:
                with Horizontal(classes="help-row"):
                    yield Static(Content.styled(key, "bold $accent"), classes="help-key")
                    yield Static(text, classes="help-text")
            note = f"Source: {self.mode}. The same keys act in the simulation and on a cluster."
            if self.read_only:
                note += " Read-only: every action that changes the cluster or sends load is disabled."
            yield Static(Content.styled(f"{note}\nEsc closes this help.", "$text-muted"), classes="help-note")

    def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
