"""Every provider's router object, shaped as Flagger v1.44 writes it, read as Flagger's GetRoutes reads it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests import router_objects as ro
from tui.domain.flagger.router_kinds import ROUTER_KINDS, implied_provider, kind_of
from tui.domain.model import RouterInfo
from tui.kube.parse import parse_router


def parsed(obj: Any) -> RouterInfo:
    info = parse_router(obj)
    assert info is not None
    return info


@pytest.mark.parametrize(
    ("obj", "family", "kind", "name"),
    [
        (ro.virtual_service(), "istio", "VirtualService", "podinfo"),
        (ro.virtual_service(fqdn=True), "istio", "VirtualService", "podinfo"),
        (ro.traffic_split(), "smi", "TrafficSplit", "podinfo"),
        (ro.traffic_split(version="v1alpha2"), "smi", "TrafficSplit", "podinfo"),
        (ro.traffic_split(version="v1alpha3"), "smi", "TrafficSplit", "podinfo"),
        (ro.traffic_split(version="v1alpha4"), "smi", "TrafficSplit", "podinfo"),
        (ro.http_route(), "gatewayapi", "HTTPRoute", "podinfo"),
        (ro.http_route(version="v1beta1"), "gatewayapi", "HTTPRoute", "podinfo"),
        (ro.nginx_ingress(20), "nginx", "Ingress", "podinfo-canary"),
        (ro.nginx_ingress(20, prefix="custom.example.com"), "nginx", "Ingress", "podinfo-canary"),
        (ro.skipper_ingress(), "skipper", "Ingress", "podinfo-canary"),
        (ro.http_proxy(), "contour", "HTTPProxy", "podinfo"),
        (ro.route_table(), "gloo", "RouteTable", "podinfo"),
        (ro.traefik_service(), "traefik", "TraefikService", "podinfo"),
        (ro.traffic_route(), "kuma", "TrafficRoute", "podinfo"),
        (ro.apisix_route(), "apisix", "ApisixRoute", "app-podinfo-canary"),
        (ro.virtual_router(), "appmesh", "VirtualRouter", "podinfo"),
        (ro.appmesh_virtual_service(), "appmesh", "VirtualService", "podinfo.test"),
        (ro.knative_service(), "knative", "Service", "podinfo"),
    ],
)
def test_every_provider_reads_primary_80_canary_20(obj: dict[str, Any], family: str, kind: str, name: str) -> None:
    info = parsed(obj)
    assert (info.family, info.kind, info.name) == (family, kind, name)
    assert (info.primary_weight, info.canary_weight, info.problem) == (80, 20, None)
    assert info.matches == ()
    assert kind_of(info) is not None and family in kind_of(info).families  # type: ignore[union-attr]


def test_the_kuma_route_is_cluster_scoped() -> None:
    assert parsed(ro.traffic_route()).namespace == ""


@pytest.mark.parametrize(
    "build", [ro.http_proxy, ro.route_table, ro.traefik_service], ids=["contour", "gloo", "traefik"]
)
def test_an_omitted_zero_weight_is_zero_and_the_canary_is_the_rest(build: Any) -> None:
    info = parsed(build(100, 0))
    assert (info.primary_weight, info.canary_weight, info.problem) == (100, 0, None)
    info = parsed(build(0, 100))
    assert (info.primary_weight, info.canary_weight, info.problem) == (0, 100, None)


def test_istio_ab_reads_the_weighted_rule_and_its_header_and_cookie_matches() -> None:
    info = parsed(ro.virtual_service(0, 100, ab=True))
    assert (info.primary_weight, info.canary_weight) == (0, 100)
    assert info.matches == ("header x-canary=insider", "cookie~^(.*?;)?(canary=always)(;.*)?$")


def test_istio_reads_the_last_rule_that_routes_to_the_canary() -> None:
    obj = ro.virtual_service(90, 10)
    obj["spec"]["http"].append(copy.deepcopy(obj["spec"]["http"][0]))
    obj["spec"]["http"][1]["route"][0]["weight"], obj["spec"]["http"][1]["route"][1]["weight"] = 60, 40
    assert (parsed(obj).primary_weight, parsed(obj).canary_weight) == (60, 40)


def test_gatewayapi_ab_rule_has_header_and_cookie_matches() -> None:
    info = parsed(ro.http_route(0, 100, ab=True))
    assert (info.primary_weight, info.canary_weight, info.problem) == (0, 100, None)
    assert info.matches == ("header x-canary=insider", "cookie~.*canary.*")


def test_nginx_ab_is_all_canary_for_matching_requests() -> None:
    info = parsed(ro.nginx_ab_ingress())
    assert (info.primary_weight, info.canary_weight) == (0, 100)
    assert info.matches == ("header x-canary=insider", "cookie canary")


def test_nginx_without_a_weight_is_all_primary() -> None:
    obj = ro.nginx_ingress(0)
    del obj["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"]
    assert (parsed(obj).primary_weight, parsed(obj).canary_weight, parsed(obj).problem) == (100, 0, None)


def test_an_ingress_flagger_did_not_write_is_no_router() -> None:
    obj = ro.canary_ingress({"kubernetes.io/ingress.class": "nginx"})
    assert parse_router(obj) is None


def test_appmesh_ab_route_has_header_matches() -> None:
    info = parsed(ro.virtual_router(0, 100, ab=True))
    assert (info.primary_weight, info.canary_weight, info.matches) == (0, 100, ("header x-canary=insider",))


@pytest.mark.parametrize(
    ("build", "rule"),
    [(ro.http_proxy, "header x-canary=insider"), (ro.route_table, "header x-canary=insider")],
    ids=["contour", "gloo"],
)
def test_contour_and_gloo_ab_matches(build: Any, rule: str) -> None:
    assert parsed(build(0, 100, ab=True)).matches == (rule,)


def _malformed() -> list[tuple[str, dict[str, Any], str]]:
    cases: list[tuple[str, dict[str, Any], str]] = []
    vs = ro.virtual_service()
    vs["spec"]["http"][0]["route"][1]["weight"] = "lots"
    cases.append(("istio weight word", vs, "weight of podinfo-canary is not a number"))
    vs = ro.virtual_service()
    vs["spec"]["http"] = [{"route": [{"destination": {"host": "elsewhere"}, "weight": 100}]}]
    cases.append(("istio other hosts", vs, "no routes for podinfo-primary and podinfo-canary"))
    vs = ro.virtual_service()
    del vs["spec"]["http"][0]["route"][0]["weight"]
    cases.append(("istio no weight", vs, "no weight for podinfo-primary"))
    ts = ro.traffic_split(version="v1alpha2")
    ts["spec"]["backends"] = ts["spec"]["backends"][:1]
    cases.append(("smi one backend", ts, "no route for podinfo-primary"))
    hr = ro.http_route()
    hr["spec"]["rules"][0]["backendRefs"][0]["weight"] = None
    cases.append(("httproute null weight", hr, "no weight for podinfo-primary"))
    hr = ro.http_route()
    hr["spec"]["rules"] = "oops"
    cases.append(("httproute rules not a list", hr, "no rule routes to both podinfo-primary and podinfo-canary"))
    cases.append(
        (
            "nginx weight word",
            ro.canary_ingress(
                {"nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "x"}
            ),
            "nginx.ingress.kubernetes.io/canary-weight is not a number",
        )
    )
    cases.append(
        (
            "skipper bad json",
            ro.canary_ingress({"zalando.org/backend-weights": "{nope"}),
            "zalando.org/backend-weights is not a JSON map",
        )
    )
    hp = ro.http_proxy()
    hp["spec"]["routes"][0]["services"] = hp["spec"]["routes"][0]["services"][:1]
    cases.append(("contour one service", hp, "services not found"))
    rt = ro.route_table()
    rt["spec"]["routes"] = []
    cases.append(("gloo no routes", rt, "destinations not found"))
    tr = ro.traefik_service()
    tr["spec"]["weighted"] = None
    cases.append(("traefik no weighted", tr, "services not found"))
    kr = ro.traffic_route()
    kr["spec"]["conf"] = None
    cases.append(("kuma no conf", kr, "no routes for podinfo-primary and podinfo-canary"))
    ar = ro.apisix_route()
    ar["spec"]["http"][0]["backends"][0]["weight"] = None
    cases.append(("apisix nil weight", ar, "no weight for podinfo-primary"))
    vr = ro.virtual_router()
    vr["spec"]["routes"] = [{"httpRoute": {"action": {"weightedTargets": []}}}]
    cases.append(("appmesh no targets", vr, "routes not found"))
    kn = ro.knative_service()
    del kn["metadata"]["annotations"]
    cases.append(("knative no annotation", kn, "annotation flagger.app/primary-revision not found"))
    kn = ro.knative_service()
    kn["status"] = {"traffic": [{"latestRevision": True, "percent": 20}]}
    cases.append(("knative no primary revision", kn, "traffic spec invalid"))
    return cases


@pytest.mark.parametrize(("obj", "reason"), [(o, r) for _, o, r in _malformed()], ids=[c[0] for c in _malformed()])
def test_missing_or_malformed_weights_give_a_reason(obj: dict[str, Any], reason: str) -> None:
    info = parsed(obj)
    assert info.problem == reason
    assert info.primary_weight is None or info.canary_weight is None


def test_match_rules_are_bounded_and_safe() -> None:
    obj = ro.virtual_service(0, 100, ab=True)
    obj["spec"]["http"][0]["match"] = [{"headers": {"x-[b]evil\x1b[31m": {"exact": "v" * 500}}}] * 20
    info = parsed(obj)
    assert len(info.matches) <= 6
    assert all(len(rule) <= 80 for rule in info.matches) and info.matches[0].endswith("…")
    assert all("\x1b" not in rule for rule in info.matches)


def test_a_huge_backend_weights_annotation_is_refused() -> None:
    weights = {f"svc-{i}-canary": i for i in range(2000)}
    info = parsed(ro.canary_ingress({"zalando.org/backend-weights": json.dumps(weights)}))
    assert info.problem == "zalando.org/backend-weights is not a JSON map"


@pytest.mark.parametrize(
    ("obj", "provider"),
    [
        (ro.virtual_service(), "istio"),
        (ro.traffic_split(), "linkerd"),
        (ro.traffic_split(version="v1alpha2"), "osm"),
        (ro.traffic_split(version="v1alpha3"), "smi:v1alpha3"),
        (ro.http_route(), "gatewayapi:v1"),
        (ro.http_route(version="v1beta1"), "gatewayapi:v1beta1"),
        (ro.nginx_ingress(), "nginx"),
        (ro.skipper_ingress(), "skipper"),
        (ro.virtual_router(), "appmesh:v1beta2"),
        (ro.appmesh_virtual_service(), "appmesh"),
        (ro.knative_service(), "knative"),
    ],
)
def test_a_router_implies_the_provider_that_writes_it(obj: dict[str, Any], provider: str) -> None:
    assert implied_provider(parsed(obj)) == provider


def test_every_router_kind_has_a_parser() -> None:
    builders = {
        "trafficsplits": ro.traffic_split,
        "httproutes": ro.http_route,
        "virtualservices": ro.virtual_service,
        "ingresses": ro.nginx_ingress,
        "httpproxies": ro.http_proxy,
        "routetables": ro.route_table,
        "traefikservices": ro.traefik_service,
        "trafficroutes": ro.traffic_route,
        "apisixroutes": ro.apisix_route,
        "virtualrouters": ro.virtual_router,
        "appmesh-virtualservices": ro.appmesh_virtual_service,
        "knative-services": ro.knative_service,
    }
    assert set(builders) == {rk.key for rk in ROUTER_KINDS}
    for rk in ROUTER_KINDS:
        info = parsed(builders[rk.key]())
        assert kind_of(info) == rk


def test_istio_tcp_routes_are_read_where_there_is_no_http_route() -> None:
    obj = ro.virtual_service(70, 30)
    obj["spec"]["tcp"] = obj["spec"].pop("http")
    info = parsed(obj)
    assert (info.primary_weight, info.canary_weight, info.problem) == (70, 30, None)


def test_istio_session_affinity_reads_the_weighted_rule_not_the_sticky_ones() -> None:
    # [stickyCanary (cookie match, 0/100), weighted (80/20, Set-Cookie on the canary)]: the last rule to the canary.
    obj = ro.virtual_service(80, 20)
    sticky = {
        "match": [{"headers": {"Cookie": {"regex": ".*flagger-cookie.*abc.*"}}}],
        "route": [
            {"destination": {"host": "podinfo-primary"}, "weight": 0},
            {"destination": {"host": "podinfo-canary"}, "weight": 100},
        ],
    }
    obj["spec"]["http"].insert(0, sticky)
    info = parsed(obj)
    assert (info.primary_weight, info.canary_weight) == (80, 20)
    assert info.matches == ("cookie~.*flagger-cookie.*abc.*",)


def test_a_list_item_without_kind_or_api_version_is_no_router() -> None:
    obj = ro.virtual_service()
    del obj["kind"], obj["apiVersion"]
    assert parse_router(obj) is None


def test_names_from_the_cluster_in_a_problem_are_made_safe() -> None:
    hostile = "x\x1b[31m[b]red"
    skipper = parsed(
        ro.canary_ingress({"zalando.org/backend-weights": json.dumps({f"{hostile}-primary": "?", "a-canary": 1})})
    )
    nginx = parsed(ro.canary_ingress({f"{hostile}/canary": "true", f"{hostile}/canary-weight": "lots"}))
    for info in (skipper, nginx):
        assert info.problem is not None and "\x1b" not in info.problem
