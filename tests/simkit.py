"""Helpers to build simulations and apps with a virtual clock that only the test moves."""

from __future__ import annotations

from tui.app import CanaryscopeApp
from tui.domain.model import CanaryKey
from tui.sim.actions import SimActions
from tui.sim.engine import Simulation
from tui.sim.flagger import Recorded
from tui.sim.scenario import Scenario, from_mapping, load_scenario
from tui.sim.source import SimulationSource

EXAMINER = CanaryKey("apps", "examiner")


def scenario(name_or_mapping: str | dict = "seed", **overrides: object) -> Scenario:
    if isinstance(name_or_mapping, dict):
        return from_mapping(name_or_mapping)
    base = load_scenario(name_or_mapping)
    if overrides:
        from dataclasses import replace

        base = replace(base, **overrides)  # type: ignore[arg-type]
    return base


def simulation(name_or_mapping: str | dict = "seed", seed: int = 1, **overrides: object) -> Simulation:
    return Simulation(scenario(name_or_mapping, **overrides), seed=seed)


def sim_app(name: str | dict = "demo", seed: int = 1) -> tuple[CanaryscopeApp, SimulationSource, Simulation]:
    sim = simulation(name, seed=seed)
    source = SimulationSource(sim, speed=5, autorun=False)
    return CanaryscopeApp(source, SimActions(sim)), source, sim


def history_since(sim: Simulation, start: int) -> list[Recorded]:
    return list(sim.flagger.history)[start:]


def run_until(sim: Simulation, predicate, limit_s: int = 1800, step_s: int = 1) -> float:  # type: ignore[no-untyped-def]
    """Advance until predicate(sim) holds; returns the virtual seconds it took. Fails after limit_s."""
    start = sim.now
    while not predicate(sim):
        if sim.now - start > limit_s:
            raise AssertionError(f"condition not reached within {limit_s}s of virtual time")
        sim.advance(step_s)
    return sim.now - start
