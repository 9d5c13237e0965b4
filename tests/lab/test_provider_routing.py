"""The mesh emulator routes by other providers' routers, shaped as Flagger v1.44 writes them (no cluster needed):
an Istio VirtualService, a Gateway API HTTPRoute whose parent is the apex Service, an NGINX canary Ingress."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from tests.lab.test_routing import deployment, first, service
from tui.lab import apps
from tui.lab.provider_routes import Request, parse_nginx_canary, service_name
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
    # Everyone else falls through to the primary rule, whose weight Flagger writes as 0 during A/B: all of it.
    assert served(topo, 50, {"X-Canary": "outsider"}) == Counter({"none": 50})
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
