"""The key bar: the keys of its own screen, drawn with the screen; a click on a key presses it."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.simkit import sim_app
from widgets.key_bar import KeyBar


def _offset_of(bar: KeyBar, key: str) -> tuple[int, int]:
    start = next(start for start, _end, shown in bar._spans if shown == key)
    return start + 1, 0


async def test_the_first_frame_shows_the_keys_of_the_screen() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = app.rollout_screen.query_one(KeyBar).render().plain
        assert text.startswith(" r Release  R Faulty release ")
        assert text.endswith("▏^p palette ")
        assert len(text) == 120


async def test_a_click_on_a_key_presses_it() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        bar = app.rollout_screen.query_one(KeyBar)
        await pilot.click(bar, offset=_offset_of(bar, "d"))
        await pilot.pause()
        assert app.screen is app.detail_screen
        # The detail screen has its own bar, with its own keys.
        detail_bar = app.detail_screen.query_one(KeyBar)
        await pilot.click(detail_bar, offset=_offset_of(detail_bar, "ctrl+p"))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_the_bar_follows_the_bindings_of_its_screen() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        overview_keys = {key for _start, _end, key in app.overview_screen.query_one(KeyBar)._spans}
        rollout_keys = {key for _start, _end, key in app.rollout_screen.query_one(KeyBar)._spans}
        assert {"enter", "left_square_bracket", "right_square_bracket", "minus"} <= overview_keys
        assert "r" in rollout_keys and "enter" not in rollout_keys
