"""The cluster's forecast, checked against the simulation's own runs: LiveForecasts sees only what a cluster source
reports (each Canary as the API serves it, its router's weights, Flagger's events), never the simulation's
scheduler or loadtester, and must still predict the promotion the run then makes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import objects
from tests.sim.test_forecast import APEX, HEADER, NS, phase, scenario
from tests.simkit import EXAMINER, simulation
from tui.domain.forecast import Forecast
from tui.domain.model import CanaryKey, RouterInfo
from tui.domain.observations import ForecastObserved, Observation, RouterObserved
from tui.kube.parse import parse_canary
from tui.sim.engine import Simulation
from tui.sim.live_forecast import LiveForecasts
from tui.sim.store import rfc3339


class Watcher:
    """A cluster source's view of the simulation: what it drains, and the Canary object after each tick."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.live = LiveForecasts()
        self.current: Forecast | None = None

    def look(self) -> Forecast | None:
        provider = self.sim.scenario.provider
        # As a watch hands it over: the API's answer decoded afresh, not the simulation's own object (which it
        # goes on changing in place).
        canary = json.loads(json.dumps(self.sim.store.get("Canary", NS, APEX)))
        found = self.live.observed(self.sim.drain(), provider) + self.live.changed("MODIFIED", canary, provider)
        for observation in found:
            if isinstance(observation, ForecastObserved) and observation.key == EXAMINER:
                self.current = observation.forecast
        return self.current

    def tick(self) -> None:
        self.sim.advance(self.sim.flagger.next_tick(NS, APEX) - self.sim.now)


def run(sim: Simulation, end: str = "Succeeded", limit: int = 60, **at: Any) -> tuple[list[Forecast | None], float]:
    """The live forecast after every analysis tick from the release until phase `end`, and when `end` came."""
    watcher = Watcher(sim)
    watcher.look()
    sim.release(EXAMINER, faulty=False)
    seen: list[Forecast | None] = []
    for _ in range(limit):
        watcher.tick()
        if phase(sim) == end:
            return seen, sim.now
        seen.append(watcher.look())
    raise AssertionError(f"{end} not reached")


def assert_promotion(seen: list[Forecast | None], succeeded: float) -> None:
    in_flight = [f for f in seen if f is not None]
    assert len(in_flight) >= 3, seen
    for f in in_flight:
        assert f.promotion_at == succeeded, (f, rfc3339(succeeded), [rfc3339(x.promotion_at or 0) for x in seen if x])


def test_canary_steps() -> None:
    assert_promotion(*run(simulation(scenario("linkerd", stepWeight=20, maxWeight=60))))


def test_step_weights_and_promotion_steps() -> None:
    assert_promotion(*run(simulation(scenario("istio", stepWeights=[5, 25, 50], stepWeightPromotion=30))))


def test_ab_iterations() -> None:
    assert_promotion(*run(simulation(scenario("istio", iterations=4, match=[HEADER]))))


def test_blue_green_with_mirroring() -> None:
    # Mirrored requests are the canary's only traffic here (the scenario runs no load).
    assert_promotion(*run(simulation(scenario("istio", iterations=3, mirror=True))))


def test_a_closed_traffic_increase_gate_is_read_from_flaggers_events() -> None:
    sim = simulation(scenario("linkerd", gates=("confirm-traffic-increase",), stepWeight=20, maxWeight=60))
    watcher = Watcher(sim)
    watcher.look()
    sim.release(EXAMINER, faulty=False)
    held: Forecast | None = None
    for _ in range(10):
        watcher.tick()
        held = watcher.look()
        if held is not None and held.waits_for is not None:
            break
    assert held is not None and held.waits_for is not None and held.promotion_at is None, held
    sim.loadtester.set_gate(APEX, NS, True)
    watcher.tick()
    opened = watcher.look()
    assert opened is not None and opened.waits_for is None and opened.promotion_at is not None, opened
    while phase(sim) != "Succeeded":
        watcher.tick()
    assert opened.promotion_at == sim.now


def test_a_routers_change_is_run_forward_only_for_a_canary_that_reads_it() -> None:
    live = LiveForecasts()
    key = CanaryKey("test", "examiner")

    def split(primary: int, canary: int) -> list[Observation]:
        return [RouterObserved(RouterInfo(key.namespace, key.name, "TrafficSplit", "v1alpha1", primary, canary))]

    progressing = objects.canary(phase="Progressing", weight=20)
    assert [o.key for o in live.changed("ADDED", progressing, "linkerd")] == [key]
    # Progressing: the status's weight counts, a router's move is a tick under way and forecasts nothing.
    assert live.observed(split(70, 30), "linkerd") == []
    # WaitingPromotion reads weight 0 while the router keeps the traffic at 50/50: that router is read.
    waiting = objects.canary(phase="WaitingPromotion", weight=0)
    live.changed("MODIFIED", waiting, "linkerd")
    (found,) = live.observed(split(50, 50), "linkerd")
    assert isinstance(found, ForecastObserved) and found.forecast is not None and found.forecast.ticks_left == 5
    assert live.observed(split(50, 50), "linkerd") == []  # nothing changed, nothing sent


