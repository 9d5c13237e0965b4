"""Hand observations from worker threads to the UI: one wake-up message per burst, drained in one go."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.model import Health, SourceHealth
from tui.observations import HealthObserved, Observation
from tui.redact import scrub
from tui.safe_text import safe_text

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


# Retries in the first minutes of an outage wait at most this long: a short outage (a dropped wifi, an API
# server restart) is noticed within seconds of its end; a long one backs off to the full cap.
FAST_CAP_S = 3.0
FAST_WINDOW_S = 120.0
# 2**32 s is far past any cap: the exponent stops there so a day of failures never overflows a float.
_MAX_EXPONENT = 32


@dataclass
class Backoff:
    """Exponential backoff with jitter: `initial` doubling to `cap`, reset after a success.

    With `fast_cap`, the delays of an outage younger than `fast_window_s` are capped at `fast_cap` instead.
    """

    initial: float = 1.0
    cap: float = 30.0
    attempt: int = 0
    fast_cap: float | None = None
    fast_window_s: float = FAST_WINDOW_S
    clock: Callable[[], float] = time.monotonic
    failing_since: float | None = None

    def next_delay(self, rand: Callable[[], float]) -> float:
        self.attempt += 1
        now = self.clock()
        if self.failing_since is None:
            self.failing_since = now
        cap = self.cap
        if self.fast_cap is not None and now - self.failing_since < self.fast_window_s:
            cap = min(cap, self.fast_cap)
        base = min(cap, self.initial * 2.0 ** min(self.attempt - 1, _MAX_EXPONENT))
        return base * (0.5 + rand() / 2)

    def reset(self) -> None:
        self.attempt = 0
        self.failing_since = None
