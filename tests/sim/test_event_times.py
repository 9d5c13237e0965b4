"""The simulated logger's event times never go backwards, over many releases."""

from __future__ import annotations

from itertools import pairwise

from tests.simkit import EXAMINER, simulation
from tui.domain.model import CanaryKey
from tui.domain.observations import EventObserved
from tui.sim.finalizer import DeleteCanary

DONE = ("Succeeded", "Failed")


def test_event_times_never_go_backwards_over_many_releases() -> None:
    sim = simulation("demo", seed=3)
    times: list[float] = []

    def advance_until(done: bool) -> None:
        deadline = sim.now + 1800
        while (sim.phase(EXAMINER) in DONE) != done:
            assert sim.now < deadline, "the release did not get there within 30 virtual minutes"
            sim.advance(1)
            times.extend(o.event.t for o in sim.drain() if isinstance(o, EventObserved))

    for release in range(20):
        sim.release(EXAMINER, faulty=release % 3 == 2)
        advance_until(done=False)
        advance_until(done=True)
    assert len(times) > 200, len(times)  # more than the simulation's 97 events of in-tick offsets
    backwards = [(a, b) for a, b in pairwise(times) if b < a]
    assert not backwards, f"{len(backwards)} of {len(times)} event times go backwards, e.g. {backwards[:3]}"


def test_event_times_never_go_backwards_across_canaries_and_a_deletion() -> None:
    # Two canaries tick in the same seconds; the Terminating/Terminated Events of one come between two steps.
    both = [{"name": name, "namespace": "apps", "revertOnDeletion": True} for name in ("examiner", "other")]
    sim = simulation({"canaries": both})
    other = CanaryKey("apps", "other")
    times: list[float] = []

    def advance(seconds: int) -> None:
        for _ in range(seconds):
            sim.advance(1)
            times.extend(o.event.t for o in sim.drain() if isinstance(o, EventObserved))

    sim.release(EXAMINER, faulty=False)
    sim.release(other, faulty=False)
    advance(75)
    sim.apply(other, DeleteCanary())
    times.extend(o.event.t for o in sim.drain() if isinstance(o, EventObserved))
    advance(120)
    assert sim.store.get("Canary", "apps", "other") is None
    assert len(times) > 10, len(times)
    assert all(b >= a for a, b in pairwise(times)), times
