"""The router objects Flagger (v1.44) writes for each provider the simulation speaks, on the simulated object store.

Each class re-enacts one of Flagger's routers (pkg/router/): Reconcile creates the object when it is missing (and
leaves the weights of an existing one alone), SetRoutes writes the weights in the shape Flagger writes them, GetRoutes
reads them back as Flagger does. `mesh_weights` is the data plane's view: how the app's requests are split by the
object, None while there is no object (the apex Service still selects the target's pods).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Protocol

from tui.domain.flagger.providers import router_family
from tui.sim.affinity import gateway_affinity_rules, istio_affinity_rules
from tui.sim.store import ObjectStore

NGINX_PREFIX = "nginx.ingress.kubernetes.io"  # Flagger's -ingress-annotations-prefix default


@dataclass(frozen=True)
class Split:
    """How the data plane sends one request: `default` (primary, canary) for requests without the A/B match,
    `matched` for those that carry it (None: no match rule, they go the default way), and the percentage of requests
    copied to the canary (mirrored responses are dropped, users only see the primary's)."""

    default: tuple[int, int]
    matched: tuple[int, int] | None = None
    mirror_percent: float = 0.0


class RouterError(Exception):
    """A router call failed; the text is Flagger's, recorded as a Warning event."""


@dataclass(frozen=True)
class Names:
    namespace: str
    apex: str
    primary: str
    canary: str

    @classmethod
    def of(cls, canary: dict[str, Any]) -> Names:
        spec = canary["spec"]
        apex = (spec.get("service") or {}).get("name") or spec["targetRef"]["name"]
        return cls(canary["metadata"]["namespace"], apex, f"{apex}-primary", f"{apex}-canary")


def _service(canary: dict[str, Any]) -> dict[str, Any]:
    return canary["spec"].get("service") or {}


def _not_found(resource: str, name: str) -> str:
    return f'{resource} "{name}" not found'


def _analysis(canary: dict[str, Any]) -> dict[str, Any]:
    return canary["spec"].get("analysis") or {}


def _matches(canary: dict[str, Any]) -> list[dict[str, Any]]:
    """analysis.match: Istio HTTPMatchRequests, which every router translates (A/B testing when it is set)."""
    return list(_analysis(canary).get("match") or [])


def _stored_canary(store: ObjectStore, namespace: str, apex: str) -> dict[str, Any]:
    # The simulated apps' Canary is named after the app and its service.
    return store.get("Canary", namespace, apex) or {"spec": {}}


def _weight(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class SimRouter(Protocol):
    kind: str | None

    def reconcile(self, canary: dict[str, Any]) -> None: ...

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int, mirrored: bool = False) -> None: ...

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]: ...

    def mirrored(self, canary: dict[str, Any]) -> bool: ...

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None: ...

    def data_plane(self, namespace: str, apex: str) -> Split | None: ...


class SmiRouter:
    """linkerd: TrafficSplit split.smi-spec.io/v1alpha1, canary backend first, weights as quantities (smi.go)."""

    kind = "TrafficSplit"

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    def reconcile(self, canary: dict[str, Any]) -> None:
        n = Names.of(canary)
        if self._store.get(self.kind, n.namespace, n.apex) is not None:
            return
        hosts = _service(canary).get("hosts") or []
        self._store.create(
            {
                "apiVersion": "split.smi-spec.io/v1alpha1",
                "kind": self.kind,
                "metadata": {"name": n.apex, "namespace": n.namespace},
                "spec": {"service": hosts[0] if hosts else n.apex, "backends": self._backends(n, 100, 0)},
            }
        )

    @staticmethod
    def _backends(n: Names, primary: int, canary_weight: int) -> list[dict[str, Any]]:
        return [{"service": n.canary, "weight": str(canary_weight)}, {"service": n.primary, "weight": str(primary)}]

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int, mirrored: bool = False) -> None:
        # A TrafficSplit has neither match rules nor mirroring: Flagger writes the weights whatever the strategy.
        n = Names.of(canary)
        self._get(n)
        backends = self._backends(n, primary, canary_weight)
        self._store.patch(self.kind, n.namespace, n.apex, {"spec": {"backends": backends}})

    def _get(self, n: Names) -> dict[str, Any]:
        split = self._store.get(self.kind, n.namespace, n.apex)
        if split is None:
            missing = _not_found("trafficsplits.split.smi-spec.io", n.apex)
            raise RouterError(f"TrafficSplit {n.apex}.{n.namespace} get query error {missing}")
        return split

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        n = Names.of(canary)
        weights = self._weights(self._get(n), n)
        if weights == (0, 0):
            missing = f"does not contain routes for {n.primary} and {n.canary}"
            raise RouterError(f"TrafficSplit {n.apex}.{n.namespace} {missing}")
        return weights

    @staticmethod
    def _weights(split: dict[str, Any], n: Names) -> tuple[int, int]:
        weights = {b.get("service"): _weight(b.get("weight")) for b in split["spec"].get("backends") or []}
        return weights.get(n.primary, 0), weights.get(n.canary, 0)

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None:
        split = self._store.get(self.kind, namespace, apex)
        if split is None:
            return None
        return self._weights(split, Names(namespace, apex, f"{apex}-primary", f"{apex}-canary"))

    def mirrored(self, canary: dict[str, Any]) -> bool:
        return False

    def data_plane(self, namespace: str, apex: str) -> Split | None:
        weights = self.mesh_weights(namespace, apex)
        return None if weights is None else Split(weights)


