"""Requests per virtual second: load generators -> weighted split -> examiner pods -> mesh-style metrics.

Per deployment it keeps per-second counts, the latency sum and latency histograms with the buckets of the series
the provider exports (Linkerd's by default; tui.sim.observers names the others), so success rate, request rate,
p99 and mean latency come out exactly as Flagger's builtin queries compute them over a window.
"""

from __future__ import annotations

import bisect
import random
from collections import deque
from dataclasses import dataclass, field

from tui.domain.model import LoadStats
from tui.sim.examiner import mean_delay_ms, query_of, respond

LINKERD_BUCKETS_MS = (
    1,
    2,
    3,
    4,
    5,
    10,
    20,
    30,
    40,
    50,
    100,
    200,
    300,
    400,
    500,
    1000,
    2000,
    3000,
    4000,
    5000,
    10000,
    20000,
    30000,
    40000,
    50000,
)
WINDOW_LIMIT_S = 600
LATENCY_SAMPLES = 2048
RATE_WINDOW_S = 5


@dataclass
class SecondBucket:
    second: int
    buckets: int = len(LINKERD_BUCKETS_MS)
    total: int = 0
    failures: int = 0
    latency_sum_ms: int = 0
    histogram: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.histogram:
            self.histogram = [0] * (self.buckets + 1)


@dataclass(frozen=True)
class WindowStats:
    total: int
    failures: int
    histogram: tuple[int, ...]
    seconds: float
    latency_sum_ms: float = 0.0
    bounds: tuple[float, ...] = LINKERD_BUCKETS_MS

    @property
    def success_rate(self) -> float | None:
        if self.total == 0:
            return None  # 0/0 is NaN in PromQL: "no values found"
        return 100.0 * (self.total - self.failures) / self.total

    @property
    def rps(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else 0.0

    def quantile(self, q: float) -> float | None:
        return histogram_quantile(q, self.histogram, self.bounds)

    @property
    def mean_ms(self) -> float | None:
        """sum(rate(..._sum)) / sum(rate(..._count)): NaN (None) without requests."""
        return self.latency_sum_ms / self.total if self.total else None


def histogram_quantile(
    q: float, counts: tuple[int, ...] | list[int], bounds: tuple[float, ...] = LINKERD_BUCKETS_MS
) -> float | None:
    """PromQL's histogram_quantile over buckets with upper `bounds` (counts per bucket, the last one +Inf)."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    cumulative = 0
    for i, count in enumerate(counts):
        previous = cumulative
        cumulative += count
        if cumulative >= rank and count > 0:
            if i == len(bounds):
                return float(bounds[-1])
            start = 0.0 if i == 0 else float(bounds[i - 1])
            end = float(bounds[i])
            return start + (end - start) * ((rank - previous) / count)
    return float(bounds[-1])


def bucket_index(latency_ms: float, bounds: tuple[float, ...] = LINKERD_BUCKETS_MS) -> int:
    return bisect.bisect_left(bounds, latency_ms)


class DeploymentMetrics:
    def __init__(self, bounds: tuple[float, ...] = LINKERD_BUCKETS_MS) -> None:
        self._bounds = bounds
        self._seconds: deque[SecondBucket] = deque(maxlen=WINDOW_LIMIT_S)

    def record(self, second: int, status: int, latency_ms: int) -> None:
        if not self._seconds or self._seconds[-1].second != second:
            self._seconds.append(SecondBucket(second, len(self._bounds)))
        bucket = self._seconds[-1]
        bucket.total += 1
        if status >= 500:
            bucket.failures += 1
        bucket.latency_sum_ms += latency_ms
        bucket.histogram[bucket_index(latency_ms, self._bounds)] += 1

    def window(self, now: int, seconds: float) -> WindowStats:
        start = now - seconds
        total = failures = latency_sum = 0
        histogram = [0] * (len(self._bounds) + 1)
        for bucket in reversed(self._seconds):
            if bucket.second <= start:
                break
            total += bucket.total
            failures += bucket.failures
            latency_sum += bucket.latency_sum_ms
            for i, count in enumerate(bucket.histogram):
                if count:
                    histogram[i] += count
        return WindowStats(total, failures, tuple(histogram), seconds, float(latency_sum), self._bounds)


class SimLoadGenerator:
    """hey's model: `concurrency` workers, each at most `rate` requests/s and blocked while waiting."""

    def __init__(
        self,
        gen_id: str,
        label: str,
        app: tuple[str, str],
        url: str,
        concurrency: int,
        rate: float,
        duration_s: float | None,
        started_at: float,
    ) -> None:
        self.id, self.label, self.app, self.url = gen_id, label, app, url
        self.concurrency, self.rate, self.duration_s, self.started_at = concurrency, rate, duration_s, started_at
        self.query = query_of(url)
        self._carry = 0.0
        self.requests = 0
        self.status_counts: dict[int, int] = {}
        self.latencies: deque[int] = deque(maxlen=LATENCY_SAMPLES)
        self._recent: deque[tuple[int, int]] = deque(maxlen=RATE_WINDOW_S)
        self.running = True
        self.matched_share = 0.0  # the share of its requests that carry the A/B match (header or cookie)

    def expired(self, now: float) -> bool:
        return self.duration_s is not None and now - self.started_at >= self.duration_s

    def requests_this_second(self, env_hint: dict[str, str]) -> int:
        per_worker = min(self.rate, 1000.0 / max(1.0, mean_delay_ms(self.query, env_hint)))
        self._carry += self.concurrency * per_worker
        count = int(self._carry)
        self._carry -= count
        return count

    def record(self, second: int, status: int, latency_ms: int) -> None:
        self.requests += 1
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        self.latencies.append(latency_ms)
        if not self._recent or self._recent[-1][0] != second:
            self._recent.append((second, 0))
        s, n = self._recent[-1]
        self._recent[-1] = (s, n + 1)

    def stats(self, now: float) -> LoadStats:
        ordered = sorted(self.latencies)

        def pick(q: float) -> float | None:
            if not ordered:
                return None
            return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])

        window = [n for s, n in self._recent if s > now - RATE_WINDOW_S]
        return LoadStats(
            id=self.id,
            label=self.label,
            url=self.url,
            concurrency=self.concurrency,
            rate_per_worker=self.rate,
            duration_s=self.duration_s,
            started_at=self.started_at,
            running=self.running,
            requests=self.requests,
            status_counts=tuple(sorted(self.status_counts.items())),
            rps=sum(window) / RATE_WINDOW_S,
            p50_ms=pick(0.5),
            p95_ms=pick(0.95),
            p99_ms=pick(0.99),
        )


