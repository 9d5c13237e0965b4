"""The block type of presentation mode: every glyph drawn solid, the same size, and told apart."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from widgets.big_text import CONDENSED, FULL, GLYPHS, LOWER, PIXELS, SIZES, UPPER, BigText, draw, fit, glyph, width

REQUIRED = "0123456789.%/:-ABCDEFGHIJKLMNOPQRSTUVWXYZ"


DRAWINGS = [(rows, False) for rows in SIZES] + [(5, True), (3, True)]


def test_both_faces_have_every_character_the_screen_needs() -> None:
    assert set(REQUIRED) <= set(GLYPHS)
    assert set(CONDENSED) == set(GLYPHS)


@pytest.mark.parametrize(("rows", "condensed"), DRAWINGS)
def test_every_glyph_has_the_same_width_and_height_and_is_solid(rows: int, condensed: bool) -> None:
    widths = set()
    for char in GLYPHS:
        cells = glyph(char, rows, condensed)
        assert len(cells) == rows, char
        widths.update(len(line) for line in cells)
        assert set("".join(cells)) <= {FULL, UPPER, LOWER, " "}, char
    assert len(widths) == 1


def test_every_bitmap_is_five_pixels_high_and_as_wide_as_its_face() -> None:
    for face, pixels_wide in ((GLYPHS, PIXELS), (CONDENSED, 3)):
        for char, bitmap in face.items():
            assert len(bitmap) == PIXELS and all(len(line) == pixels_wide for line in bitmap), char


@pytest.mark.parametrize(("rows", "condensed"), DRAWINGS)
def test_digits_differ_from_each_other_at_every_size(rows: int, condensed: bool) -> None:
    drawn = {digit: tuple(glyph(digit, rows, condensed)) for digit in "0123456789"}
    assert len(set(drawn.values())) == 10


@pytest.mark.parametrize(("rows", "condensed"), DRAWINGS)
def test_eight_and_zero_differ_in_the_middle_row(rows: int, condensed: bool) -> None:
    middle = rows // 2
    assert glyph("8", rows, condensed)[middle] != glyph("0", rows, condensed)[middle]
    assert glyph("8", rows, condensed)[0] == glyph("0", rows, condensed)[0]


@pytest.mark.parametrize(("rows", "condensed"), DRAWINGS)
def test_width_is_what_draw_takes(rows: int, condensed: bool) -> None:
    for text in ("88.3%", "▶ PROGRESSING", "100%", "--", "◷ WAITING PROMOTION", " 1"):
        lines = draw(text, rows, condensed)
        assert len(lines) == rows
        assert {len(line) for line in lines} == {width(text, rows, condensed)}


def test_fit_draws_the_largest_size_that_fits() -> None:
    assert len(fit("88.3%", 200, 10) or []) == 10
    assert len(fit("88.3%", 200, 9) or []) == 7
    assert len(fit("88.3%", width("88.3%", 10) - 1, 10) or []) == 7
    assert len(fit("88.3%", 200, 6) or []) == 5
    assert len(fit("88.3%", 200, 4) or []) == 3
    assert fit("88.3%", width("88.3%", 5) - 1, 10) == draw("88.3%", 5, condensed=True)
    assert fit("88.3%", width("88.3%", 5, condensed=True) - 1, 10) is None  # nothing narrower: plain text


def test_a_long_phase_is_condensed_rather_than_plain_at_80_columns() -> None:
    phase = "◷ WAITINGPROMOTION"
    assert width(phase, 5) > 76
    assert fit(phase, 76, 5) == draw(phase, 5, condensed=True)


def test_fit_gives_up_on_characters_without_a_glyph() -> None:
    assert fit("[b]99[/b]", 200, 10) is None
    assert fit("progressing", 200, 10) is None
    assert fit("   ", 200, 10) is None


class OneBigText(App[None]):
    def compose(self) -> ComposeResult:
        yield BigText(id="big")


async def test_text_without_glyphs_is_plain_literal_text_centred_in_its_band() -> None:
    app = OneBigText()
    async with app.run_test(size=(40, 8)) as pilot:
        big = app.query_one(BigText)
        big.show("[red]hostile[/red]", rows=5)
        await pilot.pause()
        lines = str(big.render()).split("\n")
        assert len(lines) == 5 and lines[2] == "[red]hostile[/red]"
        assert big.size.height == 5


async def test_plain_text_longer_than_its_band_ends_with_an_ellipsis() -> None:
    app = OneBigText()
    async with app.run_test(size=(20, 8)) as pilot:
        big = app.query_one(BigText)
        big.show("word " * 30, rows=3)
        await pilot.pause()
        lines = str(big.render()).split("\n")
        assert len(lines) == 3 and lines[-1].endswith("…")
        assert max(len(line) for line in lines) <= 20
