"""Router objects shaped as Flagger v1.44 writes them (pkg/router/*.go), for Canary `podinfo` in namespace `test`,
port 9898: primary P, canary C. Written from the Go code's shapes, field by field."""

from __future__ import annotations

import json
from typing import Any

NS = "test"
APEX = "podinfo"


def _meta(name: str = APEX, namespace: str | None = NS, **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def virtual_service(p: int = 80, c: int = 20, *, fqdn: bool = False, ab: bool = False) -> dict[str, Any]:
    suffix = f".{NS}.svc.cluster.local" if fqdn else ""
    weighted = {
        "route": [
            {"destination": {"host": f"{APEX}-primary{suffix}"}, "weight": p},
            {"destination": {"host": f"{APEX}-canary{suffix}"}, "weight": c},
        ]
    }
    http = [weighted]
    if ab:
        weighted["match"] = [
            {"headers": {"x-canary": {"exact": "insider"}}},
            {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}},
        ]
        http.append({"route": [{"destination": {"host": f"{APEX}-primary{suffix}"}, "weight": p}]})
    return {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": _meta(),
        "spec": {"hosts": [APEX], "gateways": ["mesh"], "http": http},
    }


def traffic_split(p: int = 80, c: int = 20, version: str = "v1alpha1") -> dict[str, Any]:
    def weight(value: int) -> Any:
        return str(value) if version == "v1alpha1" else value

    return {
        "apiVersion": f"split.smi-spec.io/{version}",
        "kind": "TrafficSplit",
        "metadata": _meta(),
        "spec": {
            "service": APEX,
            "backends": [
                {"service": f"{APEX}-canary", "weight": weight(c)},
                {"service": f"{APEX}-primary", "weight": weight(p)},
            ],
        },
    }


def http_route(p: int = 80, c: int = 20, *, version: str = "v1", ab: bool = False) -> dict[str, Any]:
    path = {"type": "PathPrefix", "value": "/"}

    def ref(name: str, weight: int) -> dict[str, Any]:
        return {"group": "", "kind": "Service", "name": name, "port": 9898, "weight": weight}

    rules: list[dict[str, Any]] = [
        {"matches": [{"path": path}], "backendRefs": [ref(f"{APEX}-primary", p), ref(f"{APEX}-canary", c)]}
    ]
    if ab:
        rules[0]["matches"] = [
            {"path": path, "headers": [{"name": "x-canary", "type": "Exact", "value": "insider"}]},
            {"path": path, "headers": [{"name": "Cookie", "type": "RegularExpression", "value": ".*canary.*"}]},
        ]
        rules.append({"matches": [{"path": path}], "backendRefs": [ref(f"{APEX}-primary", 100)]})
    return {
        "apiVersion": f"gateway.networking.k8s.io/{version}",
        "kind": "HTTPRoute",
        "metadata": _meta(),
        "spec": {
            "parentRefs": [{"name": "gateway", "namespace": "istio-ingress"}],
            "hostnames": ["app.example.com"],
            "rules": rules,
        },
    }


def canary_ingress(annotations: dict[str, str], ingress: str = APEX) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(f"{ingress}-canary", **annotations),
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "app.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": f"{APEX}-canary", "port": {"number": 9898}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def nginx_ingress(c: int = 20, *, prefix: str = "nginx.ingress.kubernetes.io", ingress: str = APEX) -> dict[str, Any]:
    return canary_ingress({f"{prefix}/canary": "true", f"{prefix}/canary-weight": str(c)}, ingress)


def nginx_ab_ingress() -> dict[str, Any]:
    prefix = "nginx.ingress.kubernetes.io"
    return canary_ingress(
        {
            f"{prefix}/canary": "true",
            f"{prefix}/canary-by-header": "x-canary",
            f"{prefix}/canary-by-header-value": "insider",
            f"{prefix}/canary-by-cookie": "canary",
        }
    )


def skipper_ingress(p: int = 80, c: int = 20) -> dict[str, Any]:
    weights = json.dumps({f"{APEX}-canary": c, f"{APEX}-primary": p})
    return canary_ingress({"zalando.org/backend-weights": weights, "zalando.org/skipper-predicate": "Weight(100)"})


def http_proxy(p: int = 80, c: int = 20, *, ab: bool = False) -> dict[str, Any]:
    def service(name: str, weight: int) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": name, "port": 9898}
        if weight:  # int64 omitempty: 0 is not written
            entry["weight"] = weight
        return entry

    conditions: list[dict[str, Any]] = [{"prefix": "/"}]
    if ab:
        conditions.append({"prefix": "/", "header": {"name": "x-canary", "exact": "insider"}})
    return {
        "apiVersion": "projectcontour.io/v1",
        "kind": "HTTPProxy",
        "metadata": _meta(),
        "spec": {
            "routes": [
                {"conditions": conditions, "services": [service(f"{APEX}-primary", p), service(f"{APEX}-canary", c)]}
            ]
        },
    }


