"""Router objects, as Flagger v1.44 writes them (pkg/router/*.go), to RouterInfo: primary and canary weights, the A/B
match rules, or the reason the weights cannot be read.

One parser per entry of tui.domain.flagger.router_kinds (by its `key`). Each reads the weights where Flagger's own
GetRoutes reads them, and where Flagger derives the canary's weight (100 - primary) so does the parser. Never raises:
a missing or malformed weight becomes None with a `problem`, shown as `? / ?` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from tui.domain.flagger.router_kinds import ROUTER_KINDS, RouterKind
from tui.domain.model import RouterInfo
from tui.kube.values import as_dict, as_list, finite, integer, text

# A/B rules beyond these are left out (they are one line on screen); each rule is cut at RULE_CHARS.
MATCHES_LIMIT = 6
RULE_CHARS = 80
# A backend-weights annotation larger than this is not Flagger's (it writes two entries).
ANNOTATION_CHARS = 4096
SKIPPER_WEIGHTS = "zalando.org/backend-weights"
KNATIVE_PRIMARY = "flagger.app/primary-revision"


def _weight(value: Any) -> int | None:
    # TrafficSplit v1alpha1 weights are quantities serialised as strings ("10"); later versions use ints.
    weight = integer(value)
    if weight is None:
        number = finite(value)
        weight = int(number) if number is not None else None
    return weight


def _rule(text_: str) -> str:
    return text_ if len(text_) <= RULE_CHARS else text_[: RULE_CHARS - 1] + "…"


def _rules(rules: Iterable[str]) -> tuple[str, ...]:
    return tuple(_rule(r) for r in rules if r)[:MATCHES_LIMIT]


class _Read:
    """What one parser found: the weights (None: not there) and why they could not be read."""

    def __init__(self) -> None:
        self.primary: int | None = None
        self.canary: int | None = None
        self.matches: tuple[str, ...] = ()
        self.problem: str | None = None

    def both(self, primary_name: str, canary_name: str, pairs: Iterable[tuple[str, Any]]) -> _Read:
        """Weights by backend name, both of which must be present with a number."""
        seen: dict[str, Any] = {}
        for name, weight in pairs:
            if name in (primary_name, canary_name):
                seen[name] = weight
        self.primary = _weight(seen.get(primary_name))
        self.canary = _weight(seen.get(canary_name))
        if primary_name not in seen and canary_name not in seen:
            return self.fail(f"no routes for {primary_name} and {canary_name}")
        for name in (primary_name, canary_name):
            if name not in seen:
                self.fail(f"no route for {name}")
            elif seen[name] is None:
                self.fail(f"no weight for {name}")
            elif _weight(seen[name]) is None:
                self.fail(f"weight of {name} is not a number")
        return self

    def primary_rest(self, primary_name: str, weight: Any, *, omitted_is_zero: bool = False) -> _Read:
        """Flagger reads the primary's weight and takes the canary's as 100 - primary."""
        if weight is None and omitted_is_zero:
            weight = 0
        value = _weight(weight)
        if value is None:
            return self.fail(
                f"no weight for {primary_name}" if weight is None else f"weight of {primary_name} is not a number"
            )
        self.primary, self.canary = value, 100 - value
        return self

    def fail(self, reason: str) -> _Read:
        self.problem = self.problem or reason
        return self


def _named(pairs: Iterable[tuple[Any, Any]]) -> list[tuple[str, Any]]:
    return [(name, weight) for raw, weight in pairs if (name := text(raw))]


def _string_match(name: str, match: dict[str, Any]) -> str | None:
    """An Istio StringMatch (`{exact|prefix|suffix|regex: v}`) as `name=v`, `name^=v`, `name$=v`, `name~v`."""
    for key, sign in (("exact", "="), ("prefix", "^="), ("suffix", "$="), ("regex", "~"), ("contains", "*=")):
        value = text(match.get(key))
        if value is not None:
            return f"{name}{sign}{value}"
    return None


# --- one parser per router kind -------------------------------------------------------------------------------


def _istio(name: str, namespace: str, spec: dict[str, Any]) -> _Read:
    read = _Read()
    primary, canary = f"{name}-primary", f"{name}-canary"

    def host(route: dict[str, Any]) -> str:
        # Flagger writes the short name; an FQDN (`podinfo-canary.test.svc.cluster.local`) is the same Service.
        value = text(as_dict(route.get("destination")).get("host")) or ""
        for wanted in (primary, canary):
            if value == wanted or value.startswith(f"{wanted}.{namespace}"):
                return wanted
        return value

    rules = [as_dict(r) for r in as_list(spec.get("http"))] or [as_dict(r) for r in as_list(spec.get("tcp"))]
    # GetRoutes takes the last rule that routes to the canary (an A/B rule list ends with a primary-only rule).
    chosen = None
    for rule in rules:
        routes = [as_dict(r) for r in as_list(rule.get("route"))]
        if any(host(r) == canary for r in routes):
            chosen = rule
    if chosen is None:
        return read.fail(f"no routes for {primary} and {canary}")
    routes = [as_dict(r) for r in as_list(chosen.get("route"))]
    read.both(primary, canary, [(host(r), r.get("weight")) for r in routes])
    first = rules[0]
    if as_list(first.get("match")):
        read.matches = _rules(_istio_match(as_dict(m)) for m in as_list(first.get("match")))
    return read


def _istio_match(match: dict[str, Any]) -> str:
    parts = []
    for header, condition in as_dict(match.get("headers")).items():
        if (name := text(header)) and (part := _string_match(name, as_dict(condition))):
            parts.append(f"cookie{part[len(name) :]}" if name.lower() == "cookie" else f"header {part}")
    for param, condition in as_dict(match.get("queryParams")).items():
        if (name := text(param)) and (part := _string_match(name, as_dict(condition))):
            parts.append(f"query {part}")
    uri = _string_match("uri", as_dict(match.get("uri")))
    if uri and uri != "uri^=/":
        parts.append(uri)
    return " & ".join(parts)


def analysis_matches(matches: list[Any]) -> tuple[str, ...]:
    """A Canary's analysis.match (Istio HTTPMatchRequests, whatever the provider) as short safe rules."""
    return _rules(_istio_match(as_dict(m)) for m in matches)


