"""The narration bar is one line that fits, in any layout; the canary panel's halt line is shown while it holds."""

from __future__ import annotations

from rich.cells import cell_len

from tests.simkit import EXAMINER, run_until, sim_app, simulation
from tui.actions import ReadOnlyActions
from tui.actions.base import ActionKind
from tui.app import CanaryscopeApp
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource
from widgets.narration_bar import NarrationBar
from widgets.status_panel import StatusPanel, halt_line


def bar_text(app: CanaryscopeApp) -> str:
    return str(app.rollout_screen.query_one(NarrationBar).render())


async def test_a_long_sentence_stays_on_one_line_and_moves_no_panel() -> None:
    app, source, sim = sim_app("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bar = app.rollout_screen.query_one(NarrationBar)
        row_y = app.rollout_screen.query_one("#row-top").region.y
        sim.release(EXAMINER, faulty=False)
        run_until(sim, lambda s: s.weights(EXAMINER) == (80, 20))
        sim.release(EXAMINER, faulty=False)  # the restart sentence is longer than the line
        source.advance(1)
        await pilot.pause()
        assert "newer revision" in bar_text(app)
        assert bar.outer_size.height == 1
        assert cell_len(bar_text(app)) <= bar.content_size.width
        assert app.rollout_screen.query_one("#row-top").region.y == row_y


async def test_at_80x24_a_halt_is_a_whole_sentence_with_value_and_threshold() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=(80, 24)) as pilot:
        sim.release(EXAMINER, faulty=True)
        run_until(sim, lambda s: any("Halt" in r.message for r in s.flagger.history))
        source.advance(1)
        await pilot.pause()
        text = bar_text(app)
        assert "is below 99 %" in text
        assert not text.endswith("…")
        assert cell_len(text) <= app.rollout_screen.query_one(NarrationBar).content_size.width


async def test_read_only_asks_no_one_to_press_p() -> None:
    sim = simulation("gated")
    app = CanaryscopeApp(SimulationSource(sim, speed=5, autorun=False), ReadOnlyActions())
    async with app.run_test(size=(120, 40)) as pilot:
        sim.release(EXAMINER, faulty=False)
        run_until(sim, lambda s: s.phase(EXAMINER) == "WaitingPromotion")
        app.source.advance(1)  # type: ignore[attr-defined]
        await pilot.pause()
        text = bar_text(app)
        assert "waits for promotion approval" in text
        assert "press" not in text


def status_lines(state: AppState) -> str:
    panel = StatusPanel()
    return panel.render_state(state).plain


def test_the_promotion_halt_leaves_the_canary_panel_once_the_gate_opened() -> None:
    sim = simulation("gated")
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "WaitingPromotion")
    state = reduce_all(AppState(), sim.drain())
    assert "waiting for promotion approval" in status_lines(state)
    assert SimActions(sim).perform(ActionKind.PROMOTE, EXAMINER).ok
    for phase in ("Promoting", "Finalising"):
        run_until(sim, lambda s, phase=phase: s.phase(EXAMINER) == phase)
        state = reduce_all(state, sim.drain())
        assert "waiting for promotion approval" not in status_lines(state), phase


def test_waiting_promotion_shows_no_unexplained_iterations() -> None:
    sim = simulation("gated")
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "WaitingPromotion")
    state = reduce_all(AppState(), sim.drain())
    assert state.selected_view.info.iterations == -1  # type: ignore[union-attr]
    panel = StatusPanel()
    for compact in (False, True):
        panel.set_compact(compact)
        assert "iterations" not in panel.render_state(state).plain


def test_the_halt_line_drops_the_canary_s_name_and_keeps_value_and_threshold_when_short() -> None:
    message = "Halt examiner.apps advancement success rate 85.96% < 99%"
    assert halt_line(message, 60).plain == "⚠ Halt: success rate 85.96% < 99%"
    cut = halt_line(message, 20)
    assert cut.cell_length <= 20 and "85.96% < 99%" in cut.plain
    other = "canary deployment examiner.apps not ready: waiting for rollout to finish"
    assert halt_line(other, 200).plain == f"⚠ {other}"
