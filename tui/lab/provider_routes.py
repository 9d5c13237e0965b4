"""The routers of Flagger's other providers, as the mesh emulator applies them to a request.

* Istio VirtualService (networking.istio.io): the first `spec.http[]` rule whose `match` accepts the request (a
  rule without `match` accepts all; `uri`, `method`, `headers` and `queryParams` as exact/prefix/regex), then a
  weighted choice among its `route[].destination.host` (a single destination takes everything whatever its
  weight, as Istio documents: Flagger's A/B fallback rule carries the primary at weight 0); it applies to mesh
  traffic addressed to a Service named in `spec.hosts`. The rule's `mirror` (with `mirrorPercentage`, else all
  of them) names a Service that also gets a copy of the request.
* Gateway API HTTPRoute (gateway.networking.k8s.io): of the rules whose `matches` accept the request (`path`,
  `method`, `headers`, `queryParams`), the most specific (exact path, longest prefix, method, most header
  matches, most query matches, then order), then a weighted choice among its `backendRefs` (weight 1 when
  omitted); it applies to traffic for a Service that is one of its `parentRefs` (the GAMMA way of routing a
  mesh's Service traffic). A `RequestMirror` filter (`percent` or `fraction`, else all) names a mirror Service.
* NGINX canary Ingress (annotation `<prefix>/canary: "true"`): a request the main Ingress routes goes to the
  canary's backend when `canary-by-header` (with `-value` or `-pattern`, else "always"), `canary-by-cookie`
  ("always") says so, else with the probability `canary-weight` / 100.

Header names compare case-insensitively, as HTTP's do. Regular expressions are anchored, as Envoy's are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Pick = Callable[[Sequence[tuple[str, float]]], str]
NGINX_PREFIX = "nginx.ingress.kubernetes.io"
MAX_REGEX_CHARS = 1024


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any, default: float) -> float:
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0


def _full_match(pattern: str, value: str) -> bool:
    if len(pattern) > MAX_REGEX_CHARS:
        return False
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def service_name(host: str, namespace: str) -> str | None:
    """The Service a mesh host names in ``namespace``: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`."""
    parts = host.split(".")
    if len(parts) == 1 or (parts[1] == namespace and (len(parts) == 2 or parts[2] == "svc")):
        return parts[0]
    return None


@dataclass(frozen=True)
class Request:
    path: str
    headers: Mapping[str, str]  # names in lower case
    method: str = "GET"
    query: Mapping[str, str] = field(default_factory=dict)  # the last value of each parameter

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def cookie(self, name: str) -> str | None:
        for part in (self.header("cookie") or "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class Mirror:
    """A Service that gets a copy of a share of the rule's requests; the copy's answer is dropped."""

    service: str
    percent: float  # 0..100


@dataclass(frozen=True)
class Choice:
    """What a router decided for one request: the Service that answers (None: no weighted destination) and
    the rule's mirror, if any."""

    service: str | None
    mirror: Mirror | None = None


@dataclass(frozen=True)
class Rule:
    matches: tuple[Any, ...]
    routes: tuple[tuple[str, float], ...]  # (Service, weight)
    mirror: Mirror | None = None

    def choose(self, pick: Pick) -> Choice:
        weighted = [r for r in self.routes if r[1] > 0]
        return Choice(pick(weighted) if weighted else None, self.mirror)


def _percent(value: Any) -> float:
    return min(100.0, _number(value, 100.0))


# --- Istio VirtualService ------------------------------------------------------------------------------------


def _istio_string(spec: Any, value: str | None) -> bool:
    spec = _dict(spec)
    if value is None:
        return False
    if "exact" in spec:
        return value == str(spec["exact"])
    if "prefix" in spec:
        return value.startswith(str(spec["prefix"]))
    if "regex" in spec:
        return _full_match(str(spec["regex"]), value)
    return True  # an empty StringMatch: the header must only be present


def _istio_match(match: Any, request: Request) -> bool:
    match = _dict(match)
    if "uri" in match and not _istio_string(match["uri"], request.path):
        return False
    if "method" in match and not _istio_string(match["method"], request.method):
        return False
    params = _dict(match.get("queryParams")).items()
    if not all(_istio_string(spec, request.query.get(str(name))) for name, spec in params):
        return False
    return all(_istio_string(spec, request.header(str(name))) for name, spec in _dict(match.get("headers")).items())


def _istio_mirror(rule: dict[str, Any], namespace: str) -> Mirror | None:
    host = _dict(rule.get("mirror")).get("host")
    name = service_name(host, namespace) if isinstance(host, str) else None
    if not name:
        return None
    if "mirrorPercentage" in rule:
        return Mirror(name, _percent(_dict(rule["mirrorPercentage"]).get("value", 0)))
    return Mirror(name, _percent(rule.get("mirrorPercent")))  # the deprecated integer form, else all


@dataclass(frozen=True)
class VirtualService:
    hosts: tuple[str, ...]  # Service names in the VirtualService's namespace
    rules: tuple[Rule, ...]

    def decide(self, request: Request, pick: Pick) -> Choice:
        for rule in self.rules:
            if rule.matches and not any(_istio_match(m, request) for m in rule.matches):
                continue
            return rule.choose(pick)
        return Choice(None)

    def choose(self, request: Request, pick: Pick) -> str | None:
        return self.decide(request, pick).service


def parse_virtual_service(obj: dict[str, Any]) -> VirtualService:
    meta, spec = _dict(obj.get("metadata")), _dict(obj.get("spec"))
    namespace = str(meta.get("namespace", ""))
    hosts = tuple(n for h in _list(spec.get("hosts")) if isinstance(h, str) and (n := service_name(h, namespace)))
    rules = []
    for rule in _list(spec.get("http")):
        rule = _dict(rule)
        routes = []
        destinations = [_dict(r) for r in _list(rule.get("route"))]
        for route in destinations:
            host = _dict(route.get("destination")).get("host")
            name = service_name(host, namespace) if isinstance(host, str) else None
            if name:
                # A single destination takes all the traffic, whatever its weight says (Istio's rule).
                weight = 100.0 if len(destinations) == 1 else _number(route.get("weight"), 0.0)
                routes.append((name, weight))
        rules.append(Rule(tuple(_list(rule.get("match"))), tuple(routes), _istio_mirror(rule, namespace)))
    return VirtualService(hosts, tuple(rules))


# --- Gateway API HTTPRoute -----------------------------------------------------------------------------------


def _gateway_path(path: Any, request: Request) -> tuple[bool, int, int]:
    """(accepted, exactness, prefix length) of an HTTPRouteMatch's path against the request."""
    path = _dict(path)
    kind, value = path.get("type", "PathPrefix"), str(path.get("value", "/"))
    if kind == "Exact":
        return request.path == value, 1, len(value)
    if kind == "RegularExpression":
        return _full_match(value, request.path), 0, 0
    prefix = value.rstrip("/")
    ok = not prefix or request.path == prefix or request.path.startswith(prefix + "/")
    return ok, 0, len(prefix)


def _gateway_value(spec: Any, value: str | None) -> bool:
    spec = _dict(spec)
    if value is None:
        return False
    if spec.get("type") == "RegularExpression":
        return _full_match(str(spec.get("value", "")), value)
    return value == str(spec.get("value", ""))


def _gateway_header(spec: Any, request: Request) -> bool:
    return _gateway_value(spec, request.header(str(_dict(spec).get("name", ""))))


def _gateway_query(spec: Any, request: Request) -> bool:
    return _gateway_value(spec, request.query.get(str(_dict(spec).get("name", ""))))


def _gateway_mirror(rule: dict[str, Any], namespace: str) -> Mirror | None:
    for item in map(_dict, _list(rule.get("filters"))):
        mirror = _dict(item.get("requestMirror"))
        ref = _dict(mirror.get("backendRef"))
        if item.get("type") != "RequestMirror" or ref.get("kind", "Service") != "Service":
            continue
        if ref.get("namespace", namespace) != namespace or not isinstance(ref.get("name"), str):
            continue
        if "percent" in mirror:
            return Mirror(ref["name"], _percent(mirror["percent"]))
        if "fraction" in mirror:
            fraction = _dict(mirror["fraction"])
            denominator = _number(fraction.get("denominator"), 100.0)
            share = _number(fraction.get("numerator"), 0.0) / denominator if denominator else 0.0
            return Mirror(ref["name"], _percent(share * 100))
        return Mirror(ref["name"], 100.0)
    return None


@dataclass(frozen=True)
class HttpRoute:
    services: tuple[str, ...]  # the Services among its parentRefs
    rules: tuple[Rule, ...]

    def decide(self, request: Request, pick: Pick) -> Choice:
        best: tuple[tuple[bool, int, bool, int, int, int], Rule] | None = None
        for order, rule in enumerate(self.rules):
            for match in rule.matches or ({},):
                match = _dict(match)
                ok, exact, length = _gateway_path(match.get("path"), request)
                method = match.get("method")
                headers, params = _list(match.get("headers")), _list(match.get("queryParams"))
                if not ok or (method is not None and str(method) != request.method):
                    continue
                if not all(_gateway_header(h, request) for h in headers):
                    continue
                if not all(_gateway_query(q, request) for q in params):
                    continue
                rank = (bool(exact), length, method is not None, len(headers), len(params), -order)
                if best is None or rank > best[0]:
                    best = (rank, rule)
        return best[1].choose(pick) if best is not None else Choice(None)

    def choose(self, request: Request, pick: Pick) -> str | None:
        return self.decide(request, pick).service


def parse_http_route(obj: dict[str, Any]) -> HttpRoute:
    meta, spec = _dict(obj.get("metadata")), _dict(obj.get("spec"))
    namespace = str(meta.get("namespace", ""))
    services = tuple(
        str(ref["name"])
        for ref in map(_dict, _list(spec.get("parentRefs")))
        if ref.get("kind") == "Service"
        and ref.get("group", "") in ("", "core")
        and ref.get("namespace", namespace) == namespace
        and isinstance(ref.get("name"), str)
    )
    rules = []
    for rule in map(_dict, _list(spec.get("rules"))):
        backends = tuple(
            (str(ref["name"]), _number(ref.get("weight"), 1.0))
            for ref in map(_dict, _list(rule.get("backendRefs")))
            if ref.get("kind", "Service") == "Service" and isinstance(ref.get("name"), str)
        )
        rules.append(Rule(tuple(_list(rule.get("matches"))), backends, _gateway_mirror(rule, namespace)))
    return HttpRoute(services, tuple(rules))


# --- NGINX canary Ingress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NginxCanary:
    weight: float
    by_header: str | None = None
    header_value: str | None = None
    header_pattern: str | None = None
    by_cookie: str | None = None

    def takes(self, request: Request, draw: Callable[[], float]) -> bool:
        """Whether ingress-nginx would send this request to the canary backend."""
        if self.by_header:
            value = request.header(self.by_header)
            if self.header_value is not None:
                if value == self.header_value:
                    return True
            elif self.header_pattern is not None:
                if value is not None and _full_match(self.header_pattern, value):
                    return True
            elif value == "always":
                return True
            if value == "never":
                return False
        if self.by_cookie:
            cookie = request.cookie(self.by_cookie)
            if cookie in ("always", "never"):
                return cookie == "always"
        return draw() * 100 < self.weight


def parse_nginx_canary(annotations: Mapping[str, Any], prefix: str = NGINX_PREFIX) -> NginxCanary | None:
    """The canary settings of an Ingress, or None when it is not a canary Ingress."""
    if str(annotations.get(f"{prefix}/canary", "")).lower() != "true":
        return None

    def text(key: str) -> str | None:
        value = annotations.get(f"{prefix}/{key}")
        return str(value) if value is not None else None

    return NginxCanary(
        weight=min(100.0, _number(text("canary-weight"), 0.0)),
        by_header=text("canary-by-header"),
        header_value=text("canary-by-header-value"),
        header_pattern=text("canary-by-header-pattern"),
        by_cookie=text("canary-by-cookie"),
    )
