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
from tui.sim.store import ObjectStore

NGINX_PREFIX = "nginx.ingress.kubernetes.io"  # Flagger's -ingress-annotations-prefix default


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


def _weight(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class SimRouter(Protocol):
    kind: str | None

    def reconcile(self, canary: dict[str, Any]) -> None: ...

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int) -> None: ...

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]: ...

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None: ...


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

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int) -> None:
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

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int) -> None:
        n = Names.of(canary)
        self._get(n)
        self._store.patch(self.kind, n.namespace, n.apex, {"spec": {"http": self._http(n, primary, canary_weight)}})

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        n = Names.of(canary)
        # Flagger reads the last http rule that routes to the canary host.
        chosen: dict[str, Any] = {}
        for rule in self._get(n)["spec"].get("http") or []:
            if any((r.get("destination") or {}).get("host") == n.canary for r in rule.get("route") or []):
                chosen = rule
        weights = self._by_host(chosen, n)
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
    def _spec(canary: dict[str, Any], n: Names, primary: int, canary_weight: int) -> dict[str, Any]:
        service = _service(canary)
        port = service.get("port")

        def backend(name: str, weight: int) -> dict[str, Any]:
            return {"group": "", "kind": "Service", "name": name, "port": port, "weight": weight}

        spec: dict[str, Any] = {"parentRefs": [dict(ref) for ref in service.get("gatewayRefs") or []]}
        if service.get("hosts"):
            spec["hostnames"] = list(service["hosts"])
        spec["rules"] = [
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [backend(n.primary, primary), backend(n.canary, canary_weight)],
            }
        ]
        return spec

    def _get(self, n: Names) -> dict[str, Any]:
        route = self._store.get(self.kind, n.namespace, n.apex)
        if route is None:
            missing = _not_found("httproutes.gateway.networking.k8s.io", n.apex)
            raise RouterError(f"HTTPRoute {n.apex}.{n.namespace} get error: {missing}")
        return route

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int) -> None:
        n = Names.of(canary)
        self._get(n)
        # Flagger replaces the whole spec (parentRefs, hostnames, rules) on every SetRoutes.
        self._store.replace_spec(self.kind, n.namespace, n.apex, self._spec(canary, n, primary, canary_weight))

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        # Every rule with exactly two backends is read, so the last one wins; 0/0 is no error here.
        n = Names.of(canary)
        weights = (0, 0)
        for rule in self._get(n)["spec"].get("rules") or []:
            if len(rule.get("backendRefs") or []) == 2:
                weights = self._by_name(rule, n, weights)
        return weights

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

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int) -> None:
        ingress = self._get(canary)
        annotations = dict(ingress["metadata"].get("annotations") or {})
        annotations[self._annotation("canary-weight")] = str(canary_weight)
        if canary_weight > 0:
            annotations[self._annotation("canary")] = "true"
        else:
            annotations = self._idle(annotations)
        meta = ingress["metadata"]
        self._store.replace_annotations(self.kind, meta["namespace"], meta["name"], annotations)

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        annotations = self._get(canary)["metadata"].get("annotations") or {}
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

    def set_routes(self, canary: dict[str, Any], primary: int, canary_weight: int) -> None:
        return None

    def get_routes(self, canary: dict[str, Any]) -> tuple[int, int]:
        if int((canary.get("status") or {}).get("iterations") or 0) > 0:
            return 0, 100
        return 100, 0

    def mesh_weights(self, namespace: str, apex: str) -> tuple[int, int] | None:
        canary = self._store.get("Canary", namespace, apex)
        if ((canary or {}).get("status") or {}).get("phase") in (None, "", "Initializing"):
            return None
        return 100, 0


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
