"""The metric series other providers' builtin checks read, as the mesh emulator exports them for Prometheus.

* Istio's sidecar (reporter="destination", i.e. the serving pod's own proxy): `istio_requests_total` and the
  `istio_request_duration_milliseconds` histogram, labelled `destination_workload`,
  `destination_workload_namespace` and `response_code`. Flagger's istio observer selects
  `destination_workload=~"<target>"`.
* The app's own HTTP histogram, `http_request_duration_seconds` with `status`, as Flagger's http observer
  (gatewayapi, kubernetes) reads it after the scrape config's relabelling has added `kubernetes_namespace` and
  `kubernetes_pod_name`. Its query wants pod names shaped `<target>-<replicaset hash>-<id>`, which is what
  `pod_name` gives.
* ingress-nginx's `nginx_ingress_controller_requests` and `nginx_ingress_controller_response_duration_seconds`,
  labelled `namespace`, `ingress` (the main Ingress), `service`, `status` and `canary` (the canary upstream's
  name for a request the canary Ingress took, else empty), as Flagger's nginx observer reads them.

As in tui.lab.linkerd_metrics, a workload's 200 and 500 series exist at 0 from the moment it is ready, so a
canary's first failures are not lost to rate(); everything is bounded to MAX_SERIES label sets per family.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

from tui.lab.linkerd_metrics import PRECREATED_STATUSES, Labels, _number, _render

MAX_SERIES = 4096
# Istio's default buckets for istio_request_duration_milliseconds.
ISTIO_BUCKETS_MS: tuple[float, ...] = (
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
)  # fmt: skip
# The Prometheus client libraries' default buckets, in seconds.
HTTP_BUCKETS_S: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
NGINX_BUCKETS_S: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def pod_name(deployment: str, template_hash: str) -> str:
    """A pod name as a ReplicaSet makes it (`<deployment>-<hash>-<id>`), one per Deployment and template."""
    return f"{deployment}-{template_hash[:10]}-{template_hash[-5:]}"


@dataclass
class _Histogram:
    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value


class HistogramFamily:
    """One Prometheus histogram, thread-safe and bounded; optionally a counter of the same observations."""

    def __init__(self, name: str, help_text: str, bounds: tuple[float, ...], counter: str | None = None) -> None:
        self.name, self.help_text, self.bounds, self.counter = name, help_text, bounds, counter
        self._lock = threading.Lock()
        self._series: dict[Labels, _Histogram] = {}
        self.dropped = 0

    def _get(self, labels: Labels) -> _Histogram | None:
        found = self._series.get(labels)
        if found is None:
            if len(self._series) >= MAX_SERIES:
                self.dropped += 1
                return None
            found = self._series[labels] = _Histogram(self.bounds)
        return found

    def prepare(self, labels: Labels) -> None:
        with self._lock:
            self._get(labels)

    def observe(self, labels: Labels, value: float) -> None:
        with self._lock:
            histogram = self._get(labels)
            if histogram is not None:
                histogram.observe(value)

    def exposition(self) -> list[str]:
        with self._lock:
            series = sorted((k, list(h.counts), h.total) for k, h in self._series.items())
        out = []
        if self.counter:
            out += [f"# HELP {self.counter} Total requests.", f"# TYPE {self.counter} counter"]
            out += [f"{self.counter}{_render(labels)} {sum(counts)}" for labels, counts, _ in series]
        out += [f"# HELP {self.name} {self.help_text}", f"# TYPE {self.name} histogram"]
        for labels, counts, total in series:
            cumulative = 0
            for bound, count in zip(self.bounds, counts, strict=False):
                cumulative += count
                out.append(f"{self.name}_bucket{_render(labels, (('le', _number(bound)),))} {cumulative}")
            cumulative += counts[-1]
            out.append(f"{self.name}_bucket{_render(labels, (('le', '+Inf'),))} {cumulative}")
            out.append(f"{self.name}_sum{_render(labels)} {_number(total)}")
            out.append(f"{self.name}_count{_render(labels)} {cumulative}")
        return out


def istio_labels(namespace: str, workload: str, status: int) -> Labels:
    return (
        ("reporter", "destination"),
        ("destination_workload", workload),
        ("destination_workload_namespace", namespace),
        ("response_code", str(status)),
    )


def http_labels(namespace: str, pod: str, status: int) -> Labels:
    return (("kubernetes_namespace", namespace), ("kubernetes_pod_name", pod), ("status", str(status)))


def nginx_labels(namespace: str, ingress: str, service: str, canary: str, status: int) -> Labels:
    return (
        ("namespace", namespace),
        ("ingress", ingress),
        ("service", service),
        ("canary", canary),
        ("status", str(status)),
    )


class ProviderMetrics:
    """Istio's, the app's and ingress-nginx's series, fed by the mesh emulator for each answered request."""

    def __init__(self) -> None:
        self.istio = HistogramFamily(
            "istio_request_duration_milliseconds", "Request duration.", ISTIO_BUCKETS_MS, "istio_requests_total"
        )
        self.http = HistogramFamily("http_request_duration_seconds", "HTTP request duration.", HTTP_BUCKETS_S)
        self.nginx = HistogramFamily(
            "nginx_ingress_controller_response_duration_seconds",
            "Time the upstream took to answer.",
            NGINX_BUCKETS_S,
            "nginx_ingress_controller_requests",
        )

    def prepare_workload(self, namespace: str, deployment: str, template_hash: str, istio: bool) -> None:
        for status in PRECREATED_STATUSES:
            if istio:
                self.istio.prepare(istio_labels(namespace, deployment, status))
            self.http.prepare(http_labels(namespace, pod_name(deployment, template_hash), status))

    def prepare_ingress(self, namespace: str, ingress: str, service: str, canary: str) -> None:
        for status in PRECREATED_STATUSES:
            self.nginx.prepare(nginx_labels(namespace, ingress, service, canary, status))

    def observe_workload(
        self, namespace: str, deployment: str, template_hash: str, istio: bool, status: int, latency_ms: float
    ) -> None:
        if istio:
            self.istio.observe(istio_labels(namespace, deployment, status), latency_ms)
        self.http.observe(http_labels(namespace, pod_name(deployment, template_hash), status), latency_ms / 1000)

    def observe_ingress(
        self, namespace: str, ingress: str, service: str, canary: str, status: int, latency_ms: float
    ) -> None:
        self.nginx.observe(nginx_labels(namespace, ingress, service, canary, status), latency_ms / 1000)

    def exposition(self) -> str:
        return "\n".join([*self.istio.exposition(), *self.http.exposition(), *self.nginx.exposition()]) + "\n"
