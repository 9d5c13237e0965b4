"""Presentation mode, the themes, NO_COLOR and the screenshot key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.simkit import EXAMINER, sim_app
from tui.app import CanaryscopeApp
from tui.base.themes import THEMES
from tui.domain.observations import CaptionObserved
from tui.screens.presentation import PresentationScreen
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource
from widgets.big_text import BigText


def progressing_with_errors(theme: str = "dark") -> tuple[CanaryscopeApp, Any]:
    app, source, sim = sim_app("demo")
    app.theme = THEMES[theme]

    async def run_before(pilot: Pilot) -> None:
        sim.release(EXAMINER, faulty=False)
        sim.advance(80)
        sim.inject_errors(EXAMINER)
        sim.advance(75)
        source.pump()
        await pilot.pause()

    return app, run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=lambda size: "{}x{}".format(*size))
def test_presentation_mode(size: tuple[int, int], snap_compare: Any) -> None:
    app, run_before = progressing_with_errors()
    assert snap_compare(app, terminal_size=size, run_before=run_before, press=["z"])


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_each_theme(theme: str, snap_compare: Any) -> None:
    app, run_before = progressing_with_errors(theme)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_no_color(snap_compare: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app, run_before = progressing_with_errors()
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


CAPTION = "The faulty canary fails its success-rate check, and Flagger counts it [1 of 2] before it rolls back"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_a_script_caption_stands_above_the_narration(size: tuple[int, int], snap_compare: Any) -> None:
    app, run_before = progressing_with_errors()

    async def with_caption(pilot: Pilot) -> None:
        await run_before(pilot)
        app.apply([CaptionObserved(CAPTION)])
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=with_caption)


def test_a_script_caption_in_presentation_mode(snap_compare: Any) -> None:
    app, run_before = progressing_with_errors()

    async def with_caption(pilot: Pilot) -> None:
        await run_before(pilot)
        app.apply([CaptionObserved(CAPTION)])
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=with_caption, press=["z"])


async def test_z_toggles_presentation_mode_and_shows_the_essentials() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        sim.release(EXAMINER, faulty=False)
        sim.advance(75)
        source.pump()
        await pilot.press("z")
        assert isinstance(app.screen, PresentationScreen)
        await pilot.pause()
        assert app.screen.query_one("#p-phase", BigText).text == "▶ PROGRESSING"
        assert app.screen.query_one("#p-canary-weight", BigText).text == "20%"
        assert app.screen.query_one("#p-primary-weight", BigText).text == "80%"
        assert "Canary at 20 %" in str(app.screen.query_one("#p-narration").render())
        await pilot.press("z")
        assert app.screen is app.rollout_screen


async def test_t_cycles_the_four_themes() -> None:
    app, source, sim = sim_app("seed")
    seen = []
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(4):
            seen.append(app.theme)
            await pilot.press("t")
        assert app.theme == seen[0]
    assert sorted(seen) == sorted(THEMES.values())


async def test_ctrl_s_saves_an_svg_where_asked(tmp_path: Path) -> None:
    app, source, sim = sim_app("seed")
    app.screenshot_dir = tmp_path / "shots"
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
    files = list((tmp_path / "shots").glob("canaryscope-*.svg"))
    assert len(files) == 1
    assert "Initialized" in files[0].read_text()
    assert notes == [f"Saved {files[0]}"]


async def test_screenshots_at_the_same_simulated_second_never_overwrite_each_other(tmp_path: Path) -> None:
    app, source, sim = sim_app("seed")
    app.screenshot_dir = tmp_path
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):
            await pilot.press("ctrl+s")
    files = sorted(tmp_path.glob("canaryscope-*.svg"), key=lambda f: len(f.name))
    assert len(files) == 3, "three files, not one overwritten twice"
    stem = files[0].stem
    assert sorted(f.name for f in files) == sorted([f"{stem}.svg", f"{stem}-2.svg", f"{stem}-3.svg"])
    assert notes == [f"Saved {tmp_path / name}" for name in (f"{stem}.svg", f"{stem}-2.svg", f"{stem}-3.svg")]


async def test_a_screenshot_folder_that_cannot_be_written_is_a_notice(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    sim = sim_app("seed")[2]
    app = CanaryscopeApp(SimulationSource(sim, 5, autorun=False), SimActions(sim), screenshot_dir=blocker / "x")
    notes: list[tuple[str, str]] = []
    app.notify = lambda message, **kw: notes.append((message, kw.get("severity", "")))  # type: ignore
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
    assert notes and notes[0][0].startswith("Could not save the screenshot in ") and notes[0][1] == "error"