def _traffic_split(name: str, _namespace: str, spec: dict[str, Any]) -> _Read:
    backends = [as_dict(b) for b in as_list(spec.get("backends"))]
    return _Read().both(
        f"{name}-primary", f"{name}-canary", _named((b.get("service"), b.get("weight")) for b in backends)
    )


def _httproute(name: str, _namespace: str, spec: dict[str, Any]) -> _Read:
    read = _Read()
    rules = [as_dict(r) for r in as_list(spec.get("rules"))]
    # GetRoutes reads every rule with exactly two backends, the last one winning (A/B adds a primary-only rule).
    chosen = None
    for rule in rules:
        if len(as_list(rule.get("backendRefs"))) == 2:
            chosen = rule
    if chosen is None:
        return read.fail(f"no rule routes to both {name}-primary and {name}-canary")
    refs = [as_dict(r) for r in as_list(chosen.get("backendRefs"))]
    read.both(f"{name}-primary", f"{name}-canary", _named((r.get("name"), r.get("weight")) for r in refs))
    first = rules[0] if rules else {}
    read.matches = _rules(_httproute_match(as_dict(m)) for m in as_list(first.get("matches")))
    return read


def _httproute_match(match: dict[str, Any]) -> str:
    signs = {"Exact": "=", "RegularExpression": "~"}
    parts = []
    for what, field in (("header", "headers"), ("query", "queryParams")):
        for item in (as_dict(h) for h in as_list(match.get(field))):
            name, value = text(item.get("name")), text(item.get("value"))
            if name and value is not None:
                sign = signs.get(text(item.get("type")) or "Exact", "=")
                parts.append(f"cookie{sign}{value}" if name.lower() == "cookie" else f"{what} {name}{sign}{value}")
    path = as_dict(match.get("path"))
    value = text(path.get("value"))
    if value and value != "/":
        parts.append(f"uri{'=' if text(path.get('type')) == 'Exact' else '^='}{value}")
    method = text(match.get("method"))
    if method:
        parts.append(f"method {method}")
    return " & ".join(parts)


