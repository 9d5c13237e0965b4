"""Retry pacing for the cluster's watches, streams and polls."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

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
