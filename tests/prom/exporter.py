"""A metrics exporter driven by a scenario, for a real Prometheus to scrape: Linkerd proxy series by default, or
Istio's, NGINX ingress's or an app's own `http_request_duration_seconds` (see LinkerdScenario's `provider`).

Counters are exact functions of time: each deployment's traffic is a sequence of segments (requests per second,
error ratio, latency distribution) and `collect()` integrates them up to now. Every series of a deployment therefore
grows in proportion, so Prometheus's rate() ratios (success rate, histogram shares) equal the scenario's numbers
up to float rounding, and absolute rates are off only by scrape-timestamp jitter.

All series of a scenario (including failure series at 0) exist from its first scrape; real proxies create a series
on first use, which would make `rate()` extrapolate differently per series and blur the ratios a test checks.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer

from prometheus_client import disable_created_metrics
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, UnknownMetricFamily
from prometheus_client.exposition import MetricsHandler
from prometheus_client.registry import Collector, CollectorRegistry

# Linkerd proxy latency buckets, milliseconds.
LINKERD_BUCKETS_MS: tuple[float, ...] = (
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
Family = CounterMetricFamily | HistogramMetricFamily | UnknownMetricFamily
LABELS = ("namespace", "deployment", "pod", "direction", "authority", "tls", "status_code", "classification")


@dataclass(frozen=True)
class Traffic:
    """Steady traffic: `rps` responses per second, a share `error_ratio` of them 500s (classification failure),
    latencies drawn as fixed values with shares, e.g. {45: 0.9, 180: 0.1}."""

    rps: float = 0.0
    error_ratio: float = 0.0
    latency_ms: Mapping[float, float] = field(default_factory=lambda: {25.0: 1.0})

    def __post_init__(self) -> None:
        if self.rps < 0 or not 0.0 <= self.error_ratio <= 1.0:
            raise ValueError(f"bad traffic: rps={self.rps} error_ratio={self.error_ratio}")
        if not math.isclose(sum(self.latency_ms.values()), 1.0) or any(v < 0 for v in self.latency_ms.values()):
            raise ValueError(f"latency shares must be >= 0 and sum to 1: {dict(self.latency_ms)}")

    def bucket_shares(self) -> list[float]:
        """Cumulative share of responses at or below each Linkerd bucket bound (the `le` semantics)."""
        shares = [0.0] * len(LINKERD_BUCKETS_MS)
        for latency, share in self.latency_ms.items():
            first = bisect.bisect_left(LINKERD_BUCKETS_MS, latency)
            for i in range(first, len(shares)):
                shares[i] += share
        return shares

    def mean_latency(self) -> float:
        return sum(lat * share for lat, share in self.latency_ms.items())


def expected_quantile(q: float, traffic: Traffic) -> float:
    """What PromQL's histogram_quantile() returns for this traffic's Linkerd histogram: linear interpolation inside
    the bucket that holds the q-th rank, the lowest bucket starting at 0, and the highest finite bound when the rank
    falls into +Inf."""
    cumulative = [*traffic.bucket_shares(), 1.0]
    bounds = [*LINKERD_BUCKETS_MS, math.inf]
    rank = q * cumulative[-1]
    b = next(i for i, c in enumerate(cumulative) if c >= rank)
    if b == len(bounds) - 1:
        return bounds[-2]
    start = 0.0 if b == 0 else bounds[b - 1]
    below = 0.0 if b == 0 else cumulative[b - 1]
    return start + (bounds[b] - start) * (rank - below) / (cumulative[b] - below)


@dataclass
class _Segment:
    since: float
    traffic: Traffic


@dataclass
class _Stream:
    """One deployment's traffic in one direction, as a timeline of segments."""

    segments: list[_Segment]

    def totals(self, now: float) -> tuple[float, float, list[float], list[float], float, float]:
        """(successes, failures, success buckets, failure buckets, success latency sum, failure latency sum)."""
        ok = bad = ok_sum = bad_sum = 0.0
        ok_buckets = [0.0] * len(LINKERD_BUCKETS_MS)
        bad_buckets = [0.0] * len(LINKERD_BUCKETS_MS)
        for i, seg in enumerate(self.segments):
            end = self.segments[i + 1].since if i + 1 < len(self.segments) else now
            n = seg.traffic.rps * max(0.0, min(end, now) - seg.since)
            good, failed = n * (1 - seg.traffic.error_ratio), n * seg.traffic.error_ratio
            ok, bad = ok + good, bad + failed
            ok_sum += good * seg.traffic.mean_latency()
            bad_sum += failed * seg.traffic.mean_latency()
            for j, share in enumerate(seg.traffic.bucket_shares()):
                ok_buckets[j] += good * share
                bad_buckets[j] += failed * share
        return ok, bad, ok_buckets, bad_buckets, ok_sum, bad_sum