class IstioRouter:
    """istio: DestinationRules `<apex>-canary` and `<apex>-primary`, then VirtualService `<apex>` with one weighted
    http rule, primary first (pkg/router/istio.go)."""

    kind = "VirtualService"
    API_VERSION = "networking.istio.io/v1beta1"

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    def reconcile(self, canary: dict[str, Any]) -> None:
        n = Names.of(canary)
        for name in (n.canary, n.primary):
            if self._store.get("DestinationRule", n.namespace, name) is None:
                spec: dict[str, Any] = {"host": name}
                if _service(canary).get("trafficPolicy"):
                    spec["trafficPolicy"] = _service(canary)["trafficPolicy"]
                self._store.create(
                    {
                        "apiVersion": self.API_VERSION,
                        "kind": "DestinationRule",
                        "metadata": {"name": name, "namespace": n.namespace},
                        "spec": spec,
                    }
                )
        if self._store.get(self.kind, n.namespace, n.apex) is not None:
            return
        service = _service(canary)
        hosts = list(service.get("hosts") or [])
        if not any(h in (n.apex, "*") for h in hosts):
            hosts.append(n.apex)
        gateways = list(service.get("gateways") or []) or ["mesh"]
        self._store.create(
            {
                "apiVersion": self.API_VERSION,
                "kind": self.kind,
                "metadata": {"name": n.apex, "namespace": n.namespace},
                "spec": {"hosts": hosts, "gateways": gateways, "http": self._http(n, 100, 0)},
            }
        )

    @staticmethod
    def _http(n: Names, primary: int, canary_weight: int) -> list[dict[str, Any]]:
        return [
            {
                "route": [
                    {"destination": {"host": n.primary}, "weight": primary},
                    {"destination": {"host": n.canary}, "weight": canary_weight},
                ]
            }
        ]

    def _get(self, n: Names) -> dict[str, Any]:
        service = self._store.get(self.kind, n.namespace, n.apex)
        if service is None:
            missing = _not_found("virtualservices.networking.istio.io", n.apex)
            raise RouterError(f"VirtualService {n.apex}.{n.namespace} get query error {missing}")
        return service

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int, mirrored: bool = False) -> None:
        n = Names.of(canary)
        self._get(n)
        http = self._http(n, primary, canary_weight)
        affinity = _analysis(canary).get("sessionAffinity")
        if affinity:
            http = istio_affinity_rules(canary, n.primary, n.canary, canary_weight, http[0])
        if mirrored:
            http[0]["mirror"] = {"host": n.canary}
            mirror_weight = int(_analysis(canary).get("mirrorWeight") or 0)
            if mirror_weight > 0:
                http[0]["mirrorPercentage"] = {"value": float(mirror_weight)}
        matches = _matches(canary)
        if matches:
            # A/B testing: requests with the match go by the weights, every other request to the primary alone.
            routed = self._http(n, primary, canary_weight)[0]
            http = [{"match": copy.deepcopy(matches), **routed}, {"route": [routed["route"][0]]}]
        self._store.patch(self.kind, n.namespace, n.apex, {"spec": {"http": http}})

    def _chosen(self, canary: dict[str, Any], n: Names) -> dict[str, Any]:
        # Flagger reads the last http rule that routes to the canary host.
        chosen: dict[str, Any] = {}
        for rule in self._get(n)["spec"].get("http") or []:
            if any((r.get("destination") or {}).get("host") == n.canary for r in rule.get("route") or []):
                chosen = rule
        return chosen

    def mirrored(self, canary: dict[str, Any]) -> bool:
        return bool((self._chosen(canary, Names.of(canary)).get("mirror") or {}).get("host"))

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        n = Names.of(canary)
        chosen = self._chosen(canary, n)
        weights = self._by_host(chosen, n)
        if _analysis(canary).get("sessionAffinity"):
            # With session affinity the weighted rule is the one whose destinations set the cookie.
            for rule in self._get(n)["spec"].get("http") or []:
                for route in rule.get("route") or []:
                    if route.get("headers") is None:
                        continue
                    host, weight = (route.get("destination") or {}).get("host"), _weight(route.get("weight"))
                    if host == n.primary:
                        weights = (weight, weights[1])
                    elif host == n.canary:
                        weights = (weights[0], weight)
        if weights == (0, 0):
            missing = f"does not contain routes for {n.apex}-primary and {n.apex}-canary"
            raise RouterError(f"VirtualService {n.apex}.{n.namespace} {missing}")
        return weights

    @staticmethod
    def _by_host(rule: dict[str, Any], n: Names) -> tuple[int, int]:
        weights = {(r.get("destination") or {}).get("host"): _weight(r.get("weight")) for r in rule.get("route") or []}
        return weights.get(n.primary, 0), weights.get(n.canary, 0)

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None:
        service = self._store.get(self.kind, namespace, apex)
        if service is None:
            return None
        # Envoy takes the first rule that matches; Flagger's weighted rule has no match conditions.
        rules = service["spec"].get("http") or [{}]
        return self._by_host(rules[0], Names(namespace, apex, f"{apex}-primary", f"{apex}-canary"))

    def data_plane(self, namespace: str, apex: str) -> Split | None:
        service = self._store.get(self.kind, namespace, apex)
        if service is None:
            return None
        n = Names(namespace, apex, f"{apex}-primary", f"{apex}-canary")
        rules = service["spec"].get("http") or [{}]
        # Requests without a matching rule take the first rule without match conditions (the weighted one).
        default_rule = next((r for r in rules if not r.get("match")), rules[-1])
        matched = None
        if _matches(_stored_canary(self._store, namespace, apex)) and rules[0].get("match"):
            matched = self._served(rules[0], n)
        percent = 0.0
        if (default_rule.get("mirror") or {}).get("host") == n.canary:
            percent = float((default_rule.get("mirrorPercentage") or {}).get("value") or 100.0)
        return Split(self._served(default_rule, n), matched, percent)

    def _served(self, rule: dict[str, Any], n: Names) -> tuple[int, int]:
        """How Envoy splits a rule: a single destination takes every request whatever its weight."""
        routes = rule.get("route") or []
        if len(routes) == 1:
            host = (routes[0].get("destination") or {}).get("host")
            return (100, 0) if host == n.primary else (0, 100)
        return self._by_host(rule, n)


