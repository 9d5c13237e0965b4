"""Which router belongs to a canary: the one its provider writes, by the name Flagger gives it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests import router_objects as ro
from tui.domain.model import CanaryInfo, CanaryKey, FlaggerSettings, RouterInfo
from tui.domain.observations import CanaryObserved, FlaggerSettingsObserved, RouterObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState, CanaryView
from tui.kube.parse import parse_router

KEY = CanaryKey("test", "podinfo")


def router(obj: dict[str, Any]) -> RouterInfo:
    info = parse_router(obj)
    assert info is not None
    return info


def state_with(*objs: dict[str, Any], mesh: str | None = None, **canary: Any) -> tuple[AppState, CanaryView]:
    info = CanaryInfo(KEY, "podinfo", **canary)
    observations: list[Any] = [CanaryObserved(info, 0.0), *(RouterObserved(router(o)) for o in objs)]
    if mesh is not None:
        observations.append(FlaggerSettingsObserved(FlaggerSettings(mesh_provider=mesh)))
    state = reduce_all(AppState(), observations)
    return state, state.canaries[KEY]


@pytest.mark.parametrize(
    ("provider", "obj", "canary"),
    [
        ("istio", ro.virtual_service(), {}),
        ("linkerd", ro.traffic_split(), {}),
        ("osm", ro.traffic_split(version="v1alpha2"), {}),
        ("gatewayapi:v1", ro.http_route(), {}),
        ("nginx", ro.nginx_ingress(ingress="web"), {"ingress_ref": "web"}),
        ("skipper", ro.skipper_ingress(), {"ingress_ref": "podinfo"}),
        ("contour", ro.http_proxy(), {}),
        ("gloo", ro.route_table(), {}),
        ("traefik", ro.traefik_service(), {}),
        ("kuma", ro.traffic_route(), {}),
        ("apisix", ro.apisix_route(route_ref="app"), {"route_ref": "app"}),
        ("appmesh:v1beta2", ro.virtual_router(), {}),
        ("appmesh", ro.appmesh_virtual_service(), {}),
        ("knative", ro.knative_service(), {}),
    ],
)
def test_the_router_of_the_canarys_provider_is_found(provider: str, obj: dict[str, Any], canary: Any) -> None:
    state, view = state_with(obj, provider=provider, **canary)
    found = state.router_for(view)
    assert found is not None and (found.primary_weight, found.canary_weight) == (80, 20)
    assert state.provider_for(view) == provider


def test_the_provider_comes_from_flaggers_flag_when_the_canary_names_none() -> None:
    state, view = state_with(ro.virtual_service(), ro.traffic_split(60, 40), mesh="linkerd")
    assert state.router_for(view).canary_weight == 40  # type: ignore[union-attr]


def test_another_providers_router_is_not_the_canarys() -> None:
    # An Istio canary with a leftover TrafficSplit of the same name has no router until Flagger writes its own.
    state, view = state_with(ro.traffic_split(), provider="istio")
    assert state.router_for(view) is None


def test_skippers_ingress_is_not_nginxs() -> None:
    state, view = state_with(ro.skipper_ingress(), provider="nginx", ingress_ref="podinfo")
    assert state.router_for(view) is None


def test_nginx_without_an_ingress_ref_has_no_router_to_look_for() -> None:
    state, view = state_with(ro.nginx_ingress(), provider="nginx")
    assert state.router_for(view) is None


def test_kubernetes_has_no_router() -> None:
    state, view = state_with(ro.traffic_split(), provider="kubernetes")
    assert state.router_for(view) is None and state.router_kinds_for(view) == ()


@pytest.mark.parametrize(
    ("obj", "implied", "canary"),
    [
        (ro.virtual_service(), "istio", {}),
        (ro.traffic_split(), "linkerd", {}),
        (ro.http_route(version="v1beta1"), "gatewayapi:v1beta1", {}),
        (ro.nginx_ingress(ingress="web"), "nginx", {"ingress_ref": "web"}),
        (ro.traffic_route(), "kuma", {}),
    ],
)
def test_with_the_provider_unknown_the_router_that_exists_is_used_and_implies_it(
    obj: dict[str, Any], implied: str, canary: Any
) -> None:
    state, view = state_with(obj, **canary)
    assert state.router_for(view) is not None
    assert state.provider_for(view) == implied


def test_with_nothing_known_the_provider_is_unknown() -> None:
    state, view = state_with()
    assert state.provider_for(view) is None and state.router_for(view) is None


def test_a_name_flagger_does_not_know_falls_back_to_the_router_that_exists() -> None:
    # `gatewayapi` without a version routes through Istio in Flagger; an HTTPRoute that exists is still shown.
    state, view = state_with(ro.http_route(), provider="gatewayapi")
    assert state.router_for(view) is not None and state.router_for(view).kind == "HTTPRoute"  # type: ignore[union-attr]


def test_router_keys_name_where_the_canarys_router_may_be() -> None:
    state, view = state_with(provider="nginx", ingress_ref="web")
    assert state.router_keys(view) == (("test", "web-canary"),)
    state, view = state_with(provider="kuma")
    assert state.router_keys(view) == (("", "podinfo"),)
    unknown = replace(view, info=replace(view.info, provider=None))
    assert ("test", "podinfo") in state.router_keys(unknown)