def _nginx(annotations: dict[str, Any]) -> _Read | None:
    # The prefix is Flagger's -ingress-annotations-prefix (nginx.ingress.kubernetes.io unless set).
    prefix = next(
        (
            key.removesuffix("/canary")
            for key, value in annotations.items()
            if str(key).endswith("/canary") and value == "true"
        ),
        None,
    )
    if prefix is None:
        return None
    read = _Read()
    header = text(annotations.get(f"{prefix}/canary-by-header"))
    cookie = text(annotations.get(f"{prefix}/canary-by-cookie"))
    if header is not None or cookie is not None:
        # A/B: Flagger's GetRoutes reports 0/100, the matching requests all go to the canary.
        value = text(annotations.get(f"{prefix}/canary-by-header-value"))
        pattern = text(annotations.get(f"{prefix}/canary-by-header-pattern"))
        rules = []
        if header is not None:
            rules.append(
                f"header {header}={value}"
                if value
                else f"header {header}~{pattern}"
                if pattern
                else f"header {header}=always"
            )
        if cookie is not None:
            rules.append(f"cookie {cookie}")
        read.primary, read.canary, read.matches = 0, 100, _rules(rules)
        return read
    raw = annotations.get(f"{prefix}/canary-weight")
    if raw is None:
        read.primary, read.canary = 100, 0
        return read
    weight = integer(raw)
    if weight is None:
        return read.fail(f"{text(prefix)}/canary-weight is not a number")
    read.primary, read.canary = 100 - weight, weight
    return read


def _skipper(annotations: dict[str, Any]) -> _Read | None:
    raw = annotations.get(SKIPPER_WEIGHTS)
    if raw is None:
        return None
    read = _Read()
    weights: Any = None
    if isinstance(raw, str) and len(raw) <= ANNOTATION_CHARS:
        try:
            weights = json.loads(raw)
        except ValueError:
            weights = None
    if not isinstance(weights, dict):
        return read.fail(f"{SKIPPER_WEIGHTS} is not a JSON map")
    named = {name: weight for key, weight in weights.items() if (name := text(key))}
    primary = next((k for k in named if k.endswith("-primary")), None)
    canary = next((k for k in named if k.endswith("-canary")), None)
    if primary is None or canary is None:
        return read.fail(f"{SKIPPER_WEIGHTS} lacks the primary or the canary")
    return read.both(primary, canary, [(primary, named[primary]), (canary, named[canary])])


def _ingress(obj: dict[str, Any]) -> tuple[_Read, str] | None:
    """A canary Ingress: nginx's (canary annotations) or skipper's (backend weights); None for any other Ingress."""
    annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
    nginx = _nginx(annotations)
    if nginx is not None:
        return nginx, "nginx"
    skipper = _skipper(annotations)
    return (skipper, "skipper") if skipper is not None else None


def _contour(name: str, _namespace: str, spec: dict[str, Any]) -> _Read:
    read = _Read()
    routes = [as_dict(r) for r in as_list(spec.get("routes"))]
    services = [as_dict(s) for s in as_list(routes[0].get("services"))] if routes else []
    if len(services) < 2:
        return read.fail("services not found")
    primary = next((s for s in services if text(s.get("name")) == f"{name}-primary"), None)
    if primary is None:
        return read.fail(f"no route for {name}-primary")
    read.primary_rest(f"{name}-primary", primary.get("weight"), omitted_is_zero=True)  # 0 is omitted from JSON
    rules = []
    for condition in (as_dict(c) for c in as_list(routes[0].get("conditions"))):
        header = as_dict(condition.get("header"))
        if (header_name := text(header.get("name"))) and (part := _string_match(header_name, header)):
            rules.append(f"header {part}")
    read.matches = _rules([" & ".join(rules)])
    return read


