"""The analysis view (`c`): snapshots of a canary halted by a MetricTemplate check and of a promoted one with builtin
checks, at 120x40 and 80x24; `c` and `Esc` from the rollout screen and the overview; copying the focused query."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.selection import Selection

from tests import analysis_states as st
from tests.ui.test_keys import record_notifications
from tests.ui.test_navigation import painted
from tests.ui.test_strategy_snapshots import FixedSource
from tests.waiting import settle
from tui.actions import ReadOnlyActions
from tui.app import CanaryscopeApp
from tui.domain.model import CanaryKey
from tui.domain.observations import CanariesListed, CanaryObserved, EventObserved, Observation
from tui.kube.parse import parse_canary
from tui.screens.analysis import AnalysisScreen
from tui.screens.overview import OverviewScreen
from tui.screens.rollout import RolloutScreen
from widgets.analysis_view import CheckCard

CASES = {"halted-custom": st.halted_custom_observations, "succeeded-builtin": st.succeeded_builtin_observations}


def app_with(observations: list[Observation], **options: Any) -> CanaryscopeApp:
    return CanaryscopeApp(FixedSource(observations), ReadOnlyActions(), **options)  # type: ignore[arg-type]


async def applied(pilot: Any, app: CanaryscopeApp) -> None:
    await settle(pilot, lambda: app.state.now == st.NOW and app.state.selected == st.KEY, "the state applied")


def screen_text(app: CanaryscopeApp) -> str:
    return "\n".join(painted(app))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_analysis_view(snap_compare, case: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = app_with(CASES[case]())

    async def open_it(pilot) -> None:  # type: ignore[no-untyped-def]
        await applied(pilot, app)
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen) and app.screen.cards, "the view open")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_it)


async def shows(pilot: Pilot[None], app: CanaryscopeApp, *parts: str) -> str:
    """The screen's text once every part is painted on it."""
    await settle(pilot, lambda: all(part in screen_text(app) for part in parts), f"{parts} painted")
    return screen_text(app)


async def test_c_opens_the_view_of_the_followed_canary_and_esc_or_c_comes_back() -> None:
    app = app_with(st.halted_custom_observations())
    async with app.run_test(size=(120, 40)) as pilot:
        await applied(pilot, app)
        assert isinstance(app.screen, RolloutScreen)
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen), "the analysis view")
        # The why line and the cards are painted in frames of their own: waited for together.
        text = await shows(
            pilot,
            app,
            "Halted 2 of 2 times by error-rate",
            "error-rate  max 1 · 2 failed · every 1m · templateRef test/error-rate (prometheus)",
            "latency  max 0.8 · no failure · every 1m · inline query",
        )
        # No builtin threshold is drawn for checks the Canary does not have.
        assert "min 99" not in text and "99%" not in text and "500ms" not in text
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is app.rollout_screen, "back on the rollout screen")
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen), "the analysis view again")
        await pilot.press("c")
        await settle(pilot, lambda: app.screen is app.rollout_screen, "c again going back")


async def test_y_copies_the_focused_check_s_query_and_says_so() -> None:
    app = app_with(st.halted_custom_observations())
    async with app.run_test(size=(120, 40)) as pilot:
        await applied(pilot, app)
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen) and app.screen.cards, "the view open")
        screen = app.screen
        assert isinstance(screen, AnalysisScreen)
        await settle(pilot, lambda: isinstance(screen.focused, CheckCard), "the first check focused")
        notes = record_notifications(app)
        await pilot.press("y")
        first = screen.cards[0].entry
        assert first.check.name == "error-rate"
        assert app.clipboard == first.query and 'namespace="test"' in first.query
        assert notes[-1][0] == f"Copied the query of error-rate ({len(first.query)} characters)"
        await pilot.press("down")
        await settle(pilot, lambda: screen.focused is screen.cards[1], "the second check focused")
        await pilot.press("y")
        assert app.clipboard == screen.cards[1].entry.query
        assert app.clipboard.startswith("histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket")
        await pilot.press("up")
        await settle(pilot, lambda: screen.focused is screen.cards[0], "back on the first check")