def route_table(p: int = 80, c: int = 20, *, ab: bool = False) -> dict[str, Any]:
    def destination(role: str, weight: int) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "destination": {"upstream": {"name": f"{NS}-{APEX}-{role}upstream-9898", "namespace": NS}}
        }
        if weight:  # uint32 omitempty
            entry["weight"] = weight
        return entry

    route: dict[str, Any] = {
        "inheritablePathMatchers": True,
        "routeAction": {"multi": {"destinations": [destination("primary", p), destination("canary", c)]}},
    }
    if ab:
        route["matchers"] = [{"headers": [{"name": "x-canary", "value": "insider"}]}]
    return {"apiVersion": "gateway.solo.io/v1", "kind": "RouteTable", "metadata": _meta(), "spec": {"routes": [route]}}


def traefik_service(p: int = 80, c: int = 20) -> dict[str, Any]:
    services: list[dict[str, Any]] = [{"name": f"{APEX}-primary", "namespace": NS, "port": 9898, "weight": p}]
    if c > 0:  # Flagger adds the canary only while it gets traffic
        services.append({"name": f"{APEX}-canary", "namespace": NS, "port": 9898, "weight": c})
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TraefikService",
        "metadata": _meta(),
        "spec": {"weighted": {"services": services}},
    }


def traffic_route(p: int = 80, c: int = 20) -> dict[str, Any]:
    return {
        "apiVersion": "kuma.io/v1alpha1",
        "kind": "TrafficRoute",
        "mesh": "default",
        "metadata": _meta(namespace=None),
        "spec": {
            "sources": [{"match": {"kuma.io/service": "*"}}],
            "destinations": [{"match": {"kuma.io/service": f"{APEX}_{NS}_svc_9898"}}],
            "conf": {
                "split": [
                    {"weight": p, "destination": {"kuma.io/service": f"{APEX}-primary_{NS}_svc_9898"}},
                    {"weight": c, "destination": {"kuma.io/service": f"{APEX}-canary_{NS}_svc_9898"}},
                ]
            },
        },
    }


def apisix_route(p: int = 80, c: int = 20, route_ref: str = "app") -> dict[str, Any]:
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": _meta(f"{route_ref}-{APEX}-canary"),
        "spec": {
            "http": [
                {
                    "name": "method",
                    "priority": 10000,
                    "match": {"hosts": ["app.example.com"], "paths": ["/*"]},
                    "backends": [
                        {"serviceName": f"{APEX}-primary", "servicePort": 9898, "weight": p},
                        {"serviceName": f"{APEX}-canary", "servicePort": 9898, "weight": c},
                    ],
                }
            ]
        },
    }


def virtual_router(p: int = 80, c: int = 20, *, ab: bool = False) -> dict[str, Any]:
    http: dict[str, Any] = {
        "match": {"prefix": "/"},
        "action": {
            "weightedTargets": [
                {"virtualNodeRef": {"name": f"{APEX}-canary"}, "weight": c},
                {"virtualNodeRef": {"name": f"{APEX}-primary"}, "weight": p},
            ]
        },
    }
    routes = [{"name": f"{APEX}-a" if ab else APEX, "httpRoute": http}]
    if ab:
        http["match"]["headers"] = [{"name": "x-canary", "match": {"exact": "insider"}}]
        routes.append(
            {
                "name": f"{APEX}-b",
                "httpRoute": {
                    "match": {"prefix": "/"},
                    "action": {"weightedTargets": [{"virtualNodeRef": {"name": f"{APEX}-primary"}, "weight": 100}]},
                },
            }
        )
    return {
        "apiVersion": "appmesh.k8s.aws/v1beta2",
        "kind": "VirtualRouter",
        "metadata": _meta(),
        "spec": {"listeners": [{"portMapping": {"port": 9898, "protocol": "http"}}], "routes": routes},
    }


def appmesh_virtual_service(p: int = 80, c: int = 20) -> dict[str, Any]:
    return {
        "apiVersion": "appmesh.k8s.aws/v1beta1",
        "kind": "VirtualService",
        "metadata": _meta(f"{APEX}.{NS}"),
        "spec": {
            "meshName": "global",
            "routes": [
                {
                    "name": APEX,
                    "http": {
                        "match": {"prefix": "/"},
                        "action": {
                            "weightedTargets": [
                                {"virtualNodeName": f"{APEX}-canary", "weight": c},
                                {"virtualNodeName": f"{APEX}-primary", "weight": p},
                            ]
                        },
                    },
                }
            ],
        },
    }


def knative_service(p: int = 80, c: int = 20) -> dict[str, Any]:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": _meta(**{"flagger.app/primary-revision": f"{APEX}-00001"}),
        "spec": {"traffic": [{"latestRevision": True, "percent": c}, {"revisionName": f"{APEX}-00001", "percent": p}]},
        "status": {
            "traffic": [
                {"latestRevision": True, "revisionName": f"{APEX}-00002", "percent": c},
                {"latestRevision": False, "revisionName": f"{APEX}-00001", "percent": p},
            ]
        },
    }