def _gloo(name: str, namespace: str, spec: dict[str, Any]) -> _Read:
    read = _Read()
    routes = [as_dict(r) for r in as_list(spec.get("routes"))]
    first = routes[0] if routes else {}
    destinations = [
        as_dict(d) for d in as_list(as_dict(as_dict(first.get("routeAction")).get("multi")).get("destinations"))
    ]
    if len(destinations) < 2:
        return read.fail("destinations not found")
    prefix = f"{namespace}-{name}-primaryupstream-"

    def upstream(destination: dict[str, Any]) -> str:
        return text(as_dict(as_dict(destination.get("destination")).get("upstream")).get("name")) or ""

    primary = next((d for d in destinations if upstream(d).startswith(prefix)), None)
    if primary is None:
        return read.fail(f"no route for {prefix}…")
    read.primary_rest(upstream(primary), primary.get("weight"), omitted_is_zero=True)
    rules = []
    for matcher in (as_dict(m) for m in as_list(first.get("matchers"))):
        parts = []
        for header in (as_dict(h) for h in as_list(matcher.get("headers"))):
            header_name, value = text(header.get("name")), text(header.get("value"))
            if header_name and value is not None:
                parts.append(f"header {header_name}{'~' if header.get('regex') is True else '='}{value}")
        rules.append(" & ".join(parts))
    read.matches = _rules(rules)
    return read


def _traefik(name: str, _namespace: str, spec: dict[str, Any]) -> _Read:
    read = _Read()
    services = [as_dict(s) for s in as_list(as_dict(spec.get("weighted")).get("services"))]
    if not services:
        return read.fail("services not found")
    primary = next((s for s in services if text(s.get("name")) == f"{name}-primary"), None)
    if primary is None:
        return read.fail(f"no route for {name}-primary")
    return read.primary_rest(f"{name}-primary", primary.get("weight"), omitted_is_zero=True)


def _kuma(name: str, _namespace: str, spec: dict[str, Any]) -> _Read:
    read = _Read()
    splits = [as_dict(s) for s in as_list(as_dict(spec.get("conf")).get("split"))]
    for split in splits:
        service = text(as_dict(split.get("destination")).get("kuma.io/service")) or ""
        if service.split("_", 1)[0] == f"{name}-primary":
            read.primary_rest(f"{name}-primary", split.get("weight"))
            if read.primary == 0 and read.problem is None:
                read.fail(f"no routes for {name}-primary and {name}-canary")
            return read
    return read.fail(f"no routes for {name}-primary and {name}-canary")


def _apisix(name: str, _namespace: str, spec: dict[str, Any]) -> _Read:
    read = _Read()
    for route in (as_dict(r) for r in as_list(spec.get("http"))):
        for backend in (as_dict(b) for b in as_list(route.get("backends"))):
            service = text(backend.get("serviceName")) or ""
            apex = service.removesuffix("-primary")
            # Flagger names the route `<routeRef>-<apex>-canary` and looks for the `<apex>-primary` backend in it.
            if service.endswith("-primary") and name.endswith(f"-{apex}-canary"):
                return read.primary_rest(service, backend.get("weight"))
    return read.fail("no primary backend")


def _appmesh_targets(targets: list[dict[str, Any]], field: Callable[[dict[str, Any]], Any], apex: str) -> _Read:
    read = _Read()
    if len(targets) != 2:
        return read.fail("routes not found")
    return read.both(f"{apex}-primary", f"{apex}-canary", _named((field(t), t.get("weight")) for t in targets))


def _appmesh_headers(match: dict[str, Any]) -> str:
    parts = []
    for header in (as_dict(h) for h in as_list(match.get("headers"))):
        if (header_name := text(header.get("name"))) and (
            part := _string_match(header_name, as_dict(header.get("match")))
        ):
            parts.append(f"header {part}")
    return " & ".join(parts)


