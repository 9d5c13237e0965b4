"""Virtual time as a capability of the simulation source: the owner's timer asks it to step."""

from __future__ import annotations

from tests.simkit import simulation
from tests.waiting import settle
from tui.actions import ReadOnlyActions
from tui.app import CanaryscopeApp
from tui.cluster.source import ClusterSource
from tui.domain.observations import ClockTick, Observation
from tui.sim.source import SimulationSource


class Folder:
    def __init__(self) -> None:
        self.seen: list[Observation] = []

    def apply(self, observations: list[Observation]) -> None:
        self.seen.extend(observations)


def started(speed: float = 5, *, autorun: bool = True) -> tuple[SimulationSource, Folder]:
    source = SimulationSource(simulation("seed"), speed, autorun=autorun)
    folder = Folder()
    source.start(folder)
    return source, folder


def test_start_hands_over_what_the_simulation_has_so_far() -> None:
    source, folder = started()
    assert folder.seen and source.sim.drain() == []


def test_each_tick_moves_whole_virtual_seconds_and_carries_the_fraction() -> None:
    source, _ = started(speed=5)
    pacing = source.pacing
    assert pacing.tick_s == SimulationSource.TICK_S == 0.25 and pacing.autorun
    begin = source.sim.now
    moved = []
    for _ in range(4):
        before = source.sim.now
        pacing.step()
        moved.append(source.sim.now - before)
    assert moved == [1, 1, 1, 2], "1.25 virtual seconds a tick: a whole one each time, the quarters add up"
    assert source.sim.now - begin == 5


def test_a_hold_keeps_time_still_and_before_step_sees_every_second() -> None:
    source, folder = started(speed=8)
    pacing = source.pacing
    held = True
    pacing.hold = lambda: held
    begin = source.sim.now
    pacing.step()
    assert source.sim.now == begin
    held = False
    seconds: list[float] = []
    pacing.before_step = seconds.append
    folder.seen.clear()
    pacing.step()
    assert seconds == [begin, begin + 1] and source.sim.now == begin + 2
    assert folder.seen[-1] == ClockTick(begin + 2), "the step's result is handed over at once"


def test_a_stopped_source_no_longer_steps_but_can_be_advanced_by_hand() -> None:
    source, folder = started(speed=8)
    source.stop()
    begin = source.sim.now
    source.pacing.step()
    assert source.sim.now == begin
    source.advance(3)
    assert source.sim.now == begin + 3 and folder.seen[-1] == ClockTick(begin + 3)


def test_a_cluster_keeps_its_own_time() -> None:
    assert ClusterSource.pacing is None


async def test_the_app_runs_the_pacing_on_its_own_timer() -> None:
    sim = simulation("seed")
    begin = sim.now
    app = CanaryscopeApp(SimulationSource(sim, speed=20), ReadOnlyActions())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.state.now >= begin + 10, "virtual time moving on the app's timer", 20)
        assert app.state.now == sim.now, "each step reached the app's state"
