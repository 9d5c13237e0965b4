"""Moving between screens through Textual's Pilot: each rule of tui/app/navigation.py on the real screens, what the
screen paints afterwards, the overview with thirty canaries, and the keys that end or step through a session."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from rich.console import Console
from textual import events
from textual.pilot import Pilot

from tests.simkit import simulation
from tests.ui.test_keys import record_notifications
from tests.waiting import settle
from tui.app import CanaryscopeApp
from tui.domain.state import AppState
from tui.screens.confirm import ConfirmScreen
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.screens.overview import OverviewScreen
from tui.screens.presentation import PresentationScreen
from tui.screens.rollout import RolloutScreen
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource

SIZE = (120, 40)
TWO = {"canaries": [{"name": "examiner"}, {"name": "podinfo", "namespace": "test"}]}
THIRTY = {"canaries": [{"name": f"app-{i:02d}", "namespace": f"team-{i % 3}"} for i in range(30)]}
CLOCK = re.compile(r"\b\d\d:\d\d:\d\d\b")


def app_for(scenario: str | dict[str, Any], *, start_with_overview: bool = False) -> tuple[CanaryscopeApp, Any]:
    sim = simulation(scenario)
    source = SimulationSource(sim, speed=5, autorun=False)
    return CanaryscopeApp(source, SimActions(sim), start_with_overview=start_with_overview), source


def painted(app: CanaryscopeApp) -> list[str]:
    """The lines the current screen's compositor paints (what reaches the terminal), as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    try:
        console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    except TypeError:  # a screen just pushed, not laid out yet: nothing painted
        return [""]
    return console.export_text(styles=False).splitlines() or [""]


async def clock_moves_on_screen(pilot: Pilot[Any], app: CanaryscopeApp, source: SimulationSource) -> None:
    """Time passes and the painted top line shows the new time."""
    before = CLOCK.findall(painted(app)[0])
    source.advance(7)
    await settle(pilot, lambda: CLOCK.findall(painted(app)[0]) not in ([], before), "the painted clock moving")


async def test_o_then_enter_then_o_keeps_painting() -> None:
    app, source = app_for(TWO)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("o", "enter", "o"):
            await pilot.press(key)
            await clock_moves_on_screen(pilot, app, source)
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("question_mark")
        await clock_moves_on_screen(pilot, app, source)
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, OverviewScreen), "help closing")
        await settle(pilot, lambda: "canaryscope keys" not in "\n".join(painted(app)), "help gone from the screen")


async def test_o_opens_the_overview_and_o_or_esc_goes_back() -> None:
    app, source = app_for(TWO)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, RolloutScreen)
        await pilot.press("o")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("o")
        assert app.screen is app.rollout_screen
        await pilot.press("o", "escape")
        assert app.screen is app.rollout_screen
        assert len(app.screen_stack) == 2, "the default screen and the rollout screen, nothing left behind"


async def test_esc_returns_to_the_canary_the_overview_was_opened_from_and_enter_opens_the_highlighted_one() -> None:
    app, source = app_for(TWO)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("down")
        assert str(app.state.selected) == "test/podinfo", "the highlight is followed"
        await pilot.press("escape")
        assert app.screen is app.rollout_screen
        assert str(app.state.selected) == "apps/examiner"
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("down", "enter")
        assert app.screen is app.rollout_screen
        assert str(app.state.selected) == "test/podinfo"


async def test_keys_typed_at_once_act_in_turn() -> None:
    """o and Enter in one burst (a fast typist, a pasted macro): Enter reaches the overview `o` opened."""
    app, source = app_for(TWO)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.post_message(events.Key("o", "o"))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot, lambda: app.overview_screen.is_mounted, "o opening the overview")
        await pilot.pause()
        assert app.screen is app.rollout_screen and len(app.screen_stack) == 2


