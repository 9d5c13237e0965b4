"""The command palette of a running app offers what the key table says, and runs what the key runs."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette

from tests.simkit import sim_app
from tests.waiting import settle
from tui.screens import keys

SIZE = (120, 40)


def offered(palette: CommandPalette) -> set[tuple[str, str | None]]:
    commands = palette.query_one(CommandList)
    return {(option.hit.text, option.hit.help) for option in commands.options}  # type: ignore[attr-defined]


async def test_the_palette_lists_every_command_of_the_table(tmp_path: Path) -> None:
    app, _source, _sim = sim_app("seed")
    app.screenshot_dir = tmp_path
    wanted = {(row.palette, row.palette_help.format(screenshot_dir=tmp_path)) for row in keys.palette_rows()}
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.screen is app.rollout_screen, "the rollout screen")
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette opening")
        palette = app.screen
        await settle(pilot, lambda: wanted <= offered(palette), f"the palette offering {wanted}")  # type: ignore[arg-type]
    assert len(wanted) == len(keys.palette_rows()) == 16


async def test_a_palette_command_does_what_its_key_does() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.screen is app.rollout_screen, "the rollout screen")
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette opening")
        await pilot.press(*"presentation")
        palette = app.screen
        await settle(
            pilot,
            lambda: [o.hit.text for o in palette.query_one(CommandList).options][:1] == ["Presentation mode"],  # type: ignore[attr-defined]
            "Presentation mode first in the palette",
        )
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen is app.presentation_screen, "the presentation screen")
        # The same as `z` there: `z` goes back.
        await pilot.press("z")
        await settle(pilot, lambda: app.screen is app.rollout_screen, "back on the rollout screen")
