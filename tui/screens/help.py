"""Help (key `?`): every key, what it does here, and where it acts."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
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
    ("ctrl+p", "Command palette: every action by name"),
    ("?", "This help"),
    ("q", "Quit (stops every load generator)"),
]


KEY_WIDTH = 8


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
            # One table rather than a row of widgets per key: the screen composes in a fraction of the time.
            yield Static(self._keys_table(), classes="help-keys")
            note = f"Source: {self.mode}. The same keys act in the simulation and on a cluster."
            if self.read_only:
                note += " Read-only: every action that changes the cluster or sends load is disabled."
            yield Static(Content.styled(f"{note}\nEsc closes this help.", "$text-muted"), classes="help-note")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())

    def _restyle(self) -> None:
        self.query_one(".help-keys", Static).update(self._keys_table())

    def _keys_table(self) -> Table:
        accent = self.app.theme_variables.get("accent", "yellow")
        table = Table.grid(expand=True)
        table.add_column(width=KEY_WIDTH, no_wrap=True, style=f"bold {accent}")
        table.add_column(ratio=1)
        for key, text in KEYS:
            table.add_row(f"{key:>{KEY_WIDTH - 2}}  ", text)
        return table

    def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