async def test_enter_and_esc_open_a_canary_every_time_among_thirty() -> None:
    app, source = app_for(THIRTY, start_with_overview=True)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, OverviewScreen)
        ordered = sorted(app.state.canaries)
        for round_ in range(4):
            await settle(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview")
            await pilot.pause()
            await pilot.press(*["down"] * (round_ * 3 + 1))
            await pilot.press("enter")
            assert app.screen is app.rollout_screen, f"round {round_}: Enter opens the canary"
            shown = app.state.selected
            assert shown is not None
            await clock_moves_on_screen(pilot, app, source)
            top = painted(app)[0]
            assert f"{shown} ({ordered.index(shown) + 1} of 30)" in top, top
            status = str(app.rollout_screen.query_one("#status").render())
            assert shown.name in status
            await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview after the last Esc")


async def test_the_overviews_top_line_counts_the_highlighted_canary() -> None:
    app, source = app_for(TWO, start_with_overview=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await settle(pilot, lambda: "apps/examiner (1 of 2)" in painted(app)[0], "(1 of 2)")
        await pilot.press("down")
        await settle(pilot, lambda: "test/podinfo (2 of 2)" in painted(app)[0], "(2 of 2)")


async def test_d_z_and_help_toggle_from_the_rollout_screen_and_the_overview() -> None:
    app, source = app_for(TWO)
    async with app.run_test(size=SIZE) as pilot:
        for opener in ((), ("o",)):
            await pilot.press(*opener)
            under = type(app.screen)
            for key, screen in (("d", DetailScreen), ("z", PresentationScreen), ("question_mark", HelpScreen)):
                await pilot.press(key)
                assert isinstance(app.screen, screen), key
                await clock_moves_on_screen(pilot, app, source)
                await pilot.press(key)
                assert type(app.screen) is under, f"{key} again"
                await pilot.press(key, "escape")
                assert type(app.screen) is under, f"{key} then Esc"


async def test_a_key_on_the_help_closes_it_and_acts_on_the_screen_below() -> None:
    app, source = app_for(TWO)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark", "o")
        assert isinstance(app.screen, OverviewScreen)
        assert not any(isinstance(s, HelpScreen) for s in app.screen_stack)
        await pilot.press("d", "o")
        assert isinstance(app.screen, OverviewScreen), "o from the detail charts returns to the overview below"
        assert [type(s) for s in app.screen_stack[1:]] == [RolloutScreen, OverviewScreen]


async def test_nothing_moves_while_a_question_waits_for_its_answer() -> None:
    app, source = app_for(TWO)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ConfirmScreen("Release?"))
        await pilot.pause()
        await pilot.press("o", "d", "z", "question_mark")
        assert isinstance(app.screen, ConfirmScreen), "the question's own keys only"
        app.action_overview()  # as the command palette would
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert notes[-1][0] == "Answer the question first"
        await pilot.press("n")
        assert app.screen is app.rollout_screen


async def test_n_with_one_canary_says_so() -> None:
    app, source = app_for("seed")
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert notes[-1][0] == "apps/examiner is the only canary in scope"
        assert str(app.state.selected) == "apps/examiner"


async def test_n_steps_through_every_canary_and_the_top_line_follows() -> None:
    app, source = app_for(THIRTY)
    async with app.run_test(size=SIZE) as pilot:
        ordered = sorted(app.state.canaries)
        assert app.state.selected == ordered[0]
        for k in range(2, 32):
            await pilot.press("n")
            expected = ordered[(k - 1) % 30]
            assert app.state.selected == expected
            await settle(pilot, lambda e=expected, k=k: f"{e} ({(k - 1) % 30 + 1} of 30)" in painted(app)[0], "count")


@pytest.mark.parametrize("keys", [(), ("d",), ("o", "question_mark"), ("slash",)], ids=repr)
async def test_ctrl_c_quits_from_any_screen(keys: tuple[str, ...]) -> None:
    app, source = app_for(TWO)
    stopped: list[str] = []
    stop_actions = app.actions.stop
    app.actions.stop = lambda: stopped.append("actions") or stop_actions()  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        await pilot.press("ctrl+c")
    assert app.return_code == 0
    assert stopped == ["actions"], "the load generators are stopped on the way out"


async def test_a_source_that_asks_hears_once_when_the_first_list_is_on_screen() -> None:
    from tests.cluster import objects
    from tui.domain.observations import CanariesListed
    from tui.kube.parse import parse_canary

    sim = simulation(TWO)
    heard: list[str] = []

    class Listening(SimulationSource):
        def first_list_shown(self) -> None:
            heard.append(painted(app)[0])

    source = Listening(sim, speed=5, autorun=False)
    app = CanaryscopeApp(source, SimActions(sim), start_with_overview=True)
    infos = tuple(parse_canary(objects.canary(f"app-{i:02d}", f"team-{i % 3}")) for i in range(30))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not heard, "nothing listed yet"
        app.apply([CanariesListed(infos, None, 0.0)])  # type: ignore[arg-type]
        await settle(pilot, lambda: bool(heard), "the source hearing the list is shown")
        app.apply([CanariesListed(infos[:5], None, 1.0)])  # type: ignore[arg-type]
        await clock_moves_on_screen(pilot, app, source)
    assert len(heard) == 1, "heard once"
    assert "of 30)" in heard[0], "heard once the list was drawn"


async def test_an_empty_first_list_is_heard_as_shown_too() -> None:
    from tui.domain.observations import CanariesListed

    sim = simulation(TWO)
    heard: list[bool] = []

    class Listening(SimulationSource):
        def first_list_shown(self) -> None:
            heard.append(True)

    app = CanaryscopeApp(Listening(sim, speed=5, autorun=False), SimActions(sim), start_with_overview=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.state = AppState()  # nothing in scope: an empty list changes nothing
        app.apply([CanariesListed((), None, 0.0)])
        await settle(pilot, lambda: bool(heard), "the source hearing the (empty) list is shown")