def _virtual_router(name: str, _namespace: str, spec: dict[str, Any]) -> _Read:
    routes = [as_dict(r) for r in as_list(spec.get("routes"))]
    first = routes[0] if routes else {}
    http = as_dict(first.get("httpRoute") or first.get("http2Route") or first.get("grpcRoute"))
    targets = [as_dict(t) for t in as_list(as_dict(http.get("action")).get("weightedTargets"))]
    read = _appmesh_targets(targets, lambda t: as_dict(t.get("virtualNodeRef")).get("name"), name)
    read.matches = _rules([_appmesh_headers(as_dict(http.get("match")))])
    return read


def _appmesh_virtual_service(name: str, namespace: str, spec: dict[str, Any]) -> _Read:
    apex = name.removesuffix(f".{namespace}")
    routes = [as_dict(r) for r in as_list(spec.get("routes"))]
    http = as_dict((routes[0] if routes else {}).get("http"))
    targets = [as_dict(t) for t in as_list(as_dict(http.get("action")).get("weightedTargets"))]
    read = _appmesh_targets(targets, lambda t: t.get("virtualNodeName"), apex)
    read.matches = _rules([_appmesh_headers(as_dict(http.get("match")))])
    return read


def _knative(obj: dict[str, Any]) -> _Read:
    read = _Read()
    annotations = as_dict(as_dict(obj.get("metadata")).get("annotations"))
    revision = text(annotations.get(KNATIVE_PRIMARY))
    if not revision:
        return read.fail(f"annotation {KNATIVE_PRIMARY} not found")
    # Flagger reads the traffic Knative has set up (status), not the one it asked for (spec).
    traffic = [as_dict(t) for t in as_list(as_dict(obj.get("status")).get("traffic"))]
    latest = next((t for t in traffic if t.get("latestRevision") is True), None)
    primary = next((t for t in traffic if text(t.get("revisionName")) == revision and t is not latest), None)
    if latest is None or primary is None:
        return read.fail("traffic spec invalid")
    read.primary, read.canary = _weight(primary.get("percent")), _weight(latest.get("percent"))
    if read.primary is None or read.canary is None:
        read.fail("revision traffic percent does not exist")
    return read


_Spec = Callable[[str, str, dict[str, Any]], _Read]
_BY_SPEC: dict[str, _Spec] = {
    "trafficsplits": _traffic_split,
    "httproutes": _httproute,
    "virtualservices": _istio,
    "httpproxies": _contour,
    "routetables": _gloo,
    "traefikservices": _traefik,
    "trafficroutes": _kuma,
    "apisixroutes": _apisix,
    "virtualrouters": _virtual_router,
    "appmesh-virtualservices": _appmesh_virtual_service,
}


def router_kind_of(obj: dict[str, Any]) -> RouterKind | None:
    """The table entry for an object, by its kind and API group (by the kind alone when apiVersion is absent)."""
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else None
    for rk in ROUTER_KINDS:
        if rk.kind == kind and (group is None or rk.group == group):
            return rk
    return None


def parse_router(obj: Any) -> RouterInfo | None:
    """Any router object Flagger writes to RouterInfo; None when it is not one (or has no name to key it by)."""
    obj = as_dict(obj)
    meta = as_dict(obj.get("metadata"))
    namespace, name = text(meta.get("namespace")), text(meta.get("name"))
    rk = router_kind_of(obj)
    if rk is None or not name or not (namespace or rk.cluster_scoped):
        return None
    namespace = "" if rk.cluster_scoped else namespace or ""
    spec = as_dict(obj.get("spec"))
    family = rk.families[0]
    if rk.key == "ingresses":
        found = _ingress(obj)
        if found is None:
            return None
        read, family = found
    elif rk.key == "knative-services":
        read = _knative(obj)
    else:
        read = _BY_SPEC[rk.key](name, namespace, spec)
    api_version = text(obj.get("apiVersion")) or f"{rk.group}/{rk.versions[0]}"
    return RouterInfo(
        namespace,
        name,
        rk.kind,
        api_version,
        read.primary,
        read.canary,
        family=family,
        matches=tuple(m for m in read.matches if m),
        problem=read.problem,
    )