class LinkerdScenario:
    """Per-deployment traffic for one namespace, changeable at any time from any thread.

    `provider` picks the series it is exported as: Linkerd's proxy metrics (default), Istio's
    (`istio_requests_total`, `istio_request_duration_milliseconds`; outbound traffic is the source reporter's),
    NGINX ingress's (the `-primary` deployment's requests have `canary=""`, the canary's name the canary backend) or
    the app's own `http_request_duration_seconds` per pod (`http`, Flagger's gatewayapi and kubernetes builtins)."""

    def __init__(
        self, namespace: str = "test", clock: Callable[[], float] = time.monotonic, provider: str = "linkerd"
    ) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        self.namespace = namespace
        self.clock = clock
        self.provider = provider
        self._lock = threading.Lock()
        self._streams: dict[tuple[str, str], _Stream] = {}

    def set(self, deployment: str, traffic: Traffic, *, direction: str = "inbound") -> None:
        now = self.clock()
        with self._lock:
            stream = self._streams.setdefault((deployment, direction), _Stream([]))
            stream.segments.append(_Segment(now, traffic))

    def current(self, deployment: str, direction: str = "inbound") -> Traffic:
        with self._lock:
            return self._streams[(deployment, direction)].segments[-1].traffic

    def add_samples(self, families: Mapping[str, Family]) -> None:
        now = self.clock()
        with self._lock:
            streams = sorted(self._streams.items())
            totals = [(key, stream.totals(now)) for key, stream in streams]
        for (deployment, direction), (ok, bad, ok_buckets, bad_buckets, ok_sum, bad_sum) in totals:
            for status, classification, count, buckets, total in (
                ("200", "success", ok, ok_buckets, ok_sum),
                ("500", "failure", bad, bad_buckets, bad_sum),
            ):
                labels = self._labels(deployment, direction, status, classification)
                if labels is None:
                    continue
                counter, histogram = families[f"{self.provider}_requests"], families[f"{self.provider}_latency"]
                counter.add_metric(labels, count)
                scale = 1000.0 if self.provider in ("nginx", "http") else 1.0
                bounds = [b / scale for b in LINKERD_BUCKETS_MS]
                histogram.add_metric(
                    labels,
                    [*((_le(b), v) for b, v in zip(bounds, buckets, strict=True)), ("+Inf", count)],
                    total / scale,
                )

    def _labels(self, deployment: str, direction: str, status: str, classification: str) -> list[str] | None:
        apex = deployment.removesuffix("-primary")
        if self.provider == "linkerd":
            authority = f"{apex}.{self.namespace}.svc.cluster.local:8080"
            return [
                self.namespace,
                deployment,
                _pod_name(deployment),
                direction,
                authority,
                "true",
                status,
                classification,
            ]
        if self.provider == "istio":
            reporter = "destination" if direction == "inbound" else "source"
            return [reporter, self.namespace, deployment, f"{apex}.{self.namespace}.svc.cluster.local", status]
        if direction != "inbound":
            return None
        if self.provider == "nginx":
            canary = "" if deployment.endswith("-primary") else f"{self.namespace}-{apex}-canary-80"
            return [self.namespace, apex, canary, f"{apex}-primary" if not canary else f"{apex}-canary", status]
        return [self.namespace, _pod_name(deployment), status]


# provider -> (requests counter name, its labels, latency histogram name, its labels)
PROVIDERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "linkerd": ("response", LABELS, "response_latency_ms"),
    "istio": (
        "istio_requests",
        ("reporter", "destination_workload_namespace", "destination_workload", "destination_service", "response_code"),
        "istio_request_duration_milliseconds",
    ),
    "nginx": (
        "nginx_ingress_controller_requests",
        ("namespace", "ingress", "canary", "service", "status"),
        "nginx_ingress_controller_response_duration_seconds",
    ),
    "http": (
        "http_requests",
        ("kubernetes_namespace", "kubernetes_pod_name", "status"),
        "http_request_duration_seconds",
    ),
}


def _le(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _pod_name(deployment: str) -> str:
    return f"{deployment}-7d9c8b6f5d-x2k4q"


class LinkerdExporter(Collector):
    """Serves any number of scenarios (one per namespace) on 127.0.0.1:<free port>/metrics as one set of metric
    families, so one Prometheus can serve many tests that keep apart by namespace."""

    def __init__(self) -> None:
        disable_created_metrics()
        self._lock = threading.Lock()
        self._scenarios: list[LinkerdScenario] = []
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def add(self, scenario: LinkerdScenario) -> LinkerdScenario:
        with self._lock:
            if any(s.namespace == scenario.namespace for s in self._scenarios):
                raise ValueError(f"a scenario for namespace {scenario.namespace!r} is already served")
            self._scenarios.append(scenario)
        return scenario

    def remove(self, scenario: LinkerdScenario) -> None:
        with self._lock:
            self._scenarios = [s for s in self._scenarios if s is not scenario]

    def collect(self) -> Iterator[Family]:
        families: dict[str, Family] = {}
        for provider, (requests, labels, latency) in PROVIDERS.items():
            # ingress-nginx's counter has no _total suffix, which prometheus_client's counters always add.
            kind = UnknownMetricFamily if provider == "nginx" else CounterMetricFamily
            families[f"{provider}_requests"] = kind(requests, f"{provider} requests", labels=labels)
            families[f"{provider}_latency"] = HistogramMetricFamily(latency, f"{provider} latency", labels=labels)
        with self._lock:
            scenarios = list(self._scenarios)
        for scenario in scenarios:
            scenario.add_samples(families)
        yield from families.values()

    def start(self) -> LinkerdExporter:
        # prometheus_client's own handler on a server whose shutdown does not wait out a 0.5 s poll.
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), MetricsHandler.factory(self.registry))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name=f"exporter-{self.port}"
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> LinkerdExporter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
