"""The inbound metrics a Linkerd proxy exports for its pod, as Prometheus text.

Only what Flagger's builtin Linkerd queries and canaryscope read: `response_total` (with `classification`)
and the `response_latency_ms` histogram, labelled the way the seed's `linkerd-proxy` PodMonitor leaves them
(`namespace`, `deployment`, `pod`, `direction`, ...). Written out by hand so the lab needs no client library.

A real proxy creates a series on its first response. Here the 200 and 500 series of a pod exist (at 0) from
the moment the pod is known: otherwise the first failures of a canary would be lost to rate()'s extrapolation
(a series' first sample is never counted as an increase) and the measured success rate would be too good.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

# Linkerd proxy latency buckets, milliseconds (the `le` bounds of response_latency_ms_bucket).
LATENCY_BUCKETS_MS: tuple[int, ...] = (
    1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500,
    1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000,
)  # fmt: skip
# One pod label set per (deployment, pod template); a long demo makes a new one per release.
MAX_SERIES = 4096
PRECREATED_STATUSES = (200, 500)

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Pod:
    """The labels a meshed pod's inbound metrics carry after the seed's PodMonitor relabelling. (The proxy's
    `authority` and `target_addr` labels are left out: no query reads them, and they would keep a pod's
    series from existing before its first request.)"""

    namespace: str
    deployment: str
    pod: str
    pod_template_hash: str

    def labels(self, status: int) -> Labels:
        return (
            ("direction", "inbound"),
            ("tls", "true"),
            ("status_code", str(status)),
            ("namespace", self.namespace),
            ("deployment", self.deployment),
            ("pod", self.pod),
            ("pod_template_hash", self.pod_template_hash),
        )


def classification(status: int) -> str:
    # Linkerd's default HTTP response classifier: 5xx is a failure.
    return "failure" if status >= 500 else "success"


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_MS) + 1))
    total_ms: float = 0.0

    def observe(self, latency_ms: float) -> None:
        self.counts[bisect.bisect_left(LATENCY_BUCKETS_MS, latency_ms)] += 1
        self.total_ms += latency_ms


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _render(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in (*labels, *extra)) + "}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class InboundMetrics:
    """Thread-safe counters for every pod the mesh emulator answers for; bounded to MAX_SERIES label sets."""

    def __init__(self, max_series: int = MAX_SERIES) -> None:
        self._lock = threading.Lock()
        self._max_series = max_series
        self._responses: dict[Labels, int] = {}
        self._latency: dict[Labels, _Histogram] = {}
        self.dropped = 0

    def _room(self, key: Labels) -> bool:
        if key in self._latency:
            return True
        if len(self._latency) >= self._max_series:
            self.dropped += 1
            return False
        return True

    def prepare(self, pod: Pod) -> None:
        """Create the pod's success and failure series at 0 (see the module docstring)."""
        with self._lock:
            for status in PRECREATED_STATUSES:
                key = pod.labels(status)
                if not self._room(key):
                    return
                self._latency.setdefault(key, _Histogram())
                self._responses.setdefault((*key, ("classification", classification(status))), 0)

    def observe(self, pod: Pod, status: int, latency_ms: float) -> None:
        key = pod.labels(status)
        with self._lock:
            if not self._room(key):
                return
            self._latency.setdefault(key, _Histogram()).observe(latency_ms)
            counter = (*key, ("classification", classification(status)))
            self._responses[counter] = self._responses.get(counter, 0) + 1

    def exposition(self) -> str:
        """The metrics in Prometheus' text format (version 0.0.4)."""
        with self._lock:
            responses = sorted(self._responses.items())
            latency = sorted((k, list(h.counts), h.total_ms) for k, h in self._latency.items())
        out = [
            "# HELP response_total Total count of HTTP responses.",
            "# TYPE response_total counter",
        ]
        out += [f"response_total{_render(k)} {v}" for k, v in responses]
        out += [
            "# HELP response_latency_ms Elapsed times between a request's headers being received and its response "
            "stream completing",
            "# TYPE response_latency_ms histogram",
        ]
        for labels, counts, total_ms in latency:
            cumulative = 0
            for bound, count in zip(LATENCY_BUCKETS_MS, counts, strict=False):
                cumulative += count
                out.append(f"response_latency_ms_bucket{_render(labels, (('le', str(bound)),))} {cumulative}")
            cumulative += counts[-1]
            out.append(f"response_latency_ms_bucket{_render(labels, (('le', '+Inf'),))} {cumulative}")
            out.append(f"response_latency_ms_sum{_render(labels)} {_number(total_ms)}")
            out.append(f"response_latency_ms_count{_render(labels)} {cumulative}")
        return "\n".join(out) + "\n"
