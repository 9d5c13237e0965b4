"""Where every source's observations wait for their owner: thread-safe, bounded, one wake-up per burst.

A source puts observations (from worker threads or from the owner's own thread); the owner (the app, `wait`, a
test harness) is woken once when a burst begins and takes the whole burst in one go (`drain`, or `flush` to hand it
to the consumer it named).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Protocol

from tui.base.redact import scrub
from tui.base.safe_text import safe_text
from tui.domain.model import Health, SourceHealth
from tui.domain.observations import HealthObserved, Observation

# A burst larger than this is dropped from the oldest end: the owner must never fall unboundedly behind.
PENDING_LIMIT = 50_000


class Consumer(Protocol):
    """What folds observations on the owner's thread."""

    def apply(self, observations: list[Observation]) -> None: ...


def _nobody() -> None:
    return None


class Mailbox:
    """Thread-safe, bounded queue of observations; `wake` is called (from any thread) when a burst begins."""

    def __init__(
        self,
        wake: Callable[[], None] = _nobody,
        deliver: Callable[[list[Observation]], None] | None = None,
        *,
        limit: int = PENDING_LIMIT,
    ) -> None:
        self._wake = wake
        self._deliver = deliver
        self._limit = limit
        self._lock = threading.Lock()
        self._pending: list[Observation] = []
        self._health: dict[str, SourceHealth] = {}
        self.dropped = 0

    def put(self, observations: Iterable[Observation]) -> None:
        with self._lock:
            first = not self._pending
            self._pending.extend(observations)
            if not self._pending:
                return
            overflow = len(self._pending) - self._limit
            if overflow > 0:
                del self._pending[:overflow]
                self.dropped += overflow
        if first:
            self._wake()

    def emit(self, *observations: Observation) -> None:
        self.put(observations)

    def health(self, source: str, state: Health, detail: str = "", attempt: int = 0) -> None:
        """Report a source's health; repeated identical reports are not sent again."""
        # A detail quotes what a server or proxy answered: it may echo a credential (scrubbed first, while it still
        # reads as it was sent), and it is shown and printed (made safe).
        health = SourceHealth(source, state, safe_text(scrub(detail)), attempt)
        with self._lock:
            if self._health.get(source) == health:
                return
            self._health[source] = health
        self.emit(HealthObserved(health))

    def drain(self) -> list[Observation]:
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def hand_over(self, observations: Iterable[Observation]) -> None:
        """On the owner's thread: deliver what waits and these after it, now, without a wake-up (a source that
        steps on the owner's thread, like the simulation, would otherwise wake its owner for an empty mailbox)."""
        if self._deliver is None:
            self.put(observations)
            return
        with self._lock:
            pending, self._pending = self._pending, []
        pending.extend(observations)
        if pending:
            self._deliver(pending)

    def flush(self) -> None:
        """Hand everything waiting to the owner's consumer now, on the calling (the owner's) thread."""
        if self._deliver is None:
            return
        pending = self.drain()
        if pending:
            self._deliver(pending)


def mailbox_for(owner: Mailbox | Consumer) -> Mailbox:
    """The mailbox a source writes into: the owner's own, or, for an owner that only folds observations (a test
    harness, a benchmark), one that the source's `pump` empties into it."""
    if isinstance(owner, Mailbox):
        return owner
    return Mailbox(deliver=owner.apply)
