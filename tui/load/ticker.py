"""Per-worker pacing with hey's `-q` semantics.

hey gives every worker a Go `time.Tick(1/q)` and reads one tick before each request. A Go ticker fires on a fixed
grid (start + k/q, the first tick one period after start) into a channel that holds one tick and drops the rest.
So a worker never sends faster than q/s, and after a response slower than the period it may send exactly one
request at once (the buffered tick), then waits for the next grid point: no bursts to catch up.
"""

from __future__ import annotations

import math


class Ticker:
    def __init__(self, rate_per_s: float, start: float) -> None:
        if not rate_per_s > 0:
            raise ValueError("a ticker needs a rate above 0")
        self._period = 1.0 / rate_per_s
        self._start = start
        self._next = 1  # grid index of the oldest tick not yet taken

    @property
    def period(self) -> float:
        return self._period

    def due(self) -> float:
        """When the next tick is (or was) available; a worker may send at max(now, due())."""
        return self._start + self._next * self._period

    def take(self, now: float) -> None:
        """Take the tick for a request sent at `now` (>= due()); ticks that fired while it waited are dropped."""
        # The tick taken is the buffered one; every later grid point up to `now` found the buffer full.
        elapsed_ticks = math.floor((now - self._start) / self._period + 1e-9)
        self._next = max(self._next, elapsed_ticks) + 1
