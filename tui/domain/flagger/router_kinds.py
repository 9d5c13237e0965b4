"""The router objects Flagger v1.44 writes (pkg/router/*.go): one entry per kind, what serves it and how it is named.

How each kind's weights and match rules are read lives in tui.kube.routers (one parser per entry's `key`); this
table is what the domain needs to know: which provider families write a kind and which object belongs to a canary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from tui.domain.model import CanaryInfo, RouterInfo


class Naming(StrEnum):
    """How Flagger names the router object after the canary."""

    APEX = "apex"  # `<apex>` (spec.service.name, else targetRef.name)
    INGRESS_CANARY = "ingress-canary"  # `<spec.ingressRef.name>-canary`
    ROUTE_CANARY = "route-canary"  # `<spec.routeRef.name>-<apex>-canary`
    TARGET = "target"  # the target itself (a Knative Service)
    APEX_DOT_NAMESPACE = "apex.namespace"  # `<apex>.<namespace>` (App Mesh v1beta1)


@dataclass(frozen=True)
class RouterKind:
    """One kind of router object. `key` names its watch (and its health); `versions` are those Flagger has written,
    the one Flagger v1.44 uses first; `families` are the provider families (router_family) that write it."""

    key: str
    kind: str
    group: str
    plural: str
    versions: tuple[str, ...]
    families: tuple[str, ...]
    label: str
    naming: Naming = Naming.APEX
    cluster_scoped: bool = False

    @property
    def qualified(self) -> str:
        """`VirtualService.networking.istio.io`: unique where the kind alone is not (App Mesh has a VirtualService)."""
        return f"{self.kind}.{self.group}"

    def name_for(self, info: CanaryInfo) -> str | None:
        """The name Flagger gives this kind's object for the canary; None when the Canary lacks the reference."""
        match self.naming:
            case Naming.APEX:
                return info.apex
            case Naming.INGRESS_CANARY:
                return f"{info.ingress_ref}-canary" if info.ingress_ref else None
            case Naming.ROUTE_CANARY:
                return f"{info.route_ref}-{info.apex}-canary" if info.route_ref else None
            case Naming.TARGET:
                return info.target
            case Naming.APEX_DOT_NAMESPACE:
                return f"{info.apex}.{info.key.namespace}"

    def namespace_for(self, info: CanaryInfo) -> str:
        return "" if self.cluster_scoped else info.key.namespace


ROUTER_KINDS: tuple[RouterKind, ...] = (
    RouterKind(
        "trafficsplits",
        "TrafficSplit",
        "split.smi-spec.io",
        "trafficsplits",
        ("v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"),
        ("smi",),
        "SMI TrafficSplit",
    ),
    RouterKind(
        "httproutes",
        "HTTPRoute",
        "gateway.networking.k8s.io",
        "httproutes",
        ("v1", "v1beta1"),
        ("gatewayapi",),
        "Gateway API HTTPRoute",
    ),
    RouterKind(
        "virtualservices",
        "VirtualService",
        "networking.istio.io",
        "virtualservices",
        ("v1beta1", "v1", "v1alpha3"),
        ("istio",),
        "istio VirtualService",
    ),
    RouterKind(
        "ingresses",
        "Ingress",
        "networking.k8s.io",
        "ingresses",
        ("v1",),
        ("nginx", "skipper"),
        "Ingress",
        Naming.INGRESS_CANARY,
    ),
    RouterKind(
        "httpproxies", "HTTPProxy", "projectcontour.io", "httpproxies", ("v1",), ("contour",), "contour HTTPProxy"
    ),
    RouterKind("routetables", "RouteTable", "gateway.solo.io", "routetables", ("v1",), ("gloo",), "gloo RouteTable"),
    RouterKind(
        "traefikservices",
        "TraefikService",
        "traefik.io",
        "traefikservices",
        ("v1alpha1",),
        ("traefik",),
        "traefik TraefikService",
    ),
    RouterKind(
        "trafficroutes",
        "TrafficRoute",
        "kuma.io",
        "trafficroutes",
        ("v1alpha1",),
        ("kuma",),
        "kuma TrafficRoute",
        cluster_scoped=True,
    ),
    RouterKind(
        "apisixroutes",
        "ApisixRoute",
        "apisix.apache.org",
        "apisixroutes",
        ("v2",),
        ("apisix",),
        "apisix ApisixRoute",
        Naming.ROUTE_CANARY,
    ),
    RouterKind(
        "virtualrouters",
        "VirtualRouter",
        "appmesh.k8s.aws",
        "virtualrouters",
        ("v1beta2",),
        ("appmesh",),
        "appmesh VirtualRouter",
    ),
    RouterKind(
        "appmesh-virtualservices",
        "VirtualService",
        "appmesh.k8s.aws",
        "virtualservices",
        ("v1beta1",),
        ("appmesh",),
        "appmesh VirtualService",
        Naming.APEX_DOT_NAMESPACE,
    ),
    RouterKind(
        "knative-services",
        "Service",
        "serving.knative.dev",
        "services",
        ("v1",),
        ("knative",),
        "knative Service",
        Naming.TARGET,
    ),
)

BY_KEY: dict[str, RouterKind] = {rk.key: rk for rk in ROUTER_KINDS}
# Every health source a router watch reports under, and "routers" (the note on router kinds not installed).
ROUTER_SOURCES: tuple[str, ...] = (*(rk.key for rk in ROUTER_KINDS), "routers")


def kind_of(router: RouterInfo) -> RouterKind | None:
    """The table entry of a parsed router (by kind and API group; the kind alone where the group is unknown)."""
    group = router.api_version.rpartition("/")[0]
    fallback = None
    for rk in ROUTER_KINDS:
        if rk.kind == router.kind:
            if rk.group == group:
                return rk
            fallback = fallback or rk
    return fallback


@lru_cache(maxsize=64)  # a handful of families, asked for every row on every state
def kinds_of_family(family: str) -> tuple[RouterKind, ...]:
    return tuple(rk for rk in ROUTER_KINDS if family in rk.families)


def implied_provider(router: RouterInfo) -> str | None:
    """The provider name that writes this router as Flagger v1.44 writes it (a TrafficSplit v1alpha1 is Linkerd's,
    v1alpha2 OSM's); None for an object no provider writes."""
    version = router.api_version.rpartition("/")[2]
    match router.family:
        case "smi":
            return {"v1alpha2": "osm", "v1alpha3": "smi:v1alpha3"}.get(version, "linkerd")
        case "gatewayapi":
            return "gatewayapi:v1beta1" if version == "v1beta1" else "gatewayapi:v1"
        case "appmesh":
            return "appmesh:v1beta2" if router.kind == "VirtualRouter" else "appmesh"
        case None:
            return None
        case family:
            return family
