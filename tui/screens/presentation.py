"""Presentation mode (key `z`): the phase, the traffic split and the success rates, large enough for the back
of a room; everything else hidden. The same key comes back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Digits, Static

from tui.narration import narrate
from tui.state import AppState
from widgets import formatting as fmt
from widgets.key_bar import KeyBar
from widgets.metrics_panel import thresholds
from widgets.status_panel import canary_weight
from widgets.traffic_panel import CANARY_GLYPH, PRIMARY_GLYPH

PHASE_CLASSES = {
    "Succeeded": "-good",
    "Promoting": "-good",
    "Finalising": "-good",
    "Failed": "-bad",
    "WaitingPromotion": "-waiting",
    "Waiting": "-waiting",
    "Progressing": "-active",
}


class PresentationScreen(Screen[None]):
    BINDINGS = [
        Binding("z", "app.presentation", "Back", key_display="z"),
        Binding("escape", "app.back", "Back", show=False),
    ]

    DEFAULT_CSS = """
    PresentationScreen { layout: vertical; padding: 0 2; }
    PresentationScreen #p-title { height: 1; color: $text-muted; }
    PresentationScreen #p-phase { height: 5; content-align: center middle; text-style: bold; background: $panel;
                                  margin-top: 1; }
    PresentationScreen #p-phase.-active { background: $accent 40%; }
    PresentationScreen #p-phase.-good { background: $success 40%; }
    PresentationScreen #p-phase.-bad { background: $error 50%; }
    PresentationScreen #p-phase.-waiting { background: $warning 40%; }
    PresentationScreen .p-row { height: auto; margin-top: 2; }
    PresentationScreen .p-cell { width: 1fr; height: auto; align: center top; }
    PresentationScreen .p-label { width: 100%; text-align: center; color: $text-muted; text-style: bold; }
    PresentationScreen Digits { width: 100%; text-align: center; }
    PresentationScreen .p-mark { width: 100%; text-align: center; height: 1; }
    PresentationScreen #p-bar { height: 5; margin-top: 1; }
    PresentationScreen #p-narration { height: auto; margin-top: 2; text-style: bold; text-align: center; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="p-title")
        yield Static("", id="p-phase")
        with Horizontal(classes="p-row"):
            with Vertical(classes="p-cell"):
                yield Static("PRIMARY", classes="p-label")
                yield Digits("", id="p-primary-weight")
            with Vertical(classes="p-cell"):
                yield Static("CANARY", classes="p-label")
                yield Digits("", id="p-canary-weight")
        yield Static("", id="p-bar")
        with Horizontal(classes="p-row"):
            with Vertical(classes="p-cell"):
                yield Static("", id="p-primary-label", classes="p-label")
                yield Digits("", id="p-primary-rate")
                yield Static("", id="p-primary-mark", classes="p-mark")
            with Vertical(classes="p-cell"):
                yield Static("", id="p-canary-label", classes="p-label")
                yield Digits("", id="p-canary-rate")
                yield Static("", id="p-canary-mark", classes="p-mark")
        yield Static("", id="p-narration")
        yield KeyBar()

    def on_resize(self) -> None:
        self.call_after_refresh(self.on_screen_resume)

    def on_screen_resume(self) -> None:
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self.show_state(state)

    def show_top_line(self, state: AppState) -> None:
        view = state.selected_view
        if self.is_mounted and view is not None:
            label = self.app.source.label  # type: ignore[attr-defined]
            self.query_one("#p-title", Static).update(f"{view.key} · {label} · {fmt.clock(state.now)}")

    def show_state(self, state: AppState) -> None:
        if not self.is_mounted:
            return
        view = state.selected_view
        phase = self.query_one("#p-phase", Static)
        if view is None:
            phase.update("No canary in scope yet")
            return
        info = view.info
        label, _ = fmt.phase_label(info.phase)
        suspended = "   ॥ SUSPENDED" if info.suspend else ""
        phase.update(f"{label.upper()}{suspended}")
        phase.set_classes(PHASE_CLASSES.get(info.phase or "", ""))
        self.show_top_line(state)
        weight, _status = canary_weight(state, view)
        router = state.router_for(view)
        primary = (
            router.primary_weight
            if router and router.primary_weight is not None
            else (100 - weight if weight is not None else None)
        )
        self.query_one("#p-primary-weight", Digits).update(f"{fmt.number(primary)}")
        self.query_one("#p-canary-weight", Digits).update(f"{fmt.number(weight)}")
        bar = self.query_one("#p-bar", Static)
        width = max(10, bar.size.width or self.size.width - 4)
        if primary is not None and weight is not None:
            canary_cells = max(1, round(width * weight / 100)) if weight else 0
            line = Content.assemble(
                (PRIMARY_GLYPH * (width - canary_cells), "$primary"), (CANARY_GLYPH * canary_cells, "$warning")
            )
            bar.update(Content("\n").join([line] * 5))
        success_min, _ = thresholds(view)
        for role, deployment in (("primary", f"{info.target}-primary"), ("canary", info.target)):
            series = state.series(view.key.namespace, deployment)
            rate = series[-1].success_rate if series else None
            self.query_one(f"#p-{role}-label", Static).update(f"{role.upper()} SUCCESS RATE (min {success_min:g} %)")
            self.query_one(f"#p-{role}-rate", Digits).update("--" if rate is None else f"{rate:.1f}")
            mark = self.query_one(f"#p-{role}-mark", Static)
            if rate is None:
                mark.update(Content.styled("no traffic", "$text-muted"))
            elif rate < success_min:
                mark.update(Content.styled("✖ below the threshold", "$error bold"))
            else:
                mark.update(Content.styled("✔ healthy", "$success bold"))
        self.query_one("#p-narration", Static).update(narrate(state))
