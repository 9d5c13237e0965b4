"""Presentation mode (key `z`): the phase, the traffic split and the success rates, large enough for the back
of a room; everything else hidden. The same key comes back."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.domain import facts, wording
from tui.domain.flagger.strategy import Strategy
from tui.domain.forecast import forecast_line, forecast_short
from tui.domain.narration import narrate
from tui.domain.progress import matched_share, strategy_for
from tui.domain.state import AppState
from tui.screens import keys, moves
from widgets import big_text
from widgets.big_text import BigText
from widgets.drawing import split_bar
from widgets.key_bar import KeyBar

PHASE_CLASSES = {
    "Succeeded": "-good",
    "Promoting": "-good",
    "Finalising": "-good",
    "Failed": "-bad",
    "WaitingPromotion": "-waiting",
    "Waiting": "-waiting",
    "Progressing": "-active",
}

# Rows that are not block type: title, the note under the phase, the two label rows, the verdicts, the key bar
# and the smallest traffic bar.
FIXED_ROWS = 7
TIERS = (*big_text.SIZES, 1)  # the drawn sizes, then plain text
TYPICAL_PHASE = "▶ PROGRESSING"
WIDEST_WEIGHT = "100%"


@dataclass(frozen=True)
class Plan:
    """Rows given to each band of block type, to the traffic bar and to the blank rows between the sections."""

    phase: int
    weights: int
    rates: int
    bar: int
    gaps: tuple[int, int, int]


def widest_rate(decimals: int) -> str:
    return f"100.{'0' * decimals}%"


def plan(width: int, height: int, narration_rows: int, decimals: int = 1) -> Plan:
    """The largest type that fits the screen's content area (width x height), the success rates first, then the
    phase, then the weights (never larger than the rates). The bands never differ by more than one size, and the
    widest value each can show decides, so the layout does not jump while the numbers change."""
    inner = max(1, width)
    cell = inner // 2

    def fits(text: str, space: int, rows: int) -> bool:
        return rows == 1 or big_text.width(text, rows) <= space

    budget = height - FIXED_ROWS - narration_rows
    best: tuple[int, int, int, int] | None = None
    for r, rates in enumerate(TIERS):
        for p, phase in enumerate(TIERS):
            for w, weights in enumerate(TIERS):
                if abs(p - r) > 1 or w < r or w - r > 1 or phase + weights + rates > budget:
                    continue
                if not (
                    fits(widest_rate(decimals), cell, rates)
                    and fits(TYPICAL_PHASE, inner, phase)
                    and fits(WIDEST_WEIGHT, cell, weights)
                ):
                    continue
                # Even sizes before a larger phase: 5/5/5 reads better than a 7-row phase over 3-row weights.
                rank = (rates, min(phase, weights), phase, weights)
                if best is None or rank > best:
                    best = rank
    rates, _, phase, weights = best or (1, 1, 1, 1)
    spare = max(0, budget - rates - phase - weights)
    bar_extra = min(4, spare // 3)
    left = spare - bar_extra
    gaps = (left - 2 * (left // 3), left // 3, left // 3)
    return Plan(phase=phase, weights=weights, rates=rates, bar=1 + bar_extra, gaps=gaps)


def forecast_note(state: AppState, width: int) -> str:
    """The forecast under the phase, as the canary panel words it; its short form where the line does not fit."""
    view = state.selected_view
    ahead = state.forecasts.get(view.key) if view is not None else None
    line = forecast_line(ahead)
    return line if cell_len(line) <= width else forecast_short(ahead)


def rate_decimals(minimum: float) -> int:
    """One decimal, or as many as the minimum has, so that the digits can show which side of it a rate is."""
    text = f"{minimum:g}"
    return max(1, min(3, len(text.partition(".")[2])))


def rate_text(rate: float, decimals: int) -> str:
    """Truncated, not rounded: 98.96 against a minimum of 99 reads 98.9, never 99.0 beside a failing verdict."""
    factor = 10**decimals
    return f"{math.floor(round(rate * factor, 6)) / factor:.{decimals}f}%"


def verdict(rate: float | None, minimum: float, decimals: int) -> tuple[str, str, str]:
    """(digits, style, the verdict under them) for a success rate, judged as Flagger judges it."""
    if rate is None:
        return "--", "$text-muted", "no data"
    if facts.meets_success_min(rate, minimum):
        return rate_text(rate, decimals), "$success", f"✔ meets ≥ {minimum:g} %"
    return rate_text(rate, decimals), "$error", f"✖ below {minimum:g} %"


class PresentationScreen(Screen[None]):
    BINDINGS = keys.bindings(moves.PRESENTATION)

    DEFAULT_CSS = """
    PresentationScreen { layout: vertical; padding: 0 2; }
    PresentationScreen #p-title { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    PresentationScreen #p-phase { background: $panel; }
    PresentationScreen #p-phase.-active { background: $accent 40%; }
    PresentationScreen #p-phase.-good { background: $success 40%; }
    PresentationScreen #p-phase.-bad { background: $error 50%; }
    PresentationScreen #p-phase.-waiting { background: $warning 40%; }
    PresentationScreen #p-note {
        height: 1; text-align: center; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis;
    }
    PresentationScreen .p-gap { height: 0; }
    PresentationScreen .p-row { height: auto; }
    PresentationScreen .p-cell { width: 1fr; height: auto; }
    PresentationScreen .p-label, PresentationScreen .p-mark {
        width: 100%; height: 1; text-align: center; text-wrap: nowrap; text-overflow: ellipsis;
    }
    PresentationScreen .p-label { color: $text-muted; text-style: bold; }
    PresentationScreen .p-mark { text-style: bold; }
    PresentationScreen #p-bar { height: 1; }
    PresentationScreen #p-narration { height: auto; text-style: bold; text-align: center; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="p-title", markup=False)
        yield BigText(id="p-phase")
        yield Static("", id="p-note")
        yield Static("", classes="p-gap")
        with Horizontal(classes="p-row"):
            with Vertical(classes="p-cell"):
                yield Static("PRIMARY", classes="p-label")
                yield BigText(id="p-primary-weight")
            with Vertical(classes="p-cell"):
                yield Static("CANARY", classes="p-label")
                yield BigText(id="p-canary-weight")
        yield Static("", id="p-bar")
        yield Static("", classes="p-gap")
        with Horizontal(classes="p-row"):
            for role in ("primary", "canary"):
                with Vertical(classes="p-cell"):
                    yield Static("", id=f"p-{role}-label", classes="p-label")
                    yield BigText(id=f"p-{role}-rate")
                    yield Static("", id=f"p-{role}-mark", classes="p-mark")
        yield Static("", classes="p-gap")
        yield Static("", id="p-narration", markup=False)
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
            self.query_one("#p-title", Static).update(Content(f"{view.key} · {label} · {wording.clock(state.now)}"))

    def show_state(self, state: AppState) -> None:
        if not self.is_mounted:
            return
        view = state.selected_view
        width, height = self.size  # the content area, inside the padding
        inner = max(1, width)
        read_only = bool(getattr(getattr(self.app, "actions", None), "read_only", False))
        # Content, not a markup string: the sentence quotes names and hook names from the cluster.
        narration = Content(narrate(state, read_only=read_only))
        if state.caption is not None:  # a script's `say`, above what Flagger is doing
            narration = Content.assemble((state.caption, "$accent"), "\n", narration)
        self.query_one("#p-narration", Static).update(narration)
        success_min, _ = facts.thresholds(view) if view is not None else (0.0, 0.0)
        decimals = rate_decimals(success_min)
        keys = self.query_one(KeyBar)
        # The key bar takes two rows where one does not hold every key (80 columns).
        extra_key_rows = keys.rows_needed(keys.size.width or self.app.size.width) - 1
        sizes = plan(width, height, len(narration.wrap(inner)) + extra_key_rows, decimals)
        self.query_one("#p-bar", Static).styles.height = sizes.bar
        for gap, rows in zip(self.query(".p-gap"), sizes.gaps, strict=True):
            gap.styles.height = rows
        phase = self.query_one("#p-phase", BigText)
        if view is None:
            phase.show("No canary in scope yet", rows=sizes.phase)
            return
        info = view.info
        phase.show(wording.phase_text(info.phase).upper(), rows=sizes.phase)
        phase.set_classes(PHASE_CLASSES.get(info.phase or "", ""))
        note = "॥ SUSPENDED: Flagger skips this canary every tick" if info.suspend else forecast_note(state, inner)
        self.query_one("#p-note", Static).update(note)
        self.show_top_line(state)
        primary, weight = facts.split(state, view)
        if strategy_for(state, view) is Strategy.AB:
            # An A/B route's 0/100 is its match rule's: the share of requests that matched is what the canary gets.
            share = matched_share(state, view)
            weight = round(share) if share is not None else None
            primary = 100 - weight if weight is not None else None
        self.query_one("#p-primary-weight", BigText).show(wording.weight(primary), "$primary", sizes.weights)
        self.query_one("#p-canary-weight", BigText).show(wording.weight(weight), "$warning", sizes.weights)
        bar = self.query_one("#p-bar", Static)
        bar_width = max(10, bar.size.width or inner)
        if primary is not None and weight is not None:
            line = split_bar(primary, weight, bar_width)
            bar.update(Content("\n").join([line] * sizes.bar))
        for role, series in (
            ("primary", facts.primary_series(state, view)),
            ("canary", facts.canary_series(state, view)),
        ):
            sample = facts.latest(series, state.now, facts.stale_after(view, series))
            rate = sample.success_rate if sample is not None else None
            self.query_one(f"#p-{role}-label", Static).update(f"{role.upper()} SUCCESS RATE")
            digits, style, mark = verdict(rate, success_min, decimals)
            self.query_one(f"#p-{role}-rate", BigText).show(digits, style, sizes.rates)
            self.query_one(f"#p-{role}-mark", Static).update(Content.styled(mark, style))
