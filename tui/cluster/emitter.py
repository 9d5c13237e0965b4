"""Hand observations from worker threads to the UI: one wake-up message per burst, drained in one go."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from tui.model import Health, SourceHealth
from tui.observations import HealthObserved, Observation

# A burst larger than this is dropped from the oldest end: the UI must never fall unboundedly behind.
PENDING_LIMIT = 50_000


class Emitter:
    """Thread-safe, bounded queue of observations with a wake-up callback for the UI thread."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._pending: list[Observation] = []
        self._health: dict[str, SourceHealth] = {}
        self.dropped = 0

    def emit(self, *observations: Observation) -> None:
        if not observations:
            return
        with self._lock:
            first = not self._pending
            self._pending.extend(observations)
            overflow = len(self._pending) - PENDING_LIMIT
            if overflow > 0:
                del self._pending[:overflow]
                self.dropped += overflow
        if first:
            self._wake()

    def health(self, source: str, state: Health, detail: str = "", attempt: int = 0) -> None:
        """Report a source's health; repeated identical reports are not sent again."""
        health = SourceHealth(source, state, detail, attempt)
        with self._lock:
            if self._health.get(source) == health:
                return
            self._health[source] = health
        self.emit(HealthObserved(health))

    def drain(self) -> list[Observation]:
        with self._lock:
            pending, self._pending = self._pending, []
        return pending


@dataclass
class Backoff:
    """Exponential backoff with jitter: 1 s doubling to a cap, reset after a success."""

    initial: float = 1.0
    cap: float = 30.0
    attempt: int = 0

    def next_delay(self, rand: Callable[[], float]) -> float:
        self.attempt += 1
        base = min(self.cap, self.initial * 2 ** (self.attempt - 1))
        return base * (0.5 + rand() / 2)

    def reset(self) -> None:
        self.attempt = 0
