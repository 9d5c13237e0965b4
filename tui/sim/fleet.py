"""`canaryscope demo --scenario fleet`: several simulated clusters on one virtual clock, a few dozen canaries released
at different times, some of them faulty, one waiting behind a promotion gate, so that the overview of several
contexts has something to triage.

Each cluster is its own Simulation (its own Flagger, mesh and load); they step together, second by second, and
what each one reports reaches the owner wrapped in `InContext`, as a cluster source's would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from tui.domain.fleet import InContext
from tui.domain.model import CanaryKey
from tui.sim.engine import Simulation
from tui.sim.scenario import from_mapping

FLEET_SCENARIO = "fleet"

# context -> (namespace, canary names). Short ticks, so that a release takes a couple of minutes of virtual time.
CLUSTERS: dict[str, dict[str, tuple[str, ...]]] = {
    "eu-west": {
        "shop": ("checkout", "cart", "catalog", "reviews"),
        "payments": ("payments", "refunds"),
        "platform": ("auth", "search", "profile"),
    },
    "us-east": {
        "shop": ("checkout", "cart", "catalog", "wishlist"),
        "payments": ("payments", "ledger"),
        "ads": ("bidder", "pacing", "reports"),
    },
    "ap-south": {
        "shop": ("checkout", "catalog", "recommend"),
        "platform": ("auth", "search", "profile", "notify"),
    },
}
# The one canary that waits for `p` once its analysis is done.
GATED = ("us-east", CanaryKey("payments", "payments"))
ANALYSIS = {"interval": "15s", "stepWeight": 10, "maxWeight": 50, "stepWeightPromotion": 25}


@dataclass(frozen=True)
class Release:
    """`key` in `context` gets a new version `at` seconds into every period of the timetable."""

    at: int
    context: str
    key: CanaryKey
    faulty: bool


# Every release of one period; the timetable starts again after PERIOD_S so the demo never runs dry.
PERIOD_S = 600


def timetable() -> tuple[Release, ...]:
    """Releases spread over the period: one every 20 virtual seconds, every fourth one faulty, the gated canary
    among the first, so it waits for promotion while the others move."""
    per_context = [
        [(context, CanaryKey(ns, name)) for ns, names in spaces.items() for name in names]
        for context, spaces in CLUSTERS.items()
    ]
    # Round the contexts, so each cluster has something moving at any time.
    every = [item for turn in zip_longest(*per_context) for item in turn if item is not None]
    order = [GATED, *(item for item in every if item != GATED)]
    return tuple(
        Release(10 + 20 * index, context, key, faulty=index % 4 == 3) for index, (context, key) in enumerate(order)
    )


def cluster_scenario(context: str) -> Any:
    canaries = []
    for namespace, names in CLUSTERS[context].items():
        for name in names:
            gated = (context, CanaryKey(namespace, name)) == GATED
            canaries.append(
                {
                    "name": name,
                    "namespace": namespace,
                    "gates": ["confirm-promotion", "rollback"] if gated else ["rollback"],
                    "analysis": ANALYSIS,
                }
            )
    return from_mapping({"canaries": canaries, "warmup": "60s"})


class SimulatedFleet:
    """Several simulations as one: they step together, releases fire from the timetable, and `drain` hands over
    each cluster's observations as that context's."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.sims = {context: Simulation(cluster_scenario(context), seed=seed) for context in CLUSTERS}
        self.contexts = tuple(self.sims)
        self._start = self.now
        self._releases = timetable()

    @property
    def now(self) -> float:
        return next(iter(self.sims.values())).now

    def advance(self, seconds: float, before_step: Callable[[float], None] | None = None) -> None:
        """Whole virtual seconds, every cluster together; `before_step(now)` runs once before each second."""
        for _ in range(int(seconds)):
            if before_step is not None:
                before_step(self.now)
            self._release_due(int(self.now - self._start) % PERIOD_S)
            for sim in self.sims.values():
                sim.advance(1)

    def _release_due(self, second: int) -> None:
        for release in self._releases:
            if release.at == second:
                self.sims[release.context].release(release.key, faulty=release.faulty)

    def drain(self) -> list[Any]:
        batches = ((context, sim.drain()) for context, sim in self.sims.items())
        return [InContext(context, tuple(batch)) for context, batch in batches if batch]
