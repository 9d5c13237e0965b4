"""The terminal's part of the app: what goes out, when it starts over, and the frozen heap."""

from __future__ import annotations

import gc

import pytest

from tests.simkit import sim_app
from tests.waiting import settle
from tui.app.screen_diff import ScreenDiff

SIZE = (120, 40)


def test_full_repaints_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANARYSCOPE_REPAINT", "full")
    app, _source, _sim = sim_app("seed")
    assert app.screen_diff is None and app.terminal.screen_diff is None
    update = object()
    assert app.terminal.output(update) is update


async def test_an_update_that_reaches_no_terminal_is_passed_on_whole_and_not_remembered() -> None:
    app, _source, _sim = sim_app("seed")
    assert isinstance(app.screen_diff, ScreenDiff)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.screen is app.rollout_screen, "the rollout screen")
        # A headless app writes nothing: the diff must not believe the terminal shows it.
        assert not app.terminal.writes_to_terminal()
        update = object()
        assert app.terminal.output(update) is update


async def test_the_heap_is_frozen_once_the_first_screen_is_up_and_thawed_on_exit() -> None:
    gc.unfreeze()
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: gc.get_freeze_count() > 0, "the heap frozen")
    assert gc.get_freeze_count() == 0
