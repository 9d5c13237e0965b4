"""Which of Flagger's builtin metric observers measures a canary, as Flagger picks it, and what each one reads.

Flagger's scheduler (pkg/controller/scheduler_metrics.go) starts from its `-mesh-provider` flag, lets the Canary's
`spec.provider` win unless the flag names linkerd, appends `:service` for Service targets, and hands the name to the
observer factory (pkg/metrics/observers/factory.go), which matches prefixes and exact names and falls back to Istio.
So `linkerd` routes through SMI but is measured by Linkerd's proxy metrics, `smi:*` is measured by Istio's, and
`gatewayapi*` and `kubernetes` by the application's own `http_request_duration_seconds` histogram.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Observer:
    """One of Flagger's builtin observers: the metric it reads and how it turns it into a duration."""

    family: str
    label: str
    metric: str
    # "p99" (histogram_quantile 0.99) or "mean" (sum / count: nginx and skipper).
    duration: str = "p99"


OBSERVERS: dict[str, Observer] = {
    o.family: o
    for o in (
        Observer("istio", "Istio", "istio_requests_total"),
        Observer("linkerd", "Linkerd", "response_total"),
        Observer("osm", "OSM", "osm_request_total"),
        Observer("appmesh", "App Mesh", "envoy_cluster_upstream_rq"),
        Observer("http", "the app's", "http_request_duration_seconds_count"),
        Observer("contour", "Contour", "envoy_cluster_upstream_rq"),
        Observer("gloo", "Gloo", "envoy_cluster_upstream_rq"),
        Observer("kuma", "Kuma", "envoy_cluster_upstream_rq"),
        Observer("knative", "Knative", "envoy_cluster_upstream_rq"),
        Observer("nginx", "NGINX", "nginx_ingress_controller_requests", duration="mean"),
        Observer("skipper", "Skipper", "skipper_response_duration_seconds_bucket", duration="mean"),
        Observer("traefik", "Traefik", "traefik_service_request_duration_seconds_bucket"),
        Observer("apisix", "APISIX", "apisix_http_status"),
    )
}

# Factory order: prefixes and exact names as factory.go tests them; anything else is Istio.
_BY_PREFIX = (("appmesh", "appmesh"), ("gloo", "gloo"), ("gatewayapi", "http"))
_BY_NAME = {
    "linkerd": "linkerd",
    "istio": "istio",
    "contour": "contour",
    "nginx": "nginx",
    "kubernetes": "http",
    "skipper": "skipper",
    "traefik": "traefik",
    "osm": "osm",
    "kuma": "kuma",
    "apisix": "apisix",
    "knative": "knative",
}


def observer_name(spec_provider: str | None, mesh_provider: str | None, target_kind: str = "Deployment") -> str | None:
    """The name Flagger hands its observer factory for a canary; None when neither name is known."""
    if not spec_provider and not mesh_provider:
        return None
    name = "crossover" if mesh_provider and "crossover" in mesh_provider else (mesh_provider or "")
    if spec_provider:
        name = "linkerd" if mesh_provider and "linkerd" in mesh_provider else spec_provider
    knative = spec_provider == "knative" or mesh_provider == "knative"
    if target_kind == "Service" and not knative:
        name += ":service"
    return name


def observer_for(name: str) -> Observer:
    """The observer factory's choice for a name (`istio:service`, `smi:v1alpha2`, `foo` → Istio)."""
    for prefix, family in _BY_PREFIX:
        if name.startswith(prefix):
            return OBSERVERS[family]
    return OBSERVERS[_BY_NAME.get(name, "istio")]


def observer_family(
    spec_provider: str | None, mesh_provider: str | None, target_kind: str = "Deployment"
) -> str | None:
    """The observer family measuring a canary (`istio`, `linkerd`, `http`…); None when its provider is unknown."""
    name = observer_name(spec_provider, mesh_provider, target_kind)
    return None if name is None else observer_for(name).family


def builtin_gap(family: str, target_kind: str = "Deployment") -> str | None:
    """Why this observer cannot tell primary from canary for such a target (then only MetricTemplates can); None when
    it can."""
    if family in ("linkerd", "osm", "http", "appmesh") and target_kind == "DaemonSet":
        return f"{OBSERVERS[family].label} builtin metrics do not select DaemonSet pods"
    if family == "knative":
        return "Knative builtin metrics are per revision"
    if family == "apisix":
        return "APISIX's route label counts primary and canary together"
    return None
