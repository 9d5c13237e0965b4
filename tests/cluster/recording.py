"""Recorded rollouts: every object change, logger line and metric sample of a run, replayable through the
stand-in. `python -m tests.cluster.recording` writes the simulated ones into recordings/."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.domain.model import CanaryKey
from tui.domain.observations import MetricsObserved
from tui.sim.engine import Simulation
from tui.sim.scenario import load_scenario

HERE = Path(__file__).parent / "recordings"


@dataclass
class Step:
    t: float
    changes: list[dict[str, Any]] = field(default_factory=list)  # {"type": ..., "object": {...}}
    log: list[str] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Recording:
    name: str
    steps: list[Step]

    def to_json(self) -> str:
        return json.dumps(
            {"name": self.name, "steps": [s.__dict__ for s in self.steps]},
            indent=None,
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def load(cls, name: str) -> Recording:
        data = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
        return cls(data["name"], [Step(**s) for s in data["steps"]])


class Recorder:
    """Tees a simulation's object changes, logger lines and metric samples into steps, one per virtual second."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.steps: list[Step] = []
        store_drain, logger_read, drain = sim.store.drain, sim.logger.read_new, sim.drain

        def tee_store() -> list[tuple[str, dict[str, Any]]]:
            changes = store_drain()
            self._step().changes.extend({"type": kind, "object": obj} for kind, obj in changes)
            return changes

        def tee_logger() -> list[str]:
            lines = logger_read()
            self._step().log.extend(lines)
            return lines

        def tee_samples() -> list[Any]:
            observations = drain()
            for obs in observations:
                if isinstance(obs, MetricsObserved):
                    for s in obs.samples:
                        self._step().samples.append(
                            {
                                "namespace": s.namespace,
                                "deployment": s.deployment,
                                "success_rate": s.success_rate,
                                "rps": s.rps,
                                "p99_ms": s.p99_ms,
                            }
                        )
            return observations

        sim.store.drain = tee_store  # type: ignore[method-assign]
        sim.logger.read_new = tee_logger  # type: ignore[method-assign]
        sim.drain = tee_samples  # type: ignore[method-assign]

    def _step(self) -> Step:
        now = self.sim.now
        if not self.steps or self.steps[-1].t != now:
            self.steps.append(Step(now))
        return self.steps[-1]

    def advance(self, seconds: int) -> None:
        for _ in range(seconds):
            self.sim.advance(1)
            self.sim.drain()

    def until(self, predicate: Any, limit: int = 1800) -> None:
        for _ in range(limit):
            if predicate(self.sim):
                return
            self.advance(1)
        raise AssertionError("the recorded run did not reach its goal")


def record_gated_then_faulty() -> Recording:
    """A release waits for promotion (status weight 0 while traffic stays at 50 %), is promoted, then a faulty
    release fails its checks and is rolled back (failedChecks reset to 0)."""
    scenario = load_scenario("gated")
    sim = Simulation(scenario, seed=11)
    sim.drain()
    # What a watcher lists when it starts: the objects after the warm-up and the logger's log so far.
    initial = Step(sim.now)
    initial.changes = [
        {"type": "ADDED", "object": copy.deepcopy(obj)}
        for kind in ("Deployment", "Canary", "TrafficSplit")
        for obj in sim.store.list(kind)
    ]
    initial.log = sim.logger.tail(10_000)
    sim.store.drain()
    sim.logger.read_new()
    recorder = Recorder(sim)
    recorder.steps.append(initial)
    key = CanaryKey("apps", "examiner")
    recorder.advance(5)
    sim.release(key, faulty=False)
    recorder.until(lambda s: s.phase(key) == "WaitingPromotion")
    recorder.advance(65)
    sim.open_promotion_gate(key)
    recorder.until(lambda s: s.phase(key) == "Succeeded")
    recorder.advance(20)
    sim.release(key, faulty=True)
    recorder.until(lambda s: s.phase(key) == "Failed")
    recorder.advance(10)
    return Recording("gated-then-faulty", recorder.steps)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    recording = record_gated_then_faulty()
    (HERE / f"{recording.name}.json").write_text(recording.to_json(), encoding="utf-8")
    print(f"{recording.name}: {len(recording.steps)} steps")


if __name__ == "__main__":
    main()