class GatewayApiRouter:
    """gatewayapi:v1: HTTPRoute gateway.networking.k8s.io/v1 `<apex>` attached to service.gatewayRefs, one rule
    matching `/` with the primary backend first (pkg/router/gateway_api.go)."""

    kind = "HTTPRoute"

    def __init__(self, store: ObjectStore, api_version: str = "gateway.networking.k8s.io/v1") -> None:
        self._store = store
        self._api_version = api_version

    def reconcile(self, canary: dict[str, Any]) -> None:
        service = _service(canary)
        if not service.get("gatewayRefs"):
            raise RouterError("GatewayRefs must be specified when using Gateway API as a provider.")
        n = Names.of(canary)
        if self._store.get(self.kind, n.namespace, n.apex) is not None:
            return
        self._store.create(
            {
                "apiVersion": self._api_version,
                "kind": self.kind,
                "metadata": {"name": n.apex, "namespace": n.namespace},
                "spec": self._spec(canary, n, 100, 0),
            }
        )

    @staticmethod
    def _spec(
        canary: dict[str, Any], n: Names, primary: int, canary_weight: int, mirrored: bool = False
    ) -> dict[str, Any]:
        service = _service(canary)
        port = service.get("port")

        def backend(name: str, weight: int) -> dict[str, Any]:
            return {"group": "", "kind": "Service", "name": name, "port": port, "weight": weight}

        spec: dict[str, Any] = {"parentRefs": [dict(ref) for ref in service.get("gatewayRefs") or []]}
        if service.get("hosts"):
            spec["hostnames"] = list(service["hosts"])
        path = {"path": {"type": "PathPrefix", "value": "/"}}
        weighted: dict[str, Any] = {
            "matches": [copy.deepcopy(path)],
            "backendRefs": [backend(n.primary, primary), backend(n.canary, canary_weight)],
        }
        if mirrored and int(_analysis(canary).get("iterations") or 0) > 0:
            # Blue/green mirroring only; the filter mirrors every request (Gateway API has no percentage here).
            mirror = {"group": "", "kind": "Service", "name": n.canary, "port": port}
            weighted["filters"] = [{"type": "RequestMirror", "requestMirror": {"backendRef": mirror}}]
        spec["rules"] = [weighted]
        if _analysis(canary).get("sessionAffinity"):
            spec["rules"] = gateway_affinity_rules(canary, n.primary, n.canary, canary_weight, weighted)
        matches = _matches(canary)
        if matches:
            # A/B testing: the first rule also requires the analysis match; a second sends the rest to the primary.
            spec["rules"][0]["matches"] = [{**copy.deepcopy(path), **_gateway_match(m)} for m in matches]
            spec["rules"].append({"matches": [copy.deepcopy(path)], "backendRefs": [backend(n.primary, 100)]})
        return spec

    def _get(self, n: Names) -> dict[str, Any]:
        route = self._store.get(self.kind, n.namespace, n.apex)
        if route is None:
            missing = _not_found("httproutes.gateway.networking.k8s.io", n.apex)
            raise RouterError(f"HTTPRoute {n.apex}.{n.namespace} get error: {missing}")
        return route

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int, mirrored: bool = False) -> None:
        n = Names.of(canary)
        self._get(n)
        # Flagger replaces the whole spec (parentRefs, hostnames, rules) on every SetRoutes.
        spec = self._spec(canary, n, primary, canary_weight, mirrored)
        self._store.replace_spec(self.kind, n.namespace, n.apex, spec)

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        # Every rule with exactly two backends is read, so the last one wins; 0/0 is no error here. With session
        # affinity the rule whose backends set the cookie is the weighted one and wins.
        n = Names.of(canary)
        weights = (0, 0)
        weighted = None
        for rule in self._get(n)["spec"].get("rules") or []:
            refs = rule.get("backendRefs") or []
            if _analysis(canary).get("sessionAffinity") and any(ref.get("filters") for ref in refs):
                weighted = rule
            if len(refs) == 2:
                weights = self._by_name(rule, n, weights)
        if weighted is not None:
            weights = self._by_name(weighted, n, weights)
        return weights

    def mirrored(self, canary: dict[str, Any]) -> bool:
        n = Names.of(canary)
        for rule in self._get(n)["spec"].get("rules") or []:
            for f in rule.get("filters") or []:
                if (
                    f.get("type") == "RequestMirror"
                    and ((f.get("requestMirror") or {}).get("backendRef") or {}).get("name") == n.canary
                ):
                    return True
        return False

    @staticmethod
    def _by_name(rule: dict[str, Any], n: Names, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
        primary, canary_weight = default
        for ref in rule.get("backendRefs") or []:
            if ref.get("name") == n.primary:
                primary = _weight(ref.get("weight"))
            elif ref.get("name") == n.canary:
                canary_weight = _weight(ref.get("weight"))
        return primary, canary_weight

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None:
        route = self._store.get(self.kind, namespace, apex)
        if route is None:
            return None
        rules = route["spec"].get("rules") or [{}]
        return self._by_name(rules[0], Names(namespace, apex, f"{apex}-primary", f"{apex}-canary"))

    def data_plane(self, namespace: str, apex: str) -> Split | None:
        route = self._store.get(self.kind, namespace, apex)
        if route is None:
            return None
        n = Names(namespace, apex, f"{apex}-primary", f"{apex}-canary")
        rules = route["spec"].get("rules") or [{}]
        canary = _stored_canary(self._store, namespace, apex)
        matched = None
        default_rule = rules[0]
        if _matches(canary) and len(rules) > 1:
            matched, default_rule = self._by_name(rules[0], n), rules[-1]
        elif _analysis(canary).get("sessionAffinity"):
            default_rule = rules[-1]  # the sticky rules only take requests that carry a cookie
        percent = 0.0
        for f in default_rule.get("filters") or []:
            if f.get("type") == "RequestMirror":
                percent = 100.0
        return Split(self._by_name(default_rule, n), matched, percent)


def _gateway_match(match: dict[str, Any]) -> dict[str, Any]:
    """mapRouteMatches for one Istio HTTPMatchRequest: its headers as Exact or RegularExpression header matches."""
    headers = []
    for name, value in sorted((match.get("headers") or {}).items()):
        if value.get("exact"):
            headers.append({"name": name, "type": "Exact", "value": value["exact"]})
        elif value.get("regex"):
            headers.append({"name": name, "type": "RegularExpression", "value": value["regex"]})
    return {"headers": headers} if headers else {}


class IngressRouter:
    """nginx: a copy of the apex Ingress named `<ingressRef>-canary` whose backends point at `<apex>-canary`, with
    the `canary` and `canary-weight` annotations; the apex Ingress keeps the rest of the traffic (ingress.go)."""

    kind = "Ingress"

    def __init__(self, store: ObjectStore, prefix: str = NGINX_PREFIX) -> None:
        self._store = store
        self._prefix = prefix

    def _annotation(self, suffix: str) -> str:
        return f"{self._prefix}/{suffix}"

    @staticmethod
    def _ingress_name(canary: dict[str, Any]) -> str:
        return ((canary["spec"].get("ingressRef") or {}).get("name")) or ""

    def reconcile(self, canary: dict[str, Any]) -> None:
        apex_ingress = self._ingress_name(canary)
        if not apex_ingress:
            raise RouterError("ingress selector is empty")
        n = Names.of(canary)
        ingress = self._store.get(self.kind, n.namespace, apex_ingress)
        if ingress is None:
            missing = _not_found("ingresses.networking.k8s.io", apex_ingress)
            raise RouterError(f"ingress {apex_ingress}.{n.namespace} get query error: {missing}")
        spec = copy.deepcopy(ingress["spec"])
        found = False
        for rule in spec.get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                service = (path.get("backend") or {}).get("service")
                if service and service.get("name") == n.apex:
                    service["name"] = n.canary
                    found = True
        if not found:
            raise RouterError(f"backend {n.apex} not found in ingress {apex_ingress}")
        name = f"{apex_ingress}-canary"
        if self._store.get(self.kind, n.namespace, name) is not None:
            return
        metadata: dict[str, Any] = {
            "name": name,
            "namespace": n.namespace,
            "annotations": self._idle(ingress["metadata"].get("annotations") or {}),
        }
        if ingress["metadata"].get("labels"):
            metadata["labels"] = dict(ingress["metadata"]["labels"])
        copy_of_apex = {"apiVersion": "networking.k8s.io/v1", "kind": self.kind, "metadata": metadata, "spec": spec}
        self._store.create(copy_of_apex)

    def _idle(self, annotations: dict[str, str]) -> dict[str, str]:
        """makeAnnotations: every canary annotation stripped, then `canary: "true"` and `canary-weight: "0"`."""
        kept = {
            k: v
            for k, v in annotations.items()
            if self._annotation("canary") not in k and "kubectl.kubernetes.io/last-applied-configuration" not in k
        }
        kept[self._annotation("canary")] = "true"
        kept[self._annotation("canary-weight")] = "0"
        return kept

    def _get(self, canary: dict[str, Any]) -> dict[str, Any]:
        n = Names.of(canary)
        name = f"{self._ingress_name(canary)}-canary"
        ingress = self._store.get(self.kind, n.namespace, name)
        if ingress is None:
            missing = _not_found("ingresses.networking.k8s.io", name)
            raise RouterError(f"ingress {name}.{n.namespace} get query error: {missing}")
        return ingress

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int, mirrored: bool = False) -> None:
        ingress = self._get(canary)
        annotations = dict(ingress["metadata"].get("annotations") or {})
        matches = _matches(canary)
        if matches:
            annotations = self._by_header(annotations, matches)
        else:
            annotations[self._annotation("canary-weight")] = str(canary_weight)
        if canary_weight > 0:
            annotations[self._annotation("canary")] = "true"
        else:
            annotations = self._idle(annotations)
        meta = ingress["metadata"]
        self._store.replace_annotations(self.kind, meta["namespace"], meta["name"], annotations)

    def _by_header(self, annotations: dict[str, str], matches: list[dict[str, Any]]) -> dict[str, str]:
        """makeHeaderAnnotations: the last cookie and the last other header of the matches become nginx's
        canary-by-cookie / canary-by-header(-value|-pattern). Flagger filters the old annotations by their *values*,
        so the previous canary-weight stays."""
        cookie = header = value = pattern = ""
        for match in matches:
            for name, rule in (match.get("headers") or {}).items():
                if name == "cookie":
                    cookie = rule.get("exact") or ""
                else:
                    header, value, pattern = name, rule.get("exact") or "", rule.get("regex") or ""
        kept = {k: v for k, v in annotations.items() if self._annotation("canary") not in v}
        kept[self._annotation("canary")] = "true"
        for suffix, text in (
            ("canary-by-cookie", cookie),
            ("canary-by-header", header),
            ("canary-by-header-value", value),
            ("canary-by-header-pattern", pattern),
        ):
            if text:
                kept[self._annotation(suffix)] = text
        return kept

    def mirrored(self, canary: dict[str, Any]) -> bool:
        return False

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        annotations = self._get(canary)["metadata"].get("annotations") or {}
        if _matches(canary) and any(
            self._annotation(k) in annotations for k in ("canary-by-cookie", "canary-by-header")
        ):
            return 0, 100
        value = annotations.get(self._annotation("canary-weight"))
        canary_weight = 0
        if value is not None:
            try:
                canary_weight = int(value)
            except ValueError:
                error = f'strconv.Atoi: parsing "{value}": invalid syntax'
                raise RouterError(f"failed to convert {value} to int: {error}") from None
        return 100 - canary_weight, canary_weight

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None:
        # The simulated apps' Ingress is named after the app, so Flagger's copy is `<apex>-canary`.
        ingress = self._store.get(self.kind, namespace, f"{apex}-canary")
        if ingress is None or not _routes_to(ingress, f"{apex}-canary"):
            return None
        annotations = ingress["metadata"].get("annotations") or {}
        if annotations.get(self._annotation("canary")) != "true":
            return 100, 0
        canary_weight = min(100, max(0, _weight(annotations.get(self._annotation("canary-weight")))))
        return 100 - canary_weight, canary_weight

    def data_plane(self, namespace: str, apex: str) -> Split | None:
        weights = self.mesh_weights(namespace, apex)
        if weights is None:
            return None
        ingress = self._store.get(self.kind, namespace, f"{apex}-canary") or {"metadata": {}}
        annotations = ingress["metadata"].get("annotations") or {}
        by_match = any(self._annotation(k) in annotations for k in ("canary-by-cookie", "canary-by-header"))
        # nginx sends a request that carries the header or cookie to the canary before it looks at the weight.
        matched = (0, 100) if by_match and annotations.get(self._annotation("canary")) == "true" else None
        return Split(weights, matched)


