"""Without a named canary the app starts on the overview, unless the first list is in before the first screen is
chosen (a cluster source begun while the screen was built): a lone canary then opens on its own screen, without
the overview composed and drawn first."""

from __future__ import annotations

import pytest

from tests.cluster import objects
from tests.simkit import simulation
from tests.waiting import settle
from tui.app import CanaryscopeApp
from tui.domain.observations import CanariesListed
from tui.kube.parse import parse_canary
from tui.screens.overview import OverviewScreen
from tui.screens.rollout import RolloutScreen
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource
from tui.sources.mailbox import Mailbox

ONE = {"canaries": [{"name": "examiner"}]}


class ListedFirst(SimulationSource):
    """Holds a list of canaries when the app starts it, as a cluster source begun before the screen does (and
    nothing else: the simulation's own canary stays out)."""

    def __init__(self, *args: object, listed: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.infos = tuple(parse_canary(objects.canary(f"app-{i}", "team")) for i in range(listed))

    def start(self, sink: Mailbox) -> None:  # type: ignore[override]
        sink.put([CanariesListed(self.infos, None, 0.0)])  # type: ignore[arg-type]


def composed_overviews(monkeypatch: pytest.MonkeyPatch) -> list[OverviewScreen]:
    built: list[OverviewScreen] = []
    compose = OverviewScreen.compose

    def counting(screen: OverviewScreen):  # type: ignore[no-untyped-def]
        built.append(screen)
        return compose(screen)

    monkeypatch.setattr(OverviewScreen, "compose", counting)
    return built


async def test_a_lone_canary_listed_before_the_first_screen_opens_on_its_own_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = composed_overviews(monkeypatch)
    sim = simulation(ONE)
    source = ListedFirst(sim, speed=5, autorun=False, listed=1)
    app = CanaryscopeApp(source, SimActions(sim), start_with_overview=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout screen shown")
        assert str(app.state.selected) == "team/app-0"
        assert built == [], "no overview composed on the way"
        await pilot.press("o")
        await settle(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview opened with `o`")
    assert len(built) == 1, "the overview was composed only when asked for"


async def test_many_canaries_listed_before_the_first_screen_start_on_the_overview(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = composed_overviews(monkeypatch)
    sim = simulation(ONE)
    source = ListedFirst(sim, speed=5, autorun=False, listed=3)
    app = CanaryscopeApp(source, SimActions(sim), start_with_overview=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview shown")
        table_rows = app.screen.query_one("#overview")
        await settle(pilot, lambda: len(table_rows) >= 3, "the listed canaries on the overview")  # type: ignore[arg-type]
    assert len(built) == 1
