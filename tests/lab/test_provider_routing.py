"""The mesh emulator routes by other providers' routers, shaped as Flagger v1.44 writes them (no cluster needed):
an Istio VirtualService, a Gateway API HTTPRoute whose parent is the apex Service, an NGINX canary Ingress."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from tests.lab.test_routing import deployment, first, service
from tui.lab import apps
from tui.lab.provider_routes import (
    Mirror,
    Request,
    parse_http_route,
    parse_nginx_canary,
    parse_virtual_service,
    service_name,
)
from tui.lab.routing import Topology


def virtual_service(primary: int, canary: int, match: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    weighted: dict[str, Any] = {
        "route": [
            {"destination": {"host": "examiner-primary"}, "weight": primary},
            {"destination": {"host": "examiner-canary"}, "weight": canary},
        ]
    }
    rules = [weighted]
    if match is not None:  # Flagger's A/B shape: the matched rule first, then the primary for everyone else
        rules = [{"match": match, **weighted}, {"route": [{"destination": {"host": "examiner-primary"}, "weight": 0}]}]
    return {
        "kind": "VirtualService",
        "metadata": {"name": "examiner", "namespace": "apps"},
        "spec": {"hosts": ["examiner"], "gateways": ["mesh"], "http": rules},
    }


def http_route(primary: int, canary: int, headers: list[dict[str, str]] | None = None) -> dict[str, Any]:
    def backend(name: str, weight: int) -> dict[str, Any]:
        return {"group": "", "kind": "Service", "name": name, "port": 80, "weight": weight}

    path = {"path": {"type": "PathPrefix", "value": "/"}}
    weighted = {"backendRefs": [backend("examiner-primary", primary), backend("examiner-canary", canary)]}
    rules: list[dict[str, Any]] = [{"matches": [path], **weighted}]
    if headers is not None:
        rules = [
            {"matches": [{**path, "headers": headers}], **weighted},
            {"matches": [path], "backendRefs": [backend("examiner-primary", 100)]},
        ]
    parent = {"group": "core", "kind": "Service", "name": "examiner", "namespace": "apps", "port": 80}
    return {
        "kind": "HTTPRoute",
        "metadata": {"name": "examiner", "namespace": "apps"},
        "spec": {"parentRefs": [parent], "rules": rules},
    }


def flagged(router: dict[str, Any] | None = None) -> Topology:
    topo = Topology()
    ingress = next(o for o in apps.objects("http://127.0.0.1:1/") if o["kind"] == "Ingress")
    topo.put("Ingress", ingress)
    topo.put("Service", service("examiner", "examiner-primary"))
    topo.put("Service", service("examiner-primary", "examiner-primary"))
    topo.put("Service", service("examiner-canary", "examiner"))
    topo.put("Deployment", deployment("examiner-primary", "examiner-primary", env={"ECHO_VALUE": "old"}))
    topo.put("Deployment", deployment("examiner", "examiner", env={"ECHO_VALUE": "new"}))
    if router is not None:
        topo.put(router["kind"], router)
    return topo


def served(topo: Topology, n: int = 2000, headers: dict[str, str] | None = None, seed: int = 3) -> Counter[str]:
    rng = random.Random(seed)

    def pick(choices: Any) -> str:
        return str(rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0])

    request = Request("/examine", {k.lower(): v for k, v in (headers or {}).items()})
    out: Counter[str] = Counter()
    for _ in range(n):
        backend = topo.backend("apps", "examiner", pick, request)
        out[backend.workload.name if backend else "none"] += 1
    return out


def test_virtual_service_weights_split_the_apex_services_traffic() -> None:
    assert served(flagged(virtual_service(100, 0))) == Counter({"examiner-primary": 2000})
    assert served(flagged(virtual_service(0, 100))) == Counter({"examiner": 2000})
    split = served(flagged(virtual_service(75, 25)))
    assert 0.21 < split["examiner"] / 2000 < 0.29 and split["examiner"] + split["examiner-primary"] == 2000


def test_virtual_service_header_match_sends_only_matching_requests_to_the_canary() -> None:
    topo = flagged(virtual_service(0, 100, match=[{"headers": {"x-canary": {"exact": "insider"}}}]))
    assert served(topo, 50, {"X-Canary": "insider"}) == Counter({"examiner": 50})
    # Everyone else falls through to the primary rule, whose weight Flagger writes as 0 during A/B (SetRoutes(0,
    # 100) in pkg/router/istio.go): a single destination takes everything whatever its weight, as Istio routes it.
    assert served(topo, 50, {"X-Canary": "outsider"}) == Counter({"examiner-primary": 50})
    assert served(topo, 50) == Counter({"examiner-primary": 50})
    cookie = flagged(
        virtual_service(0, 100, match=[{"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}}])
    )
    assert served(cookie, 20, {"Cookie": "a=1;canary=always"}) == Counter({"examiner": 20})


def test_a_single_destination_without_weight_takes_everything_and_fqdn_hosts_name_services() -> None:
    vs = virtual_service(0, 0)
    vs["spec"]["hosts"] = ["examiner.apps.svc.cluster.local"]
    vs["spec"]["http"] = [{"route": [{"destination": {"host": "examiner-canary.apps.svc.cluster.local"}}]}]
    assert served(flagged(vs), 10) == Counter({"examiner": 10})
    assert service_name("examiner.other.svc.cluster.local", "apps") is None


def test_http_route_weights_split_the_parent_services_traffic() -> None:
    assert served(flagged(http_route(100, 0))) == Counter({"examiner-primary": 2000})
    split = served(flagged(http_route(50, 50)))
    assert 0.45 < split["examiner"] / 2000 < 0.55 and split["examiner"] + split["examiner-primary"] == 2000
    omitted = http_route(0, 0)
    for ref in omitted["spec"]["rules"][0]["backendRefs"]:
        del ref["weight"]  # the Gateway API default is 1 each
    assert set(served(flagged(omitted))) == {"examiner", "examiner-primary"}
    assert served(flagged(http_route(0, 0)), 5) == Counter({"none": 5})


def test_http_route_header_rule_wins_over_the_plain_rule_for_matching_requests() -> None:
    topo = flagged(http_route(0, 100, headers=[{"name": "x-canary", "type": "Exact", "value": "insider"}]))
    assert served(topo, 30, {"x-canary": "insider"}) == Counter({"examiner": 30})
    assert served(topo, 30) == Counter({"examiner-primary": 30})
    regex = flagged(http_route(0, 100, headers=[{"name": "Cookie", "type": "RegularExpression", "value": ".*c=1.*"}]))
    assert served(regex, 10, {"cookie": "a=2; c=1"}) == Counter({"examiner": 10})


def test_a_route_whose_parent_is_a_gateway_does_not_route_service_traffic() -> None:
    route = http_route(0, 100)
    route["spec"]["parentRefs"] = [{"name": "gateway", "namespace": "istio-ingress"}]
    assert served(flagged(route), 10) == Counter({"examiner-primary": 10})  # the apex Service's own pods


def nginx_canary(annotations: dict[str, str]) -> dict[str, Any]:
    ingress = next(o for o in apps.objects("http://127.0.0.1:1/") if o["kind"] == "Ingress")
    ingress["metadata"] = {
        "name": "echo-canary",
        "namespace": "apps",
        "annotations": {f"nginx.ingress.kubernetes.io/{k}": v for k, v in annotations.items()},
    }
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "examiner-canary"
    return ingress


def test_nginx_canary_ingress_shadows_the_main_path() -> None:
    topo = flagged()
    topo.put("Ingress", nginx_canary({"canary": "true", "canary-weight": "30"}))
    main = topo.route("localhost", "/examine")
    assert main is not None and (main.ingress, main.service, main.canary) == ("echo", "examiner", None)
    canary = topo.canary_path(main)
    assert canary is not None and canary.service == "examiner-canary" and canary.canary is not None
    rng = random.Random(1)
    taken = sum(canary.canary.takes(Request("/", {}), rng.random) for _ in range(2000))
    assert 0.26 < taken / 2000 < 0.34
    assert first([("x", 1.0)]) == "x"


def test_nginx_canary_by_header_and_cookie() -> None:
    def takes(annotations: dict[str, str], headers: dict[str, str]) -> bool:
        canary = parse_nginx_canary({f"nginx.ingress.kubernetes.io/{k}": v for k, v in annotations.items()})
        assert canary is not None
        return canary.takes(Request("/", headers), lambda: 0.99)

    header = {"canary": "true", "canary-weight": "0", "canary-by-header": "x-canary"}
    assert takes(header, {"x-canary": "always"}) and not takes(header, {"x-canary": "never"})
    assert not takes(header, {})
    valued = {**header, "canary-by-header-value": "insider"}
    assert takes(valued, {"x-canary": "insider"}) and not takes(valued, {"x-canary": "always"})
    pattern = {**header, "canary-by-header-pattern": "ins.*"}
    assert takes(pattern, {"x-canary": "insider"}) and not takes(pattern, {"x-canary": "outsider"})
    cookie = {"canary": "true", "canary-by-cookie": "canary"}
    assert takes(cookie, {"cookie": "canary=always"}) and not takes(cookie, {"cookie": "canary=never"})
    assert takes({"canary": "true", "canary-weight": "100"}, {})
    assert parse_nginx_canary({"nginx.ingress.kubernetes.io/canary-weight": "50"}) is None  # not a canary Ingress
    bad = parse_nginx_canary(
        {"nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "x"}
    )
    assert bad is not None and bad.weight == 0


def test_istio_meshed_by_namespace_label_unless_the_pod_template_says_otherwise() -> None:
    topo = flagged()
    workload = next(w for w in topo.workloads() if w.name == "examiner")
    assert not topo.istio_meshed(workload)
    topo.put("Namespace", {"kind": "Namespace", "metadata": {"name": "apps", "labels": {"istio-injection": "enabled"}}})
    assert topo.istio_meshed(workload)
    opted_out = deployment("examiner", "examiner")
    opted_out["spec"]["template"]["metadata"]["labels"]["sidecar.istio.io/inject"] = "false"
    topo.put("Deployment", opted_out)
    assert not topo.istio_meshed(next(w for w in topo.workloads() if w.name == "examiner"))


def test_the_labs_canary_carries_what_flagger_needs_for_each_provider() -> None:
    spec = apps.lab_canary("lab-istio")
    by_kind = {o["kind"]: o for o in apps.app_objects(spec, "http://127.0.0.1:1/", "istio", host="istio.lab")}
    assert by_kind["Namespace"]["metadata"] == {"name": "lab-istio", "labels": {"istio-injection": "enabled"}}
    assert by_kind["Canary"]["spec"]["provider"] == "istio"
    assert by_kind["Ingress"]["spec"]["rules"][0]["host"] == "istio.lab"
    assert {o["metadata"].get("namespace", o["metadata"]["name"]) for o in by_kind.values()} == {"lab-istio"}
    gateway = apps.provider_canary(apps.lab_canary(), "gatewayapi", "http://127.0.0.1:1/")["spec"]
    assert gateway["provider"] == "gatewayapi:v1"
    assert gateway["service"]["gatewayRefs"] == [
        {"group": "core", "kind": "Service", "name": "examiner", "namespace": "apps", "port": 80}
    ]
    nginx = apps.provider_canary(apps.lab_canary(), "nginx", "http://127.0.0.1:1/")["spec"]
    assert (nginx["provider"], nginx["ingressRef"]["name"]) == ("nginx", "echo")
    seed = apps.objects("http://127.0.0.1:1/")
    assert seed[0]["metadata"]["annotations"] == {"linkerd.io/inject": "enabled"}
    assert next(o for o in seed if o["kind"] == "Canary")["spec"]["provider"] == "linkerd"


# --- A/B matches and mirroring, as Flagger v1.44 writes them for A/B testing and blue/green ---------------------


def test_istio_header_matches_exact_prefix_regex_and_the_cookie_regex_flagger_documents() -> None:
    def canary_share(match: list[dict[str, Any]], headers: dict[str, str]) -> Counter[str]:
        return served(flagged(virtual_service(0, 100, match=match)), 20, headers)

    canary, primary = Counter({"examiner": 20}), Counter({"examiner-primary": 20})
    exact = [{"headers": {"x-canary": {"exact": "insider"}}}]
    assert canary_share(exact, {"X-CANARY": "insider"}) == canary  # header names are case-insensitive
    assert canary_share(exact, {"x-canary": "Insider"}) == primary  # values are not
    prefix = [{"headers": {"user-agent": {"prefix": "Mozilla/5.0 (Firefox"}}}]
    assert canary_share(prefix, {"User-Agent": "Mozilla/5.0 (Firefox 140)"}) == canary
    assert canary_share(prefix, {"User-Agent": "curl/8"}) == primary
    regex = [{"headers": {"user-agent": {"regex": ".*Firefox.*"}}}]
    assert canary_share(regex, {"User-Agent": "Mozilla/5.0 Firefox/140"}) == canary
    assert canary_share([{"headers": {"x": {"regex": "ab"}}}], {"x": "abc"}) == primary  # anchored, as Envoy's
    cookie = [{"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}}]
    assert canary_share(cookie, {"Cookie": "canary=always"}) == canary
    assert canary_share(cookie, {"Cookie": "session=1;canary=always;theme=dark"}) == canary
    # The documented regex allows no space after `;`, so a browser's `a=1; canary=always` misses it, in Envoy too.
    assert canary_share(cookie, {"Cookie": "session=1; canary=always"}) == primary
    assert canary_share(cookie, {"Cookie": "canary=never"}) == primary
    assert canary_share(cookie, {"Cookie": "nocanary=always"}) == primary
    # Either of two match blocks (OR), every condition inside one (AND).
    either = [{"headers": {"x-canary": {"exact": "insider"}}}, *cookie]
    assert canary_share(either, {"Cookie": "canary=always"}) == canary
    both = [{"headers": {"x-canary": {"exact": "insider"}, "x-region": {"exact": "eu"}}}]
    assert canary_share(both, {"x-canary": "insider"}) == primary
    assert canary_share(both, {"x-canary": "insider", "x-region": "eu"}) == canary


def test_istio_method_and_query_matches() -> None:
    vs = parse_virtual_service(virtual_service(0, 100, match=[{"method": {"exact": "POST"}}]))
    assert vs.choose(Request("/", {}, "POST"), first) == "examiner-canary"  # the only weighted destination
    assert vs.choose(Request("/", {}, "GET"), first) == "examiner-primary"
    query = parse_virtual_service(virtual_service(0, 100, match=[{"queryParams": {"beta": {"exact": "1"}}}]))
    assert query.choose(Request("/", {}, query={"beta": "1"}), first) == "examiner-canary"
    assert query.choose(Request("/", {}, query={"beta": "2"}), first) == "examiner-primary"
    assert query.choose(Request("/", {}), first) == "examiner-primary"


def mirrored_vs(percentage: float | None = None) -> dict[str, Any]:
    vs = virtual_service(100, 0)
    vs["spec"]["http"][0]["mirror"] = {"host": "examiner-canary"}
    if percentage is not None:
        vs["spec"]["http"][0]["mirrorPercentage"] = {"value": percentage}
    return vs


def test_istio_mirror_names_the_canary_beside_the_primary_that_answers() -> None:
    topo = flagged(mirrored_vs())
    backend = topo.backend("apps", "examiner", first)
    assert backend is not None and backend.workload.name == "examiner-primary"
    assert backend.mirror is not None and backend.mirror.workload.name == "examiner"
    assert (backend.mirror.service, backend.mirror_percent) == ("examiner-canary", 100.0)
    assert parse_virtual_service(mirrored_vs(12.5)).rules[0].mirror == Mirror("examiner-canary", 12.5)
    assert parse_virtual_service(virtual_service(100, 0)).rules[0].mirror is None
    unready = flagged(mirrored_vs())
    unready.put("Deployment", deployment("examiner", "examiner", ready=0))
    plain = unready.backend("apps", "examiner", first)
    assert plain is not None and plain.workload.name == "examiner-primary" and plain.mirror is None


def mirror_filter(**extra: Any) -> dict[str, Any]:
    ref = {"group": "", "kind": "Service", "name": "examiner-canary", "port": 80}
    return {"type": "RequestMirror", "requestMirror": {"backendRef": ref, **extra}}


def test_http_route_request_mirror_filter() -> None:
    route = http_route(100, 0)
    route["spec"]["rules"][0]["filters"] = [mirror_filter()]
    backend = flagged(route).backend("apps", "examiner", first)
    assert backend is not None and backend.workload.name == "examiner-primary"
    assert backend.mirror is not None and (backend.mirror.workload.name, backend.mirror_percent) == ("examiner", 100)
    route["spec"]["rules"][0]["filters"] = [mirror_filter(percent=30)]
    assert parse_http_route(route).rules[0].mirror == Mirror("examiner-canary", 30.0)
    route["spec"]["rules"][0]["filters"] = [mirror_filter(fraction={"numerator": 1, "denominator": 4})]
    assert parse_http_route(route).rules[0].mirror == Mirror("examiner-canary", 25.0)
    route["spec"]["rules"][0]["filters"] = [{"type": "RequestHeaderModifier", "requestHeaderModifier": {}}]
    assert parse_http_route(route).rules[0].mirror is None


def test_http_route_query_and_method_matches_rank_after_headers() -> None:
    route = http_route(0, 100)
    rule = route["spec"]["rules"][0]
    rule["matches"] = [{"path": {"type": "PathPrefix", "value": "/"}, "queryParams": [{"name": "beta", "value": "1"}]}]
    route["spec"]["rules"].append(
        {
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}, "method": "POST"}],
            "backendRefs": [{"kind": "Service", "name": "examiner-primary", "weight": 100}],
        }
    )
    parsed = parse_http_route(route)
    assert parsed.choose(Request("/examine", {}, query={"beta": "1"}), first) == "examiner-canary"
    assert parsed.choose(Request("/examine", {}, query={"beta": "2"}), first) is None
    # A method match ranks above query matches (Gateway API's precedence).
    assert parsed.choose(Request("/examine", {}, "POST", {"beta": "1"}), first) == "examiner-primary"
