"""Flagger's builtin metric checks as each provider's observer sees them (pkg/metrics/observers/, v1.44).

Which observer runs and under which name its "no values found" warning speaks follows runBuiltinMetricChecks
(pkg/controller/scheduler_metrics.go); what it measures follows the observer's queries: the Linkerd and Istio p99
from their millisecond histograms, the Gateway API / kubernetes one from the app's seconds histogram, and NGINX's
request-duration as the mean of the ingress's response times. Only Deployment targets are simulated, so no
observer gets the `:service` suffix.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.sim.traffic import LINKERD_BUCKETS_MS, WindowStats

# istio_request_duration_milliseconds: Istio's default buckets.
ISTIO_BUCKETS_MS: tuple[float, ...] = (
    0.5,
    1,
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1000,
    2500,
    5000,
    10000,
    30000,
    60000,
    300000,
    600000,
    1800000,
    3600000,
)
# http_request_duration_seconds and nginx_ingress_controller_request_duration_seconds: the Prometheus client's
# default buckets (.005 s … 10 s), in milliseconds.
SECONDS_BUCKETS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


@dataclass(frozen=True)
class Observer:
    """One of Flagger's observers: the histogram its series carries and how it reads request-duration."""

    name: str
    bounds: tuple[float, ...]
    mean_duration: bool = False  # nginx: sum / count, not a quantile
    wraps_errors: bool = True  # HttpObserver returns the success-rate query's error unwrapped

    def duration_ms(self, stats: WindowStats) -> int | None:
        """request-duration as Flagger compares it: whole milliseconds (Go truncates), None for no values."""
        value = stats.mean_ms if self.mean_duration else stats.quantile(0.99)
        return None if value is None else int(value)

    def shown_p99_ms(self, stats: WindowStats) -> float | None:
        """The p99 the screen shows, from the same series' histogram."""
        return stats.quantile(0.99)


LINKERD = Observer("linkerd", LINKERD_BUCKETS_MS)
ISTIO = Observer("istio", ISTIO_BUCKETS_MS)
HTTP = Observer("http", SECONDS_BUCKETS_MS, wraps_errors=False)
NGINX = Observer("nginx", SECONDS_BUCKETS_MS, mean_duration=True)


def metrics_provider(spec_provider: str | None, mesh_provider: str) -> str:
    """The provider name Flagger's builtin checks run under (and name in their warnings)."""
    provider = "crossover" if "crossover" in mesh_provider else mesh_provider
    if spec_provider:
        provider = spec_provider
        # A Flagger installed for Linkerd keeps Linkerd's metrics whatever the Canary says.
        if "linkerd" in mesh_provider:
            provider = "linkerd"
    return provider


def observer_for(metrics_provider_name: str) -> Observer:
    """observers.Factory.Observer for the providers the simulation speaks; Flagger's default is Istio's."""
    if metrics_provider_name == "linkerd":
        return LINKERD
    if metrics_provider_name == "nginx":
        return NGINX
    if metrics_provider_name == "kubernetes" or metrics_provider_name.startswith("gatewayapi"):
        return HTTP
    return ISTIO
