"""At 80x24 every panel shows its lines whole: a line is never wider than its panel (it would be cut or wrapped
mid-phrase) and a panel never has more lines than rows; what had to be shortened says so with `…`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from rich.cells import cell_len

from tests.simkit import EXAMINER, run_until, sim_app
from tui.domain import wording as fmt
from widgets.canary_table import CanaryTable
from widgets.key_bar import KeyBar
from widgets.load_panel import FINISHED_SHOWN_S, LoadPanel, status_counts
from widgets.narration_bar import NarrationBar
from widgets.panel import StatePanel
from widgets.topbar import TopBar


def progressing_with_errors(sim) -> None:  # type: ignore[no-untyped-def]
    sim.release(EXAMINER, faulty=False)
    sim.advance(80)
    sim.inject_errors(EXAMINER)
    sim.advance(75)


def failed(sim) -> None:  # type: ignore[no-untyped-def]
    sim.release(EXAMINER, faulty=True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    sim.advance(5)


def waiting_for_promotion(sim) -> None:  # type: ignore[no-untyped-def]
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.phase(EXAMINER) == "WaitingPromotion")


def errors_injected_twice(sim) -> None:  # type: ignore[no-untyped-def]
    sim.inject_errors(EXAMINER)
    sim.advance(235)
    sim.inject_errors(EXAMINER)
    sim.advance(10)


STATES: dict[str, tuple[str, Callable[..., None]]] = {
    "initialized": ("demo", lambda sim: sim.advance(5)),
    "progressing with errors": ("demo", progressing_with_errors),
    "failed": ("seed", failed),
    "waiting for promotion": ("gated", waiting_for_promotion),
    "errors injected twice": ("demo", errors_injected_twice),
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("name", list(STATES))
async def test_every_panel_line_fits_its_panel(name: str, size: tuple[int, int]) -> None:
    scenario, steps = STATES[name]
    app, source, sim = sim_app(scenario)
    async with app.run_test(size=size) as pilot:
        steps(sim)
        source.pump()
        await pilot.pause()
        await pilot.pause()
        screen = app.rollout_screen
        assert screen.shown_at_size()
        for panel in screen.query(StatePanel):
            if isinstance(panel, NarrationBar):
                continue  # the narration's sentence has short forms of its own
            region = panel.content_region
            lines = panel.render_state(app.state).plain.split("\n")
            for line in lines:
                assert cell_len(line) <= region.width, f"{type(panel).__name__} cuts {line!r} at {region.width}"
            assert len(lines) <= region.height, f"{type(panel).__name__}: {len(lines)} lines in {region.height} rows"
        top = screen.query_one(TopBar).render_state(app.state).plain
        assert top.rstrip().endswith(fmt.clock(app.state.now)) and "●" in top, "the clock and health stay"
        bar = screen.query_one(KeyBar)
        shown = bar.render().plain
        for key in ("r", "R", "l", "e", "p", "a", "s", "d", "z", "?", "q"):
            assert f" {key} " in shown, f"key {key} missing from the key bar"


async def test_a_finished_generator_shows_finished_for_a_moment_then_leaves() -> None:
    app, source, sim = sim_app("demo")
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.rollout_screen.query_one(LoadPanel)

        async def shown_after(seconds: int) -> str:
            source.advance(seconds)
            await pilot.pause()
            return panel.render_state(app.state).plain

        await pilot.press("e")
        assert "▶ error · 3m30s left" in await shown_after(30)
        text = await shown_after(212)  # it ends at 240 s
        assert "■ error · finished" in text
        assert "error" not in await shown_after(int(FINISHED_SHOWN_S) + 1)
        assert "▶ background · for " in panel.render_state(app.state).plain


async def test_a_status_code_and_its_count_share_a_line() -> None:
    app, source, sim = sim_app("demo")
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.rollout_screen.query_one(LoadPanel)
        await pilot.press("e")
        source.advance(30)
        await pilot.pause()
        width = panel.content_region.width
        for stats in app.state.loads.values():
            lines = status_counts(stats, width, indent=" 25.0/s ").plain.split("\n")
            for code, count in stats.status_counts:
                assert any(f"{code} {count}" in line for line in lines)
            assert all(cell_len(line) <= width for line in lines)
        several = replace(stats, status_counts=((200, 6850), (500, 296)), transport_errors=3)
        narrow = status_counts(several, 12, indent="  ").plain.split("\n")
        assert narrow == ["  200 6850", "  500 296", "  errors 3"]


SEVERAL = {
    "canaries": [
        {"name": "examiner", "namespace": "apps"},
        {"name": "payments-gateway-eu-west-7", "namespace": "payments-production"},
        {"name": "payments-gateway-eu-west-8", "namespace": "payments-production"},
    ]
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_overview_fits_its_width_and_tells_long_names_apart(size: tuple[int, int]) -> None:
    app, source, sim = sim_app(SEVERAL)
    async with app.run_test(size=size) as pilot:
        progressing_with_errors(sim)
        source.pump()
        await pilot.press("o")
        table = app.overview_screen.query_one(CanaryTable)
        deadline = time.monotonic() + 10
        while len(table) < 3 and time.monotonic() < deadline:  # the overview refreshes at most twice a second
            await pilot.pause(0.05)
        assert table.total_width <= table.scrollable_content_region.width, "no sideways scrolling"
        assert table.max_scroll_x == 0
        rows = {key: table.cells(key) for key in table.row_keys()}
        names = [cells[1] for cells in rows.values()]
        assert len(set(names)) == 3 and any(name.endswith("-7") for name in names)
        for cells in rows.values():
            assert "?" not in cells[5:7], "no data reads as such, not as ?"
            for text, width in zip(cells, table.widths, strict=True):
                assert cell_len(text) <= width
        examiner = rows["apps/examiner"]
        assert examiner[7].endswith("% < 99%"), "the last halt keeps its value and threshold"