async def test_y_copies_the_text_selected_with_the_mouse_first() -> None:
    app = app_with(st.halted_custom_observations())
    async with app.run_test(size=(120, 40)) as pilot:
        await applied(pilot, app)
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen) and app.screen.cards, "the view open")
        screen = app.screen
        assert isinstance(screen, AnalysisScreen)
        second = screen.cards[1]
        screen.selections = {second: Selection(None, None)}  # the whole card, as a drag across it selects it
        notes = record_notifications(app)
        await pilot.press("y")
        assert app.clipboard.startswith("✔ latency  max 0.8")
        assert "histogram_quantile(0.99" in app.clipboard
        assert notes[-1][0] == f"Copied the selected text ({len(app.clipboard)} characters)"


async def test_a_check_without_a_query_says_why_nothing_was_copied() -> None:
    observations = [o for o in st.halted_custom_observations() if type(o).__name__ not in ("MetricTemplateObserved",)]
    observations = [o for o in observations if type(o).__name__ != "CheckValueObserved"]
    app = app_with(observations)
    async with app.run_test(size=(120, 40)) as pilot:
        await applied(pilot, app)
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen) and app.screen.cards, "the view open")
        notes = record_notifications(app)
        await pilot.press("y")
        assert notes[-1][0] == "error-rate has no query to copy: MetricTemplate test/error-rate not found"
        assert notes[-1][1].get("severity") == "warning"
        await shows(pilot, app, "no values yet")


async def test_text_from_the_cluster_is_never_markup() -> None:
    canary = st.custom_canary()
    canary["spec"]["analysis"]["metrics"][1]["name"] = "[red]lat[/red]"
    canary["spec"]["analysis"]["metrics"][1]["query"] = 'sum(x{a="[b]"}) [link=http://evil]y[/link]'
    info = parse_canary(canary)
    assert info is not None
    observations = [
        *st.halted_custom_observations()[:3],
        CanariesListed((replace(info, phase="Progressing", canary_weight=10, failed_checks=1),), None, st.NOW - 300),
        EventObserved(
            st.halt(st.NOW - 25, "Halt podinfo.test advancement [red]lat[/red] 0.95 > 0.8").event  # type: ignore[attr-defined]
        ),
        CanaryObserved(replace(info, phase="Progressing", canary_weight=10, failed_checks=1), st.NOW - 25),
        *st.halted_custom_observations()[-1:],
    ]
    app = app_with(observations)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.state.now == st.NOW and app.state.canaries, "the state applied")
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen) and app.screen.cards, "the view open")
        # Read as markup, these would never show as written: the wait would end in its failure.
        await shows(
            pilot, app, "Halted", "[red]lat[/red]", "[link=http://evil]y[/link]", "by [red]lat[/red]: 0.95 > 0.8"
        )


async def test_c_on_the_overview_opens_the_highlighted_canary_and_esc_returns_to_the_overview() -> None:
    other = parse_canary({**st.custom_canary(), "metadata": {"namespace": "test", "name": "another"}})
    assert other is not None
    observations = st.halted_custom_observations()
    listed = next(o for o in observations if isinstance(o, CanariesListed))
    both = CanariesListed((*listed.items, replace(other, phase="Succeeded")), None, listed.t)
    observations = [both if o is listed else o for o in observations]
    observations = [o for o in observations if type(o).__name__ != "CanarySelected"]
    app = app_with(observations, start_with_overview=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview")
        await settle(pilot, lambda: app.state.now == st.NOW, "the state applied")
        highlighted = app.state.selected
        assert highlighted in (st.KEY, CanaryKey("test", "another"))
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, AnalysisScreen), "the analysis view")
        await settle(pilot, lambda: f"{highlighted} · " in screen_text(app), "the highlighted canary's view")
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, OverviewScreen), "back on the overview")
