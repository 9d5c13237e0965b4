"""The traffic and status panels show what matters per strategy: A/B — who is matched, the share that matches,
iteration i/N, never a 0/100 bar; blue/green — iteration i/N, which side serves, mirroring."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from tests import strategy_states as ss
from tests.ui.test_traffic_panel import text
from tui.domain.state import AppState
from widgets.status_panel import StatusPanel


class StatusApp(App[None]):
    CSS = "StatusPanel { width: 60; height: 9; }"

    def __init__(self, shown: AppState) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        yield StatusPanel(id="status")


def status_text(shown: AppState, *, compact: bool = False) -> str:
    lines: list[str] = []

    async def run() -> None:
        app = StatusApp(shown)
        async with app.run_test(size=(62, 12)) as pilot:
            panel = app.query_one(StatusPanel)
            panel.set_compact(compact)
            await pilot.pause()
            lines.append(panel.render_state(shown).plain)

    asyncio.run(run())
    return lines[0]


def test_ab_traffic_says_who_is_matched_instead_of_a_bar() -> None:
    shown = text(ss.ab(4), 56)
    assert "matched users → canary, everyone else → primary" in shown
    assert "matched  10.0% of requests reach the canary" in shown  # 5 rps of 50
    assert "status   iteration 4/10 · canaryWeight 0" in shown
    assert "100% canary" not in shown and "≠" not in shown


def test_ab_without_metrics_leaves_the_share_out() -> None:
    assert "of requests" not in text(ss.ab(4, rps=None), 56)


def test_blue_green_traffic_says_mirroring_and_where_traffic_goes() -> None:
    assert "status   iteration 2/5 · mirroring off" in text(ss.blue_green(2), 56)
    assert "mirroring on (50 %)" in text(ss.blue_green(2, mirror=True), 56)
    routed = text(ss.blue_green(6, routed=True), 56)
    assert "iteration 5/5 · all on the canary" in routed and "100% canary" in routed


def test_status_panel_counts_iterations_for_ab_and_blue_green() -> None:
    ab = status_text(ss.ab(4))
    assert "strategy   A/B testing · iteration 4/10" in ab
    assert "weight" not in ab and "step ?" not in ab and "iterations 4" not in ab
    assert "blue/green · iteration 2/5 · primary serves" in status_text(ss.blue_green(2))
    assert "blue/green · iteration 5/5 · canary serves" in status_text(ss.blue_green(6, routed=True))
    assert "blue/green · iteration 3/10" in status_text(ss.kubernetes(3))
    assert "A/B testing · iteration 10/10" in status_text(ss.ab(9, "WaitingPromotion"), compact=True)


def test_compact_blue_green_mirroring_fits_80_columns() -> None:
    assert "status   iteration 2/5 · mirror 50 %" in text(ss.blue_green(2, mirror=True), 42, compact=True)
