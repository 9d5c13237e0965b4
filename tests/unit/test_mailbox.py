"""The mailbox every source writes into: bounded, one wake-up per burst, each health said once."""

from __future__ import annotations

import threading

from tui.domain.model import Health
from tui.domain.observations import ClockTick, HealthObserved, Observation
from tui.sources.mailbox import PENDING_LIMIT, Mailbox, mailbox_for


def ticks(start: int, count: int) -> list[Observation]:
    return [ClockTick(float(t)) for t in range(start, start + count)]


def test_a_burst_past_the_limit_drops_the_oldest_and_counts_them() -> None:
    mailbox = Mailbox(limit=5)
    mailbox.put(ticks(0, 3))
    mailbox.put(ticks(3, 5))
    assert mailbox.drain() == ticks(3, 5)
    assert mailbox.dropped == 3
    assert mailbox.drain() == []


def test_the_default_limit_bounds_a_flood() -> None:
    mailbox = Mailbox()
    mailbox.put(ticks(0, PENDING_LIMIT + 10))
    pending = mailbox.drain()
    assert len(pending) == PENDING_LIMIT and pending[0] == ClockTick(10.0) and mailbox.dropped == 10


def test_a_burst_from_many_threads_wakes_the_owner_once() -> None:
    wakes: list[str] = []
    mailbox = Mailbox(wake=lambda: wakes.append(threading.current_thread().name))
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        start.wait()
        for t in range(500):
            mailbox.emit(ClockTick(float(n * 1000 + t)))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(wakes) == 1, wakes
    assert len(mailbox.drain()) == 2000
    mailbox.put([])
    assert len(wakes) == 1, "nothing put wakes nobody"
    mailbox.emit(ClockTick(1.0))
    mailbox.emit(ClockTick(2.0))
    assert len(wakes) == 2, "after a drain, the next burst wakes the owner again"


def test_a_health_is_said_once_until_it_changes() -> None:
    mailbox = Mailbox()
    mailbox.health("kubernetes", Health.CONNECTING, "ctx")
    mailbox.health("kubernetes", Health.CONNECTING, "ctx")
    mailbox.health("kubernetes", Health.CONNECTED, "ctx")
    mailbox.health("kubernetes", Health.CONNECTED, "ctx")
    states = [o.health.state for o in mailbox.drain() if isinstance(o, HealthObserved)]
    assert states == [Health.CONNECTING, Health.CONNECTED]


def test_a_health_detail_loses_credentials_and_control_characters() -> None:
    mailbox = Mailbox()
    mailbox.health("prometheus", Health.UNREACHABLE, "http://user:hunter2@prom:9090 said \x1b]0;owned\x07 no")
    (observed,) = mailbox.drain()
    assert isinstance(observed, HealthObserved)
    assert "hunter2" not in observed.health.detail and "\x1b" not in observed.health.detail


def test_flush_hands_the_burst_to_the_owners_consumer_on_the_calling_thread() -> None:
    received: list[tuple[str, list[Observation]]] = []
    mailbox = Mailbox(deliver=lambda batch: received.append((threading.current_thread().name, batch)))
    writer = threading.Thread(target=lambda: mailbox.put(ticks(0, 3)), name="writer")
    writer.start()
    writer.join(10)
    assert received == []
    mailbox.flush()
    mailbox.flush()
    assert received == [(threading.current_thread().name, ticks(0, 3))], "one hand-over, nothing for an empty box"


def test_an_owner_that_only_folds_gets_a_mailbox_that_flushes_into_it() -> None:
    class Folder:
        def __init__(self) -> None:
            self.seen: list[Observation] = []

        def apply(self, observations: list[Observation]) -> None:
            self.seen.extend(observations)

    folder = Folder()
    mailbox = mailbox_for(folder)
    mailbox.put(ticks(0, 2))
    mailbox.flush()
    assert folder.seen == ticks(0, 2)
    own = Mailbox()
    assert mailbox_for(own) is own


def test_hand_over_delivers_what_waits_then_the_new_at_once_without_waking() -> None:
    wakes: list[None] = []
    got: list[list[Observation]] = []
    box = Mailbox(wake=lambda: wakes.append(None), deliver=got.append)
    box.put([ClockTick(1.0)])
    assert len(wakes) == 1
    box.hand_over([ClockTick(2.0), ClockTick(3.0)])
    assert got == [[ClockTick(1.0), ClockTick(2.0), ClockTick(3.0)]]
    assert len(wakes) == 1, "the owner's own hand-over wakes nobody"
    box.hand_over([])
    assert len(got) == 1, "nothing to hand over delivers nothing"


def test_the_simulation_hands_its_steps_over_without_waking_its_owner() -> None:
    from tests.simkit import simulation
    from tui.sim.source import SimulationSource

    wakes: list[None] = []
    got: list[list[Observation]] = []
    source = SimulationSource(simulation("seed"), speed=1, autorun=False)
    source.start(Mailbox(wake=lambda: wakes.append(None), deliver=got.append))
    source.advance(5)
    assert got and wakes == []
