"""The A/B and blue/green cases of tests/lab/strategies.py in canaryscope's simulation, reduced as tests/lab/fidelity.py
reduces a run, with what these strategies write: (phase, canaryWeight, failedChecks, iterations) and the router's
(canary weight, mirrored) as Flagger's GetRoutes reads it.

Both sides start from one scenario (tests.lab.strategies.strategy_scenario): the lab applies its Canary
(tui.sim.manifests.canary), the simulation runs it with the lab's load (half of the steady load carries the match,
a quarter the header and a quarter the cookie, and under A/B every injected error does).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.lab.fidelity import reduce
from tests.lab.strategies import Case, strategy_scenario
from tui.domain.flagger.logger_stream import parse_lines
from tui.domain.model import CanaryKey
from tui.sim.engine import Simulation
from tui.sim.logger_pod import LOG_LINES_LIMIT

Row = tuple[str, int, int, int]
Route = tuple[int, bool]


@dataclass(frozen=True)
class StrategySequences:
    events: list[tuple[str, str, str]]
    releases: list[int]
    statuses: list[Row]
    router: list[Route]


def analysed(rows: list[Row]) -> list[Row]:
    """The rows from the release's first Progressing on (the first row is the state it started from)."""
    start = next((i for i, row in enumerate(rows) if row[0] == "Progressing"), None)
    if start is None:
        raise AssertionError(f"the Canary never reached Progressing: {rows}")
    return rows[start:]


def reduce_strategy(trace: object) -> StrategySequences:
    """A lab release (a FlaggerTrace) as comparable sequences."""
    base = reduce(trace.events(), trace.statuses(), trace.router())  # type: ignore[attr-defined]
    return StrategySequences(
        base.events,
        base.releases,
        analysed(trace.iterations()),  # type: ignore[attr-defined]
        trace.router_states(),  # type: ignore[attr-defined]
    )


def _release(sim: Simulation, key: CanaryKey, kind: str, limit_s: int = 900) -> tuple[list[Row], list[Route]]:
    def row() -> Row:
        st = sim.store.get("Canary", key.namespace, key.name)["status"]
        return st["phase"], int(st["canaryWeight"]), int(st["failedChecks"]), int(st.get("iterations") or 0)

    def route() -> Route:
        canary = sim.store.get("Canary", key.namespace, key.name)
        router = sim.flagger.router_of(canary)
        weights = sim.weights(key)
        return (weights[1] if weights else 0), bool(router.mirrored(canary))

    rows, routes = [row()], [route()]
    sim.release(key, faulty=kind == "faulty")
    errors = sim.inject_errors(key) if kind == "faulty" else None
    for _ in range(limit_s):
        sim.advance(1)
        if row() != rows[-1]:
            rows.append(row())
        if route() != routes[-1]:
            routes.append(route())
        if rows[-1][0] in ("Succeeded", "Failed") and any(r[0] == "Progressing" for r in rows):
            break
    if errors is not None:
        sim.stop_load(errors)
    return rows, routes


def simulate_strategy(case: Case, kinds: tuple[str, ...], seed: int = 1) -> list[StrategySequences]:
    """Each release of ``kinds`` in turn in the simulation, the next one once the canary's metric window is empty
    (as tests/lab/strategies.py starts them)."""
    sim = Simulation(strategy_scenario(case), seed=seed)
    key = CanaryKey(case.namespace, "examiner")
    out = []
    for i, kind in enumerate(kinds):
        if i:
            for _ in range(120):
                sim.advance(1)
                if sim.traffic.metrics(key.namespace, key.name).window(int(sim.now), 30).success_rate is None:
                    break
        before = len(sim.logger.tail(LOG_LINES_LIMIT))
        rows, routes = _release(sim, key, kind)
        lines = sim.logger.tail(LOG_LINES_LIMIT)
        assert len(lines) < LOG_LINES_LIMIT, "the simulated logger's log overflowed"
        base = reduce(parse_lines(lines[before:]), [r[:3] for r in rows], [r[0] for r in routes])
        out.append(StrategySequences(base.events, base.releases, analysed(rows), routes))
    return out
