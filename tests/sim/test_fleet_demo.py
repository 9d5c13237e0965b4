"""`demo --scenario fleet`: three simulated clusters on one clock, releases at different times, some failing, one
waiting for promotion, shown through the same plumbing as several kubeconfig contexts."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ui.test_navigation import painted
from tests.waiting import settle
from tui.actions.fleet import FleetActions
from tui.app import CanaryscopeApp
from tui.domain.fleet import Fleet, reduce_fleet
from tui.sim.actions import SimActions
from tui.sim.fleet import CLUSTERS, GATED, PERIOD_S, SimulatedFleet, timetable
from tui.sim.source import SimulationSource
from widgets.canary_table import CanaryTable


def test_the_timetable_releases_every_canary_once_a_period_some_faulty_the_gated_first() -> None:
    releases = timetable()
    assert (releases[0].context, releases[0].key) == GATED and not releases[0].faulty
    canaries = sum(len(names) for spaces in CLUSTERS.values() for names in spaces.values())
    assert len(releases) == len({(r.context, r.key) for r in releases}) == canaries >= 24
    assert all(0 < r.at < PERIOD_S for r in releases)
    assert len({r.at for r in releases}) == len(releases), "each release at a time of its own"
    assert 0 < sum(r.faulty for r in releases) < len(releases)
    # Consecutive releases go to different clusters while every cluster still has some to release.
    assert [r.context for r in releases[1:4]] == ["eu-west", "us-east", "ap-south"]


def test_the_clusters_move_together_and_the_fleet_shows_failures_and_a_waiting_promotion() -> None:
    fleet = SimulatedFleet(seed=1)
    state = reduce_fleet(Fleet.of_contexts(fleet.contexts), fleet.drain())
    fleet.advance(240)
    state = reduce_fleet(state, fleet.drain())
    assert {s.now for s in state.states.values()} == {fleet.now}, "one virtual clock"
    phases = {(c.context, c.key): c.view.info.phase for c in state.canaries()}
    assert phases[GATED] == "WaitingPromotion"
    assert "Failed" in phases.values() and "Succeeded" in phases.values()
    assert {context for context, _ in phases} == set(CLUSTERS)


def test_the_readme_describes_the_fleet_scenario_as_it_is() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    entry = re.search(r"- `fleet`: (.*?)(?:\n\s*\n|\n  - )", readme, re.S)
    assert entry is not None, "README lists the fleet scenario"
    text = " ".join(entry.group(1).split())
    said = re.search(r"(\d+) canaries", text)
    assert said is not None and int(said.group(1)) == sum(len(n) for s in CLUSTERS.values() for n in s.values())
    assert re.findall(r"`([a-z]+-[a-z]+)`", text.split(" on one clock")[0]) == list(CLUSTERS)
    gated_context, gated = GATED
    assert f"`{gated_context}` `{gated}`" in text


async def test_the_fleet_demo_opens_on_the_overview_of_every_cluster() -> None:
    fleet = SimulatedFleet(seed=1)
    actions = FleetActions({c: SimActions(sim) for c, sim in fleet.sims.items()}, read_only=False)
    source = SimulationSource(fleet, speed=5, autorun=False)  # type: ignore[arg-type]
    app = CanaryscopeApp(source, actions, start_with_overview=True, contexts=fleet.contexts)
    total = sum(len(names) for spaces in CLUSTERS.values() for names in spaces.values())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.screen is app.overview_screen, "the overview")
        table = app.overview_screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == total, "every cluster's canaries")
        assert {table.cells(k)[-1] for k in table.row_keys()} == set(CLUSTERS)  # the context, drawn first
        source.advance(30)
        await settle(pilot, lambda: app.state.now == fleet.now, "time moved on")


async def test_the_fleet_demo_starts_on_the_first_row_and_goes_to_the_first_canary_that_needs_a_human() -> None:
    fleet = SimulatedFleet(seed=1)
    actions = FleetActions({c: SimActions(sim) for c, sim in fleet.sims.items()}, read_only=False)
    source = SimulationSource(fleet, speed=5, autorun=False)  # type: ignore[arg-type]
    app = CanaryscopeApp(source, actions, start_with_overview=True, contexts=fleet.contexts)
    total = sum(len(names) for spaces in CLUSTERS.values() for names in spaces.values())

    def on_first_row() -> bool:
        first = table.row_keys()[0]
        return table.cursor_key == first and app.focus is not None and app.focus.position() == (1, total)

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.screen is app.overview_screen, "the overview")
        table = app.overview_screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == total, "every cluster's canaries")
        await settle(pilot, on_first_row, "the first row followed, counted first")
        # Nothing needs a human yet: ties follow the contexts in the order given.
        assert table.cells(table.row_keys()[0])[-1] == fleet.contexts[0]
        for _ in range(30):
            source.advance(10)
            await settle(pilot, lambda: app.state.now == fleet.now, "time moved on")
            if table.cells(table.row_keys()[0])[8] == "FAIL":
                break
        await settle(pilot, lambda: table.cells(table.row_keys()[0])[8] == "FAIL", "a failed canary first")
        await settle(pilot, on_first_row, "the failed canary followed")
        # Once the user picks a row, the cursor stays on it.
        await pilot.press("down")
        chosen = table.cursor_key
        source.advance(120)
        await settle(pilot, lambda: app.state.now == fleet.now, "time moved on")
        await pilot.pause()
        assert table.cursor_key == chosen


async def test_at_80x24_the_top_lines_stay_above_the_25_rows() -> None:
    fleet = SimulatedFleet(seed=1)
    actions = FleetActions({c: SimActions(sim) for c, sim in fleet.sims.items()}, read_only=False)
    source = SimulationSource(fleet, speed=5, autorun=False)  # type: ignore[arg-type]
    app = CanaryscopeApp(source, actions, start_with_overview=True, contexts=fleet.contexts)
    total = sum(len(names) for spaces in CLUSTERS.values() for names in spaces.values())

    def top_lines_shown() -> bool:
        lines = painted(app)
        return lines[0].startswith(" canaryscope ") and lines[1].startswith(f"{fleet.contexts[0]}: ")

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: app.screen is app.overview_screen, "the overview")
        table = app.overview_screen.query_one(CanaryTable)
        await settle(pilot, lambda: len(table) == total, "every cluster's canaries")
        assert total > 24 - 4, "more rows than the screen has lines"
        await settle(pilot, top_lines_shown, "the top lines")
        for keys in (("end",), ("enter", "escape"), ("slash", "z", "z"), ("escape",), ("pagedown", "pagedown")):
            await pilot.press(*keys)
            await settle(pilot, lambda: app.screen is app.overview_screen, "the overview")
            await settle(pilot, top_lines_shown, f"the top lines after {keys}")
            assert app.screen.scroll_y == 0
