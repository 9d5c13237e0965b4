"""The routers of Flagger's other providers, as the mesh emulator applies them to a request.

* Istio VirtualService (networking.istio.io): the first `spec.http[]` rule whose `match` accepts the request (a
  rule without `match` accepts all), then a weighted choice among its `route[].destination.host`; it applies to
  mesh traffic addressed to a Service named in `spec.hosts`.
* Gateway API HTTPRoute (gateway.networking.k8s.io): of the rules whose `matches` accept the request, the most
  specific (exact path, longest prefix, most header matches, then order), then a weighted choice among its
  `backendRefs` (weight 1 when omitted); it applies to traffic for a Service that is one of its `parentRefs`
  (the GAMMA way of routing a mesh's Service traffic).
* NGINX canary Ingress (annotation `<prefix>/canary: "true"`): a request the main Ingress routes goes to the
  canary's backend when `canary-by-header` (with `-value` or `-pattern`, else "always"), `canary-by-cookie`
  ("always") says so, else with the probability `canary-weight` / 100.

Header names compare case-insensitively, as HTTP's do. Regular expressions are anchored, as Envoy's are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def cookie(self, name: str) -> str | None:
        for part in (self.header("cookie") or "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


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
    return all(_istio_string(spec, request.header(str(name))) for name, spec in _dict(match.get("headers")).items())


@dataclass(frozen=True)
class VirtualService:
    hosts: tuple[str, ...]  # Service names in the VirtualService's namespace
    rules: tuple[tuple[tuple[Any, ...], tuple[tuple[str, float], ...]], ...]  # (matches, [(service, weight)])

    def choose(self, request: Request, pick: Pick) -> str | None:
        for matches, routes in self.rules:
            if matches and not any(_istio_match(m, request) for m in matches):
                continue
            weighted = [r for r in routes if r[1] > 0]
            return pick(weighted) if weighted else None
        return None


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
                # One destination without a weight takes all the traffic.
                routes.append((name, _number(route.get("weight"), 100.0 if len(destinations) == 1 else 0.0)))
        rules.append((tuple(_list(rule.get("match"))), tuple(routes)))
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


def _gateway_header(spec: Any, request: Request) -> bool:
    spec = _dict(spec)
    value = request.header(str(spec.get("name", "")))
    if value is None:
        return False
    if spec.get("type") == "RegularExpression":
        return _full_match(str(spec.get("value", "")), value)
    return value == str(spec.get("value", ""))


@dataclass(frozen=True)
class HttpRoute:
    services: tuple[str, ...]  # the Services among its parentRefs
    rules: tuple[tuple[tuple[Any, ...], tuple[tuple[str, float], ...]], ...]  # (matches, [(service, weight)])

    def choose(self, request: Request, pick: Pick) -> str | None:
        best: tuple[tuple[bool, int, int, int], tuple[tuple[str, float], ...]] | None = None
        for order, (matches, backends) in enumerate(self.rules):
            for match in matches or ({},):
                match = _dict(match)
                ok, exact, length = _gateway_path(match.get("path"), request)
                headers = _list(match.get("headers"))
                if not ok or not all(_gateway_header(h, request) for h in headers):
                    continue
                rank = (bool(exact), length, len(headers), -order)
                if best is None or rank > best[0]:
                    best = (rank, backends)
        if best is None:
            return None
        weighted = [b for b in best[1] if b[1] > 0]
        return pick(weighted) if weighted else None


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
        rules.append((tuple(_list(rule.get("matches"))), backends))
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
