"""The forecast, checked against the simulation itself: forecast from the Canary after every tick of a rollout,
then let the rollout run and compare the predicted promotion (or rollback) with what happened."""

from __future__ import annotations

import time
from typing import Any

from tests.simkit import EXAMINER, simulation
from tui.domain.forecast import Forecast, forecast_line
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.domain.wording import clock
from tui.sim.engine import Simulation
from tui.sim.forecast import forecast, loadtester_gates
from tui.sim.store import rfc3339

NS, APEX = "apps", "examiner"
HEADER = {"headers": {"x-canary": {"exact": "insider"}}}


def scenario(provider: str = "istio", gates: tuple[str, ...] = (), **analysis: Any) -> dict:
    canary = {"name": APEX, "namespace": NS, "gates": list(gates), "analysis": {"interval": "15s", **analysis}}
    return {"provider": provider, "canaries": [canary], "load": {}}


def predict(sim: Simulation) -> Forecast | None:
    canary = sim.store.get("Canary", NS, APEX)
    target = sim.store.get("Deployment", NS, APEX)
    router = sim.flagger.router_of(canary)
    primary, weight = router.get_routes(canary)
    gates = loadtester_gates(sim.loadtester, APEX, NS)
    return forecast(canary, target, (primary, weight, router.mirrored(canary)), None, sim.scenario.provider, gates)


def phase(sim: Simulation) -> str:
    return sim.store.get("Canary", NS, APEX)["status"]["phase"]


def forecasts_until(sim: Simulation, end: str, limit: int = 60) -> tuple[list[Forecast | None], float]:
    """The forecast after every analysis tick from the release until phase `end`, and when `end` was written."""
    sim.release(EXAMINER, faulty=False)
    seen: list[Forecast | None] = []
    for _ in range(limit):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
        if phase(sim) == end:
            return seen, sim.now
        seen.append(predict(sim))
    raise AssertionError(f"{end} not reached")


def assert_exact(seen: list[Forecast | None], succeeded: float) -> None:
    in_flight = [f for f in seen if f is not None]
    assert len(in_flight) >= 3, seen
    for left, f in zip(range(len(in_flight), 0, -1), in_flight, strict=True):
        assert f.promotion_at == succeeded, (f, rfc3339(succeeded))
        assert f.ticks_left == left


def test_canary_steps_are_forecast_to_the_second() -> None:
    seen, succeeded = forecasts_until(simulation(scenario("linkerd", stepWeight=20, maxWeight=60)), "Succeeded")
    assert_exact(seen, succeeded)


def test_step_weights_and_promotion_steps_are_forecast_to_the_second() -> None:
    sim = simulation(scenario("istio", stepWeights=[5, 25, 50], stepWeightPromotion=30))
    seen, succeeded = forecasts_until(sim, "Succeeded")
    assert_exact(seen, succeeded)


def test_ab_iterations_are_forecast_to_the_second() -> None:
    seen, succeeded = forecasts_until(simulation(scenario("istio", iterations=4, match=[HEADER])), "Succeeded")
    assert_exact(seen, succeeded)


def test_blue_green_with_mirroring_is_forecast_to_the_second() -> None:
    seen, succeeded = forecasts_until(simulation(scenario("istio", iterations=3, mirror=True)), "Succeeded")
    assert_exact(seen, succeeded)


def test_a_closed_confirm_promotion_gate_has_no_eta_until_it_opens() -> None:
    sim = simulation(scenario("linkerd", gates=("confirm-promotion",), stepWeight=25, maxWeight=50))
    seen, _ = forecasts_until(sim, "WaitingPromotion")
    assert seen and all(f is not None and f.waits_for == "confirm-promotion" for f in seen), seen
    assert "waits for approval" in forecast_line(seen[-1])
    sim.loadtester.set_gate(APEX, NS, True)
    opened = predict(sim)
    assert opened is not None and opened.promotion_at is not None
    while phase(sim) != "Succeeded":
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
    assert opened.promotion_at == sim.now


def test_a_failed_check_forecasts_the_rollback_if_checks_keep_failing() -> None:
    sim = simulation(scenario("linkerd", stepWeight=10, maxWeight=50, threshold=3))
    sim.release(EXAMINER, faulty=True)
    failed_seen: Forecast | None = None
    for _ in range(40):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
        status = sim.store.get("Canary", NS, APEX)["status"]
        if status["phase"] == "Failed":
            break
        if int(status.get("failedChecks") or 0) > 0 and failed_seen is None:
            failed_seen = predict(sim)
    else:
        raise AssertionError("the faulty release never rolled back")
    assert failed_seen is not None and failed_seen.rollback_at is not None
    assert failed_seen.rollback_at == sim.now
    assert "if a check fails again" in forecast_line(failed_seen)


def test_at_the_threshold_the_rollback_is_certain_at_the_next_tick() -> None:
    sim = simulation(scenario("linkerd", stepWeight=10, maxWeight=50, threshold=2))
    sim.release(EXAMINER, faulty=True)
    at_threshold: Forecast | None = None
    below: Forecast | None = None
    for _ in range(40):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
        status = sim.store.get("Canary", NS, APEX)["status"]
        if status["phase"] == "Failed":
            break
        failed = int(status.get("failedChecks") or 0)
        if failed == 1 and below is None:
            below = predict(sim)
        if failed == 2 and at_threshold is None:
            at_threshold = predict(sim)
    else:
        raise AssertionError("the faulty release never rolled back")
    assert below is not None and not below.rollback_certain
    assert at_threshold is not None and at_threshold.rollback_certain
    assert at_threshold.rollback_at == sim.now
    assert forecast_line(at_threshold) == f"rollback at {clock(sim.now)}"


def test_a_canary_at_rest_has_no_forecast() -> None:
    sim = simulation(scenario("linkerd", stepWeight=20))
    assert predict(sim) is None


def test_forecast_is_fast() -> None:
    sim = simulation(scenario("linkerd", stepWeight=5, maxWeight=50))
    sim.release(EXAMINER, faulty=False)
    sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
    sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
    started = time.perf_counter()
    for _ in range(10):
        assert predict(sim) is not None
    assert (time.perf_counter() - started) / 10 < 0.05


def test_the_simulation_source_puts_the_forecast_in_the_state() -> None:
    sim = simulation(scenario("linkerd", stepWeight=25, maxWeight=50))
    state = reduce_all(AppState(), sim.drain())
    sim.release(EXAMINER, faulty=False)
    sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
    sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
    state = reduce_all(state, sim.drain())
    assert state.forecasts[EXAMINER] == predict(sim)
    while phase(sim) != "Succeeded":
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
    state = reduce_all(state, sim.drain())
    assert EXAMINER not in state.forecasts
