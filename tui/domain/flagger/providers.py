"""Flagger's provider names, resolved as Flagger resolves them (pkg/router/factory.go, pkg/controller/scheduler.go).

A Canary's `spec.provider` wins; otherwise Flagger's `-mesh-provider` flag, whose default is `istio`. Flagger matches
names with `==` and prefixes, first match wins, and falls back to Istio for any name it does not know (with a warning),
so `gatewayapi` without a version routes through Istio's VirtualService.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Flagger's -mesh-provider default (cmd/flagger/main.go).
FLAGGER_DEFAULT = "istio"

# Exact names, then prefixes in factory.go's order (it tries prefixes such as `gatewayapi:v1beta1` first).
_EXACT = {
    "appmesh": "appmesh",
    "linkerd": "smi",
    "istio": "istio",
    "contour": "contour",
    "knative": "knative",
    "nginx": "nginx",
    "skipper": "skipper",
    "traefik": "traefik",
    "apisix": "apisix",
    "osm": "smi",
    "kuma": "kuma",
    "kubernetes": "kubernetes",
}
_PREFIXES = (
    ("appmesh:v1beta2", "appmesh"),
    ("smi:v1alpha1", "smi"),
    ("smi:v1alpha2", "smi"),
    ("smi:v1alpha3", "smi"),
    ("gloo", "gloo"),
    ("gatewayapi:v1beta1", "gatewayapi"),
    ("gatewayapi:v1", "gatewayapi"),
)


@dataclass(frozen=True)
class Resolved:
    """The provider a canary runs with: its name, the router family Flagger picks for it, and whether that family is
    Flagger's fallback for a name it does not know."""

    name: str
    family: str
    unknown: bool = False


@lru_cache(maxsize=256)  # asked for every row on every state; a cluster has a handful of provider names
def router_family(name: str) -> Resolved:
    """The router Flagger uses for a provider name (`linkerd` → smi, `gatewayapi:v1` → gatewayapi, `foo` → istio)."""
    for prefix, family in _PREFIXES:
        if name.startswith(prefix):
            return Resolved(name, family)
    if name in _EXACT:
        return Resolved(name, _EXACT[name])
    return Resolved(name, "istio", unknown=True)


def effective_provider(spec_provider: str | None, mesh_provider: str | None) -> str | None:
    """The Canary's own provider, else Flagger's flag; None when neither is known (Flagger's flag not readable)."""
    if spec_provider:
        return spec_provider
    return mesh_provider or None
