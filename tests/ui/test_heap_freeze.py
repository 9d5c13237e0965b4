"""The heap is collected and frozen once the first screen is up; for a source whose first list is still on its way,
once that list is drawn: the collection (50 to 200 ms at a thousand canaries) must not delay the list on screen."""

from __future__ import annotations

import pytest

from tests.cluster import objects
from tests.simkit import simulation
from tests.ui.test_navigation import SIZE, TWO, painted
from tests.waiting import settle
from tui.app import CanaryscopeApp
from tui.app import terminal as app_terminal
from tui.domain.observations import CanariesListed
from tui.kube.parse import parse_canary
from tui.screens.overview import OverviewScreen
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource


def frozen_screens(monkeypatch: pytest.MonkeyPatch, app: list[CanaryscopeApp]) -> list[str]:
    """What was on screen at each collection."""
    seen: list[str] = []
    monkeypatch.setattr(app_terminal, "freeze_heap", lambda: seen.append(painted(app[0])[0]))
    return seen


async def test_a_source_that_lists_sees_its_first_list_drawn_before_the_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    holder: list[CanaryscopeApp] = []
    seen = frozen_screens(monkeypatch, holder)

    class Listing(SimulationSource):
        def first_list_shown(self) -> None:
            pass

    sim = simulation(TWO)
    app = CanaryscopeApp(Listing(sim, speed=5, autorun=False), SimActions(sim), start_with_overview=True)
    holder.append(app)
    infos = tuple(parse_canary(objects.canary(f"app-{i:02d}", f"team-{i % 3}")) for i in range(30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, OverviewScreen) and any(painted(app)), "the first frame")
        await pilot.pause()
        assert seen == [], "no collection while the first list is on its way"
        app.apply([CanariesListed(infos, None, 0.0)])  # type: ignore[arg-type]
        await settle(pilot, lambda: bool(seen), "the collection after the list")
    assert len(seen) == 1
    assert "of 30)" in seen[0], "collected once the list was drawn"


async def test_a_source_that_does_not_list_is_collected_after_the_first_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    holder: list[CanaryscopeApp] = []
    seen = frozen_screens(monkeypatch, holder)
    sim = simulation(TWO)
    app = CanaryscopeApp(SimulationSource(sim, speed=5, autorun=False), SimActions(sim))
    holder.append(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(seen), "the collection after the first frame")
    assert len(seen) == 1


async def test_the_collector_paused_for_the_start_runs_again_after_the_first_frame() -> None:
    import gc

    sim = simulation(TWO)
    app = CanaryscopeApp(SimulationSource(sim, speed=5, autorun=False), SimActions(sim))
    gc.disable()  # as the command line does for the start (tui/base/gc_tuning.py)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, gc.isenabled, "the collector on again")
            assert gc.get_freeze_count() > 0, "what the start made is frozen"
    finally:
        gc.enable()
        gc.unfreeze()


async def test_a_first_list_in_before_the_first_screen_goes_out_before_the_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Several contexts list while the app starts: their lists are in the state when the first screen is chosen.
    # The frame that draws them must reach the terminal before the collection holds the interpreter.
    holder: list[CanaryscopeApp] = []
    seen = frozen_screens(monkeypatch, holder)
    infos = tuple(parse_canary(objects.canary(f"app-{i:02d}", f"team-{i % 3}")) for i in range(30))

    class ListedAtStart(SimulationSource):
        def start(self, sink: object) -> None:
            super().start(sink)  # type: ignore[arg-type]
            assert self._sink is not None
            self._sink.hand_over([CanariesListed(infos, None, 0.0)])  # type: ignore[arg-type]

        def first_list_shown(self) -> None:
            pass

    sim = simulation(TWO)
    app = CanaryscopeApp(ListedAtStart(sim, speed=5, autorun=False), SimActions(sim), start_with_overview=True)
    holder.append(app)
    frames: list[int] = []
    output = app.terminal.output
    monkeypatch.setattr(app.terminal, "output", lambda renderable: (frames.append(len(seen)), output(renderable))[1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: bool(seen), "the collection after the first frame")
    assert "of 30)" in seen[0]
    assert frames and frames[0] == 0, "a frame went out before the collection"