class TrafficModel:
    def __init__(self, rng: random.Random, bounds: tuple[float, ...] = LINKERD_BUCKETS_MS) -> None:
        self._rng = rng
        self._bounds = bounds
        self._metrics: dict[tuple[str, str], DeploymentMetrics] = {}

    def metrics(self, namespace: str, deployment: str) -> DeploymentMetrics:
        key = (namespace, deployment)
        if key not in self._metrics:
            self._metrics[key] = DeploymentMetrics(self._bounds)
        return self._metrics[key]

    def send(
        self,
        second: int,
        generator: SimLoadGenerator,
        backends: list[tuple[str, int, dict[str, str]]],
        matched: list[tuple[str, int, dict[str, str]]] | None = None,
        mirror: tuple[str, dict[str, str], float] | None = None,
    ) -> None:
        """Send this second's requests of one generator over weighted backends (name, weight, env of ready pods).

        `matched` is the split for requests carrying the A/B match (the generator's matched share of them), `mirror`
        (name, env, percent) a backend that also gets a copy of that percentage of the requests: it counts in that
        backend's metrics, but its answer never reaches the user."""
        namespace = generator.app[0]
        live = [(name, weight, env) for name, weight, env in backends if weight > 0]
        env_hint = live[0][2] if live else {}
        count = generator.requests_this_second(env_hint)
        if matched is None and mirror is None:
            if not live:
                for _ in range(count):
                    generator.record(second, 503, 0)
                return
            total_weight = sum(weight for _, weight, _ in live)
            for _ in range(count):
                name, _, env = _pick(live, self._rng.random() * total_weight)
                status, latency = respond(env, generator.query, self._rng)
                self.metrics(namespace, name).record(second, status, latency)
                generator.record(second, status, latency)
            return
        live_matched = [(name, weight, env) for name, weight, env in matched or [] if weight > 0]
        for _ in range(count):
            pool = live
            if matched is not None and generator.matched_share > 0 and self._rng.random() < generator.matched_share:
                pool = live_matched
            if not pool:
                generator.record(second, 503, 0)
                continue
            name, _, env = _pick(pool, self._rng.random() * sum(weight for _, weight, _ in pool))
            status, latency = respond(env, generator.query, self._rng)
            self.metrics(namespace, name).record(second, status, latency)
            generator.record(second, status, latency)
            if mirror is not None and (mirror[2] >= 100 or self._rng.random() * 100 < mirror[2]):
                shadow, shadow_env, _ = mirror
                shadow_status, shadow_latency = respond(shadow_env, generator.query, self._rng)
                self.metrics(namespace, shadow).record(second, shadow_status, shadow_latency)


def _pick(backends: list[tuple[str, int, dict[str, str]]], point: float) -> tuple[str, int, dict[str, str]]:
    """The backend a uniform draw in [0, total weight) lands on."""
    for backend in backends:
        point -= backend[1]
        if point < 0:
            return backend
    return backends[-1]
