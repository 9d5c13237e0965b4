"""Thread-safe statistics of one load run, bounded in memory whatever its length.

Totals (requests, per-status counts, transport errors by kind, bytes) are counters; latency percentiles over the
whole run come from a LatencyHistogram (±1 %); the recent window (requests/s and exact percentiles of the last
WINDOW_S seconds) keeps at most WINDOW_CAP completions, so above WINDOW_CAP / WINDOW_S req/s the window
shortens to the newest WINDOW_CAP requests.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from tui.load.histogram import LatencyHistogram

WINDOW_S = 10.0
WINDOW_CAP = 4096
MAX_ERROR_KINDS = 16
SUMMARY_PERCENTILES = (10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0)


@dataclass(frozen=True)
class LoadSnapshot:
    """Everything a progress line or a hey-like summary needs, at one instant. Times in seconds."""

    elapsed_s: float
    requests: int
    """Finished attempts: responses (any status) plus transport errors."""
    responses: int
    status_counts: tuple[tuple[int, int], ...]
    transport_errors: int
    error_counts: tuple[tuple[str, int], ...]
    bytes_received: int
    cancelled: int
    """Requests still in flight when the run was stopped; not counted in `requests`."""
    rps_overall: float
    rps_recent: float
    fastest_s: float | None
    slowest_s: float | None
    mean_s: float | None
    percentiles_s: tuple[tuple[float, float | None], ...]
    """Whole run, SUMMARY_PERCENTILES, from the histogram."""
    recent_p50_s: float | None
    recent_p95_s: float | None
    recent_p99_s: float | None
    spread: tuple[tuple[float, int], ...]
    """hey's response time histogram (empty unless asked for)."""

    def percentile_s(self, p: float) -> float | None:
        return dict(self.percentiles_s).get(p)


class StatsRecorder:
    def __init__(self, started: float) -> None:
        self._lock = threading.Lock()
        self._started = started
        self._ended: float | None = None
        self._histogram = LatencyHistogram()
        self._status: dict[int, int] = {}
        self._errors: dict[str, int] = {}
        self._bytes = 0
        self._cancelled = 0
        # (finished at, latency or None for a transport error), newest last.
        self._recent: deque[tuple[float, float | None]] = deque(maxlen=WINDOW_CAP)

    def begin(self, at: float) -> None:
        """The first request may go now: elapsed time and overall rates count from here."""
        with self._lock:
            self._started = at

    def record_response(self, finished: float, latency_s: float, status: int, size: int) -> None:
        with self._lock:
            self._histogram.add(latency_s)
            self._status[status] = self._status.get(status, 0) + 1
            self._bytes += size
            self._recent.append((finished, latency_s))

    def record_error(self, finished: float, kind: str) -> None:
        with self._lock:
            if kind not in self._errors and len(self._errors) >= MAX_ERROR_KINDS - 1:
                kind = "other"  # the last slot
            self._errors[kind] = self._errors.get(kind, 0) + 1
            self._recent.append((finished, None))

    def record_cancelled(self) -> None:
        with self._lock:
            self._cancelled += 1

    def end(self, at: float) -> None:
        with self._lock:
            if self._ended is None:
                self._ended = at

    def snapshot(self, now: float, spread: bool = True) -> LoadSnapshot:
        """Statistics as of `now` (time.monotonic()); `spread` adds the summary's response time histogram."""
        with self._lock:
            end = self._ended if self._ended is not None else now
            elapsed = max(end - self._started, 0.0)
            responses = self._histogram.count
            errors = sum(self._errors.values())
            requests = responses + errors
            window_start = end - WINDOW_S
            recent = [(t, lat) for t, lat in self._recent if t > window_start]
            if len(self._recent) == WINDOW_CAP and recent and len(recent) == len(self._recent):
                # The cap, not the window, bounds what we kept: measure over the span actually covered.
                span = max(end - recent[0][0], 1e-3)
            else:
                span = min(WINDOW_S, elapsed)
            latencies = sorted(lat for _, lat in recent if lat is not None)
            histogram = self._histogram
            return LoadSnapshot(
                elapsed_s=elapsed,
                requests=requests,
                responses=responses,
                status_counts=tuple(sorted(self._status.items())),
                transport_errors=errors,
                error_counts=tuple(sorted(self._errors.items(), key=lambda item: (-item[1], item[0]))),
                bytes_received=self._bytes,
                cancelled=self._cancelled,
                rps_overall=requests / elapsed if elapsed > 0 else 0.0,
                rps_recent=len(recent) / span if span > 0 else 0.0,
                fastest_s=histogram.fastest_s if responses else None,
                slowest_s=histogram.slowest_s if responses else None,
                mean_s=histogram.mean_s,
                percentiles_s=tuple(histogram.percentiles(SUMMARY_PERCENTILES).items()),
                recent_p50_s=_nearest_rank(latencies, 50),
                recent_p95_s=_nearest_rank(latencies, 95),
                recent_p99_s=_nearest_rank(latencies, 99),
                spread=tuple(histogram.spread()) if spread else (),
            )


def _nearest_rank(ordered: list[float], p: float) -> float | None:
    if not ordered:
        return None
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]
