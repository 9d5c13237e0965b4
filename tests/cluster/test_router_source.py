"""Clusters with one provider's router kind served (Istio only, Gateway API only, NGINX): the cluster source, with the
real `kubernetes` client, watches what is served and only that, and each canary gets its provider's router."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import router_objects as ro
from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.standin.apiserver import ApiServer
from tests.standin.resources import ResourceType
from tui.domain.model import CanaryKey, Health

KEY = CanaryKey(ro.NS, ro.APEX)
VIRTUALSERVICES = ResourceType(
    "networking.istio.io", ("v1", "v1beta1"), "virtualservices", "VirtualService", singular="virtualservice"
)
INGRESSES = ResourceType(
    "networking.k8s.io", ("v1",), "ingresses", "Ingress", singular="ingress", short_names=("ing",), builtin=True
)
ROUTER_PATHS = ("trafficsplits", "httproutes", "virtualservices", "ingresses")


def canary(name: str = ro.APEX, provider: str | None = None, **spec: Any) -> dict[str, Any]:
    obj = objects.canary(name, ro.NS, phase="Progressing", weight=20)
    obj["spec"].pop("provider")
    if provider is not None:
        obj["spec"]["provider"] = provider
    obj["spec"].update(spec)
    return obj


def only_routers(api: ApiServer, *served: ResourceType) -> None:
    api.uninstall_crd("trafficsplits.split.smi-spec.io")
    api.uninstall_crd("httproutes.gateway.networking.k8s.io")
    for rt in served:
        api.install_crd(rt)


def watched(api: ApiServer) -> set[str]:
    """The router plurals the source asked the server about."""
    return {plural for r in api.requests() for plural in ROUTER_PATHS if f"/{plural}" in r.path}


def test_an_istio_only_cluster(apiserver: ApiServer, kubeconfig: Path) -> None:
    only_routers(apiserver, VIRTUALSERVICES)
    apiserver.put(canary(provider="istio"))
    apiserver.put(canary("other", provider="gatewayapi:v1"))
    apiserver.put(ro.virtual_service(80, 20))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.canaries and s.router_for(s.canaries[KEY]) is not None, what="the istio router")
        router = h.state.router_for(h.state.canaries[KEY])
        assert router is not None
        assert (router.kind, router.family, router.primary_weight, router.canary_weight) == (
            "VirtualService",
            "istio",
            80,
            20,
        )
        # The Gateway API canary's router kind is not served: one quiet line, no error.
        h.wait_for(lambda s: "routers" in s.health, what="the note on the router kind not installed")
        note = h.state.health["routers"]
        assert (note.state, note.detail) == (Health.DISABLED, "Gateway API HTTPRoute not installed")
        apiserver.wait_for_watches("virtualservices.networking.istio.io")
        apiserver.put(ro.virtual_service(60, 40))
        h.wait_for(lambda s: s.router_for(s.canaries[KEY]).canary_weight == 40, what="the watched change")  # type: ignore[union-attr]
        assert h.state.health["virtualservices"].state is Health.CONNECTED
    assert watched(apiserver) == {"virtualservices"}
    # Flagger writes v1beta1; the source watches that version where it is served.
    assert all("/networking.istio.io/v1beta1/" in r.path for r in apiserver.requests() if "virtualservices" in r.path)


def test_a_gateway_api_only_cluster_with_an_ab_route(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.uninstall_crd("trafficsplits.split.smi-spec.io")
    apiserver.put(canary(provider="gatewayapi:v1beta1"))
    apiserver.put(ro.http_route(0, 100, version="v1beta1", ab=True))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.canaries and s.router_for(s.canaries[KEY]) is not None, what="the HTTPRoute")
        router = h.state.router_for(h.state.canaries[KEY])
        assert router is not None
        assert (router.primary_weight, router.canary_weight) == (0, 100)
        assert router.matches == ("header x-canary=insider", "cookie~.*canary.*")
        h.wait_for(lambda s: s.health.get("httproutes") is not None, what="the HTTPRoute watch's health")
        assert "routers" not in h.state.health, "every router kind in use is served: nothing to note"
    assert watched(apiserver) == {"httproutes"}


def test_an_nginx_cluster(apiserver: ApiServer, kubeconfig: Path) -> None:
    only_routers(apiserver, INGRESSES)
    apiserver.put(
        canary(provider="nginx", ingressRef={"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "web"})
    )
    apex = ro.canary_ingress({"kubernetes.io/ingress.class": "nginx"}, "web")
    apex["metadata"]["name"] = "web"
    apiserver.put(apex)  # the user's own Ingress: not a router
    apiserver.put(ro.nginx_ingress(30, ingress="web"))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.canaries and s.router_for(s.canaries[KEY]) is not None, what="the canary Ingress")
        router = h.state.router_for(h.state.canaries[KEY])
        assert router is not None
        assert (router.name, router.family, router.primary_weight, router.canary_weight) == (
            "web-canary",
            "nginx",
            70,
            30,
        )
        assert ("test", "web") not in h.state.routers
    assert watched(apiserver) == {"ingresses"}


def test_with_the_provider_unknown_the_existing_router_is_used(apiserver: ApiServer, kubeconfig: Path) -> None:
    only_routers(apiserver, VIRTUALSERVICES)
    apiserver.put(canary())
    apiserver.put(ro.virtual_service(90, 10))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.canaries and s.router_for(s.canaries[KEY]) is not None, what="the router")
        assert h.state.provider_for(h.state.canaries[KEY]) == "istio"


def test_the_note_follows_the_providers_in_use(apiserver: ApiServer, kubeconfig: Path) -> None:
    only_routers(apiserver, VIRTUALSERVICES)
    apiserver.put(canary(provider="istio"))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: s.health.get("virtualservices") is not None, what="the VirtualService watch")
        assert "routers" not in h.state.health, "every provider in use has its router kind"
        apiserver.wait_for_watches("canaries.flagger.app")
        apiserver.put(canary("other", provider="contour"))
        h.wait_for(lambda s: "routers" in s.health, what="the note once a canary uses contour")
        assert h.state.health["routers"].detail == "contour HTTPProxy not installed"
        apiserver.delete("canaries.flagger.app", "other", ro.NS)
        h.wait_for(lambda s: s.health["routers"].state is Health.CONNECTED, what="the note withdrawn")