def _routes_to(ingress: dict[str, Any], service_name: str) -> bool:
    for rule in ingress["spec"].get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            if ((path.get("backend") or {}).get("service") or {}).get("name") == service_name:
                return True
    return False


class NopRouter:
    """kubernetes: no router object; GetRoutes is synthetic, all on the canary once an iteration ran (nop.go).
    The apex Service selects the primary's pods once Flagger has initialised the canary (the simulated apps' Canary is
    named after the app)."""

    kind = None

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    def reconcile(self, canary: dict[str, Any]) -> None:
        return None

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int, mirrored: bool = False) -> None:
        return None

    def mirrored(self, canary: dict[str, Any]) -> bool:
        return False

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        if int((canary.get("status") or {}).get("iterations") or 0) > 0:
            return 0, 100
        return 100, 0

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None:
        canary = self._store.get("Canary", namespace, apex)
        if ((canary or {}).get("status") or {}).get("phase") in (None, "", "Initializing"):
            return None
        return 100, 0

    def data_plane(self, namespace: str, apex: str) -> Split | None:
        weights = self.mesh_weights(namespace, apex)
        return None if weights is None else Split(weights)


def router_for(provider: str, store: ObjectStore) -> SimRouter:
    """The router Flagger's factory picks for `provider` (an unknown name gets Istio's, as in Flagger)."""
    family = router_family(provider).family
    if family == "smi":
        return SmiRouter(store)
    if family == "gatewayapi":
        version = "v1beta1" if provider.startswith("gatewayapi:v1beta1") else "v1"
        return GatewayApiRouter(store, f"gateway.networking.k8s.io/{version}")
    if family == "nginx":
        return IngressRouter(store)
    if family == "kubernetes":
        return NopRouter(store)
    return IstioRouter(store)
