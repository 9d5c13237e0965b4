"""The key bar: the keys of its own screen, drawn with the screen; a click on a key presses it."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.simkit import sim_app
from widgets.key_bar import KeyBar, shown_keys


def _offset_of(bar: KeyBar, key: str) -> tuple[int, int]:
    row, start = next((row, start) for row, start, _end, shown in bar._spans if shown == key)
    return start + 1, row


async def test_the_first_frame_shows_the_keys_of_the_screen() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = app.rollout_screen.query_one(KeyBar).render().plain
        # Every key on one row: the descriptions are one word each when the full ones do not fit.
        assert text.startswith(" r Release  R Faulty  l Load ")
        assert " ? Help  q Quit " in text
        assert text.endswith("▏^p palette ")
        assert len(text) == 120


async def test_at_80_columns_every_key_is_shown_on_two_rows() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.rollout_screen.query_one(KeyBar)
        rows = bar.render().plain.split("\n")
        assert [len(row) for row in rows] == [80, 80]
        assert rows[0].startswith(" r Release  R Faulty release ") and rows[0].endswith("▏^p palette ")
        keys, _palette = shown_keys(app.rollout_screen)
        for _key, display, description, _enabled in keys:
            assert f" {display} {description} " in "\n".join(rows)
        # A key on the second row is clicked where it is drawn.
        await pilot.click(bar, offset=_offset_of(bar, "d"))
        await pilot.pause()
        assert app.screen is app.detail_screen


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
        overview_keys = {key for _row, _start, _end, key in app.overview_screen.query_one(KeyBar)._spans}
        rollout_keys = {key for _row, _start, _end, key in app.rollout_screen.query_one(KeyBar)._spans}
        assert {"enter", "left_square_bracket", "right_square_bracket", "minus"} <= overview_keys
        assert "r" in rollout_keys and "enter" not in rollout_keys


async def test_a_spare_key_is_shown_only_where_it_costs_no_row_and_no_shortening() -> None:
    for size, shown, rows in (((120, 40), False, 1), ((170, 40), True, 1), ((80, 24), True, 2)):
        app, _source, _sim = sim_app("seed")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            text = app.rollout_screen.query_one(KeyBar).render().plain
            assert (" c Checks " in text) is shown, (size, text)
            assert len(text.split("\n")) == rows, (size, text)
            if size[0] == 120:
                assert text.startswith(" r Release  R Faulty  l Load ")  # the others keep their row as they were
