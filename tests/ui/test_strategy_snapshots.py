"""SVG snapshots of the rollout screen for A/B testing and blue/green, from Canary and router objects as Flagger
writes them, parsed and folded as a cluster source would deliver them. Nothing moves the clock: the state is frozen."""

from __future__ import annotations

from typing import Any

import pytest

from tests import strategy_states as ss
from tests.waiting import settle
from tui.actions import ReadOnlyActions
from tui.app import CanaryscopeApp
from tui.domain.observations import Observation
from tui.screens.presentation import PresentationScreen
from tui.sources.mailbox import Consumer, Mailbox
from widgets.big_text import BigText


class FixedSource:
    """Hands over one burst of observations and then nothing: a cluster caught at one moment."""

    label = "cluster standin"
    pacing = None

    def __init__(self, observations: list[Observation]) -> None:
        self.observations = observations

    def start(self, sink: Mailbox | Consumer) -> None:
        sink.put(self.observations)  # type: ignore[union-attr]

    def pump(self) -> None:
        pass

    def stop(self) -> None:
        pass


CASES: dict[str, Any] = {
    "ab": lambda: ss.ab(4, make=ss.observations),
    "bluegreen": lambda: ss.blue_green(2, make=ss.observations),
    "bluegreen-routed": lambda: ss.blue_green(6, routed=True, make=ss.observations),
}


def _app(case: str) -> tuple[CanaryscopeApp, Any]:
    app = CanaryscopeApp(FixedSource(CASES[case]()), ReadOnlyActions())  # type: ignore[arg-type]

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot, lambda: app.state.now == ss.NOW and app.state.selected == ss.KEY, "the state applied")
        await pilot.pause()

    return app, ready


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_strategy_rollout_screen(snap_compare, case: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app, ready = _app(case)
    assert snap_compare(app, terminal_size=size, run_before=ready)


async def test_presentation_shows_the_matched_share_for_ab_not_the_match_rule() -> None:
    app, _ready = _app("ab")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.state.now == ss.NOW, "the state applied")
        await pilot.press("z")
        await settle(pilot, lambda: isinstance(app.screen, PresentationScreen), "the presentation open")
        await pilot.pause()
        screen = app.screen
        # 5 of 50 requests per second matched: the canary gets 10 %, not the route's 100 %.
        assert screen.query_one("#p-canary-weight", BigText).text == "10%"
        assert screen.query_one("#p-primary-weight", BigText).text == "90%"
