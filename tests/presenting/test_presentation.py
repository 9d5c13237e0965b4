"""Presentation mode's layout and verdicts: large type that fits 80x24 to 200x60, judged as Flagger judges."""

from __future__ import annotations

import pytest
from textual.widget import Widget

from tests.simkit import EXAMINER, sim_app
from tui.domain.observations import ClockTick
from tui.screens.presentation import (
    FIXED_ROWS,
    TIERS,
    PresentationScreen,
    plan,
    rate_decimals,
    rate_text,
    verdict,
    widest_rate,
)
from widgets import big_text
from widgets.big_text import FULL, BigText

SIZES = [(80, 24), (120, 40), (200, 60)]


@pytest.mark.parametrize(("width", "height", "rows"), [(76, 24, 5), (116, 40, 7), (196, 60, 10)])
def test_the_rates_get_five_rows_or_more_at_the_usual_sizes(width: int, height: int, rows: int) -> None:
    sizes = plan(width, height, narration_rows=2)
    assert sizes.rates == rows
    assert sizes.phase >= 5 and sizes.weights >= 5


@pytest.mark.parametrize("narration_rows", [1, 2, 3, 4])
def test_a_plan_fills_the_screen_exactly_with_type_that_fits(narration_rows: int) -> None:
    for width in range(60, 260, 7):
        for height in range(20, 80, 3):
            sizes = plan(width, height, narration_rows)
            used = FIXED_ROWS - 1 + narration_rows + sizes.phase + sizes.weights + sizes.rates
            used += sizes.bar + sum(sizes.gaps)
            where = (width, height, narration_rows, sizes)
            assert used == height or (used > height and (sizes.phase, sizes.weights, sizes.rates) == (1, 1, 1)), where
            assert min(sizes.gaps) >= 0 and 1 <= sizes.bar <= 5, where
            index = {rows: i for i, rows in enumerate(TIERS)}
            assert 0 <= index[sizes.weights] - index[sizes.rates] <= 1, where
            assert abs(index[sizes.phase] - index[sizes.rates]) <= 1, where
            if sizes.rates > 1:
                assert big_text.width(widest_rate(1), sizes.rates) <= width // 2, where


def test_a_rate_meets_the_minimum_when_it_equals_it_as_in_flagger() -> None:
    assert verdict(99.0, 99.0, 1) == ("99.0%", "$success", "✔ meets ≥ 99 %")
    assert verdict(98.999, 99.0, 1) == ("98.9%", "$error", "✖ below 99 %")
    assert verdict(None, 99.0, 1) == ("--", "$text-muted", "no data")


def test_digits_never_round_up_to_the_minimum() -> None:
    assert rate_text(98.96, 1) == "98.9%"
    assert rate_text(88.3, 1) == "88.3%"
    assert rate_text(100.0, 1) == "100.0%"
    assert rate_decimals(99) == 1 and rate_decimals(99.95) == 2
    assert rate_text(99.949, rate_decimals(99.95)) == "99.94%"


def progressing_with_errors():  # type: ignore[no-untyped-def]
    app, source, sim = sim_app("demo")
    sim.release(EXAMINER, faulty=False)
    sim.advance(80)
    sim.inject_errors(EXAMINER)
    sim.advance(75)
    return app, source, sim


def visible(screen: PresentationScreen) -> list[Widget]:
    return [w for w in screen.walk_children(Widget) if w.display and w.region.height and w.region.width]


@pytest.mark.parametrize(("width", "height"), SIZES)
async def test_nothing_is_cut_and_nothing_scrolls(width: int, height: int) -> None:
    app, source, _sim = progressing_with_errors()
    async with app.run_test(size=(width, height)) as pilot:
        source.pump()
        await pilot.press("z")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PresentationScreen)
        assert not screen.show_vertical_scrollbar and not screen.show_horizontal_scrollbar
        assert screen.virtual_size.height <= screen.size.height
        for widget in visible(screen):
            assert screen.region.contains_region(widget.region), widget
        for child_a, child_b in zip(screen.children, screen.children[1:], strict=False):
            if child_a.region.height and child_b.region.height and not child_b.styles.dock:
                assert child_a.region.bottom <= child_b.region.y, (child_a, child_b)
        for role in ("primary", "canary"):
            rate = screen.query_one(f"#p-{role}-rate", BigText)
            assert rate.rows >= 5 and rate.text.endswith("%")
            assert str(rate.render()).count(FULL) > 10  # drawn in block type, not the plain fallback
            assert "✖ below 99 %" in str(screen.query_one(f"#p-{role}-mark").render())
        phase = screen.query_one("#p-phase", BigText)
        assert phase.text == "▶ PROGRESSING" and str(phase.render()).count(FULL) > 10
        assert screen.query_one("#p-canary-weight", BigText).text == "20%"


async def test_a_sample_too_old_to_stand_for_now_reads_no_data() -> None:
    app, source, _sim = progressing_with_errors()
    async with app.run_test(size=(120, 40)) as pilot:
        source.pump()
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.query_one("#p-canary-rate", BigText).text != "--"
        app.apply([ClockTick(app.state.now + 600)])
        await pilot.pause()
        assert app.screen.query_one("#p-canary-rate", BigText).text == "--"
        assert "no data" in str(app.screen.query_one("#p-canary-mark").render())


async def test_a_suspended_canary_says_so_under_its_phase() -> None:
    app, source, sim = sim_app("demo")
    async with app.run_test(size=(80, 24)) as pilot:
        sim.set_suspend(EXAMINER, True)
        sim.advance(5)
        source.pump()
        await pilot.press("z")
        await pilot.pause()
        assert "॥ SUSPENDED" in str(app.screen.query_one("#p-note").render())


async def test_narration_is_shown_literally_never_as_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    # The narration quotes Flagger's messages, which quote names and values from the cluster.
    monkeypatch.setattr("tui.screens.presentation.narrate", lambda state, **_: "metric [bold]x[/bold] [link=y]z")
    app, source, _sim = progressing_with_errors()
    async with app.run_test(size=(120, 40)) as pilot:
        source.pump()
        await pilot.press("z")
        await pilot.pause()
        assert str(app.screen.query_one("#p-narration").render()) == "metric [bold]x[/bold] [link=y]z"