def test_a_canary_not_followed_is_run_forward_once_followed_from_its_latest_inputs() -> None:
    key, other = CanaryKey("test", "examiner"), CanaryKey("test", "other")
    narrowed, full = LiveForecasts(), LiveForecasts()
    router = [RouterObserved(RouterInfo(key.namespace, key.name, "TrafficSplit", "v1alpha1", 50, 50))]
    narrowed.follow(frozenset({other}))
    # Nothing was sent for the canary not followed, so nothing is withdrawn.
    assert narrowed.changed("ADDED", objects.canary(phase="Progressing", weight=20), "linkerd") == []
    full.changed("ADDED", objects.canary(phase="Progressing", weight=20), "linkerd")
    # Its inputs move on (the status, then the router it reads while waiting): still nothing is run forward.
    waiting = objects.canary(phase="WaitingPromotion", weight=0)
    assert narrowed.changed("MODIFIED", waiting, "linkerd") == []
    assert narrowed.observed(router, "linkerd") == []
    full.changed("MODIFIED", waiting, "linkerd")
    (expected,) = full.observed(router, "linkerd")
    # Followed, it is forecast from all of them at once: the router's 50/50, not the status's 0.
    (made,) = narrowed.follow(frozenset({key, other}))
    assert made == expected and made.forecast is not None and made.forecast.ticks_left == 5
    assert narrowed.follow(frozenset({key})) == []  # nothing changed since
    # No longer followed, its next change withdraws the forecast it has.
    (withdrawn,) = narrowed.follow(frozenset()) + narrowed.changed(
        "MODIFIED", objects.canary(phase="Progressing", weight=30), "linkerd"
    )
    assert withdrawn == ForecastObserved(key, None)
    # Following every canary again (None) makes the forecasts that were set aside.
    (again,) = narrowed.follow(None)
    assert again.key == key and again.forecast is not None and again.forecast.ticks_left == 7


def test_the_objects_kept_are_never_changed_by_running_them_forward() -> None:
    # LiveForecasts keeps each Canary as the watch decoded it, uncopied: its runs forward (on a change, a router's
    # move, a gate's result, following it) copy it, and must leave it as it came.
    live = LiveForecasts()
    key = CanaryKey("test", "examiner")
    gate = {"name": "approve", "type": "confirm-promotion", "url": "http://flagger-loadtester.test/gate/check"}
    waiting = objects.canary(phase="WaitingPromotion", weight=0, failed=1, hooks=[gate])
    kept = copy.deepcopy(waiting)
    found = [*live.changed("MODIFIED", waiting, "linkerd")]
    found += live.observed(
        [RouterObserved(RouterInfo(key.namespace, key.name, "TrafficSplit", "v1alpha1", 50, 50))], "linkerd"
    )
    live.follow(frozenset())
    found += live.follow(frozenset({key}))
    assert any(isinstance(o, ForecastObserved) and o.forecast is not None for o in found)
    assert waiting == kept


def test_a_canary_parsed_already_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.sim.live_forecast as live_forecast

    parsed: list[object] = []
    monkeypatch.setattr(live_forecast, "parse_canary", lambda obj: parsed.append(obj) or parse_canary(obj))
    live = LiveForecasts()
    progressing = objects.canary(phase="Progressing", weight=20)
    (made,) = live.changed("ADDED", progressing, "linkerd", parse_canary(progressing))
    assert made.forecast is not None and made.forecast.ticks_left == 8
    assert parsed == []
    (again,) = live.changed("MODIFIED", objects.canary(phase="Progressing", weight=30), "linkerd")
    assert again.forecast is not None and len(parsed) == 1  # not given: read here


def test_a_forecaster_that_waits_to_be_told_runs_nothing_forward_until_then() -> None:
    # The command line's: a first list of a thousand canaries in flight runs none forward before the screen follows.
    live = LiveForecasts(frozenset())
    key = CanaryKey("test", "examiner")
    assert live.changed("ADDED", objects.canary(phase="Progressing", weight=20), "linkerd") == []
    (made,) = live.follow(frozenset({key}))
    assert made.key == key and made.forecast is not None and made.forecast.ticks_left == 8


AT_REST_THEN_IN_FLIGHT = """
import sys
from tests.cluster import objects
from tui.sim.live_forecast import LiveForecasts
live = LiveForecasts()
(at_rest,) = live.changed("ADDED", objects.canary(phase="Succeeded"), "linkerd")
print(at_rest.forecast, "tui.sim.flagger" in sys.modules)
(moving,) = live.changed("MODIFIED", objects.canary(phase="Progressing", weight=20), "linkerd")
print(moving.forecast is not None, "tui.sim.flagger" in sys.modules)
"""


def test_canaries_at_rest_do_not_import_the_scheduler_before_the_first_screen() -> None:
    # Watching a cluster builds LiveForecasts before the first screen; the simulation it runs forward is imported
    # only for a canary in flight (about 60 ms of start-up for a fleet at rest).
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", AT_REST_THEN_IN_FLIGHT], capture_output=True, text=True, timeout=60, cwd=repo
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "False", "True", "True"]
