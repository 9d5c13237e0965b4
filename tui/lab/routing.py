"""Where a request through the lab's ingress ends up: Ingress rule -> Service -> router -> Deployment.

The mesh emulator keeps this picture up to date from watches on Ingresses, Services, the routers (TrafficSplits,
VirtualServices, HTTPRoutes) and Deployments. As in the seed, the ingress sends to the Service
(`service-upstream`) and the mesh applies the TrafficSplit whose root is that Service (Linkerd), else the
VirtualService naming it in its hosts (Istio), else the HTTPRoute with that Service as parent (Gateway API),
choosing a backend at random by weight (tui.lab.provider_routes has the rules of the last two). An NGINX canary
Ingress beside the main one may take the request first. A Service's pods are those
of the Deployment whose pod template its selector matches; the lab's pods are kwok's, so the emulator answers
in their place with the Deployment's env.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.kube.parse import pod_template_env
from tui.lab.provider_routes import (
    HttpRoute,
    Mirror,
    NginxCanary,
    Request,
    VirtualService,
    parse_http_route,
    parse_nginx_canary,
    parse_virtual_service,
)

Key = tuple[str, str]  # (namespace, name)
INJECT = "linkerd.io/inject"
ISTIO_INJECTION = "istio-injection"  # namespace label
ISTIO_INJECT = "sidecar.istio.io/inject"  # pod template label
ANY_REQUEST = Request("/", {})
Pick = Callable[[Sequence[tuple[str, float]]], str]


@dataclass(frozen=True)
class IngressPath:
    namespace: str
    host: str | None
    path: str
    exact: bool
    service: str
    port: int | str | None
    ingress: str = ""
    canary: NginxCanary | None = None  # set on the paths of an NGINX canary Ingress

    def matches(self, host: str, path: str) -> bool:
        if self.host is not None and self.host != host:
            return False
        if self.exact:
            return path == self.path
        prefix = self.path.rstrip("/")
        # Prefix matching is element-wise: /exam does not match /examine.
        return not prefix or path == prefix or path.startswith(prefix + "/")


@dataclass(frozen=True)
class Workload:
    namespace: str
    name: str
    template_labels: dict[str, str]
    env: dict[str, str]
    ready: int
    template_hash: str
    port: int | None
    inject: str | None = None  # the pod template's linkerd.io/inject annotation
    istio_inject: str | None = None  # the pod template's sidecar.istio.io/inject label

    @property
    def pod(self) -> str:
        # Stands for the pod name: one per Deployment and pod template, as a rollout makes new pods.
        return f"{self.name}-{self.template_hash}"


@dataclass(frozen=True)
class Backend:
    """The Deployment that answers a request, and the Service the request was addressed to; ``mirror`` gets a
    copy of ``mirror_percent`` % of such requests (its answer is dropped)."""

    workload: Workload
    service: str
    service_port: int
    mirror: Backend | None = None
    mirror_percent: float = 0.0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _key(obj: dict[str, Any]) -> Key | None:
    meta = _dict(obj.get("metadata"))
    # Namespaces are keyed ("", name).
    namespace, name = meta.get("namespace", ""), meta.get("name")
    if isinstance(namespace, str) and isinstance(name, str):
        return namespace, name
    return None


def template_hash(template: Any) -> str:
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:10]


def parse_workload(obj: dict[str, Any], *, daemonset: bool = False) -> Workload | None:
    """A Deployment, or a DaemonSet (its ready pods are numberReady, one per node), as the pods that answer."""
    key = _key(obj)
    if key is None:
        return None
    spec, status = _dict(obj.get("spec")), _dict(obj.get("status"))
    template = _dict(spec.get("template"))
    template_meta = _dict(template.get("metadata"))
    labels = {str(k): str(v) for k, v in _dict(template_meta.get("labels")).items()}
    inject = _dict(template_meta.get("annotations")).get(INJECT)
    istio_inject = labels.get(ISTIO_INJECT)
    replicas = 1 if daemonset else spec.get("replicas", 1)
    ready = status.get("numberReady" if daemonset else "readyReplicas") or 0
    containers = _list(_dict(template.get("spec")).get("containers"))
    ports = _list(_dict(containers[0]).get("ports")) if containers else []
    port = _dict(ports[0]).get("containerPort") if ports else None
    return Workload(
        namespace=key[0],
        name=key[1],
        template_labels=labels,
        env=pod_template_env(template),
        ready=int(ready) if isinstance(ready, int) and replicas else 0,
        template_hash=template_hash(template),
        port=port if isinstance(port, int) else None,
        inject=inject if isinstance(inject, str) else None,
        istio_inject=istio_inject,
    )


def parse_ingress(obj: dict[str, Any]) -> list[IngressPath]:
    key = _key(obj)
    if key is None:
        return []
    spec = _dict(obj.get("spec"))
    canary = parse_nginx_canary(_dict(_dict(obj.get("metadata")).get("annotations")))
    out = []
    for rule in _list(spec.get("rules")):
        rule = _dict(rule)
        host = rule.get("host") if isinstance(rule.get("host"), str) else None
        for item in _list(_dict(rule.get("http")).get("paths")):
            item = _dict(item)
            service = _dict(_dict(item.get("backend")).get("service"))
            name = service.get("name")
            if not isinstance(name, str):
                continue
            port = _dict(service.get("port"))
            path = item.get("path") if isinstance(item.get("path"), str) else "/"
            exact = item.get("pathType") == "Exact"
            out.append(
                IngressPath(key[0], host, path, exact, name, port.get("number") or port.get("name"), key[1], canary)
            )
    default = _dict(_dict(spec.get("defaultBackend")).get("service"))
    if isinstance(default.get("name"), str):
        port = _dict(default.get("port"))
        number = port.get("number") or port.get("name")
        out.append(IngressPath(key[0], None, "/", False, default["name"], number, key[1], canary))
    return out


def _weight(value: Any) -> float:
    # v1alpha1 weights are quantities written as strings ("25"); later versions use integers.
    text = str(value).strip()
    scale = 1000.0 if text.endswith("m") else 1.0
    try:
        return max(0.0, float(text.removesuffix("m")) / scale)
    except ValueError:
        return 0.0


class Topology:
    """The routing picture, updated from watch threads and read by request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ingresses: dict[Key, list[IngressPath]] = {}
        self._services: dict[Key, tuple[dict[str, str], list[dict[str, Any]]]] = {}
        self._splits: dict[Key, list[tuple[str, float]]] = {}
        self._workloads: dict[Key, Workload] = {}
        self._daemonsets: dict[Key, Workload] = {}
        self._namespaces: dict[Key, bool] = {}  # ("", name) -> annotated linkerd.io/inject: enabled
        self._istio_namespaces: dict[Key, bool] = {}  # ("", name) -> labelled istio-injection: enabled
        self._virtual_services: dict[Key, VirtualService] = {}
        self._http_routes: dict[Key, HttpRoute] = {}

    # --- updates ---------------------------------------------------------------------------------------------

    def replace_all(self, kind: str, items: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._table(kind).clear()
            if kind == "Namespace":
                self._istio_namespaces.clear()
        for item in items:
            self.put(kind, item)

    def put(self, kind: str, obj: dict[str, Any]) -> None:
        key = _key(obj)
        if key is None:
            return
        value: Any
        if kind == "Ingress":
            value = parse_ingress(obj)
        elif kind == "Service":
            spec = _dict(obj.get("spec"))
            selector = {str(k): str(v) for k, v in _dict(spec.get("selector")).items()}
            value = (selector, [_dict(p) for p in _list(spec.get("ports"))])
        elif kind == "TrafficSplit":
            spec = _dict(obj.get("spec"))
            root = spec.get("service") if isinstance(spec.get("service"), str) else key[1]
            key = (key[0], root)
            backends = [_dict(b) for b in _list(spec.get("backends"))]
            value = [(b["service"], _weight(b.get("weight"))) for b in backends if isinstance(b.get("service"), str)]
        elif kind in ("Deployment", "DaemonSet"):
            value = parse_workload(obj, daemonset=kind == "DaemonSet")
            if value is None:
                return
        elif kind == "Namespace":
            meta = _dict(obj.get("metadata"))
            value = _dict(meta.get("annotations")).get(INJECT) == "enabled"
            with self._lock:
                self._istio_namespaces[key] = _dict(meta.get("labels")).get(ISTIO_INJECTION) == "enabled"
        elif kind == "VirtualService":
            value = parse_virtual_service(obj)
        elif kind == "HTTPRoute":
            value = parse_http_route(obj)
        else:
            raise ValueError(f"unknown kind {kind}")
        with self._lock:
            self._table(kind)[key] = value

    def remove(self, kind: str, obj: dict[str, Any]) -> None:
        key = _key(obj)
        if key is None:
            return
        if kind == "TrafficSplit":
            root = _dict(obj.get("spec")).get("service")
            key = (key[0], root if isinstance(root, str) else key[1])
        with self._lock:
            self._table(kind).pop(key, None)
            if kind == "Namespace":
                self._istio_namespaces.pop(key, None)

    def _table(self, kind: str) -> dict[Key, Any]:
        return {
            "Ingress": self._ingresses,
            "Service": self._services,
            "TrafficSplit": self._splits,
            "Deployment": self._workloads,
            "DaemonSet": self._daemonsets,
            "Namespace": self._namespaces,
            "VirtualService": self._virtual_services,
            "HTTPRoute": self._http_routes,
        }[kind]

    # --- lookups ---------------------------------------------------------------------------------------------

    def workloads(self) -> list[Workload]:
        with self._lock:
            return [*self._workloads.values(), *self._daemonsets.values()]

    def meshed(self, workload: Workload) -> bool:
        """Whether the pods have a Linkerd proxy (and so export metrics): their annotation, else the namespace's."""
        if workload.inject is not None:
            return workload.inject == "enabled"
        with self._lock:
            return self._namespaces.get(("", workload.namespace), False)

    def istio_meshed(self, workload: Workload) -> bool:
        """Whether the pods have an Istio sidecar: their sidecar.istio.io/inject label, else the namespace's."""
        if workload.istio_inject is not None:
            return workload.istio_inject == "true"
        with self._lock:
            return self._istio_namespaces.get(("", workload.namespace), False)

    def route(self, host: str, path: str) -> IngressPath | None:
        """The Ingress path for this request: host rules before catch-alls, then the longest path."""
        with self._lock:
            paths = [
                p for rules in self._ingresses.values() for p in rules if p.canary is None and p.matches(host, path)
            ]
        if not paths:
            return None
        return max(paths, key=lambda p: (p.host is not None, p.exact, len(p.path)))

    def canary_paths(self) -> list[IngressPath]:
        with self._lock:
            return [p for rules in self._ingresses.values() for p in rules if p.canary is not None]

    def canary_path(self, main: IngressPath) -> IngressPath | None:
        """The NGINX canary Ingress path that shadows ``main`` (same namespace, host and path), if any."""
        with self._lock:
            return next(
                (
                    p
                    for rules in self._ingresses.values()
                    for p in rules
                    if p.canary is not None
                    and (p.namespace, p.host, p.path, p.exact) == (main.namespace, main.host, main.path, main.exact)
                ),
                None,
            )

    def backend(self, namespace: str, service: str, pick: Pick, request: Request = ANY_REQUEST) -> Backend | None:
        """Apply the router of the Service (if any), then find the Deployment behind the backend (and behind the
        router's mirror, if it names one)."""
        mirror: Mirror | None = None
        with self._lock:
            split = self._splits.get((namespace, service))
            if split:
                weighted = [(name, weight) for name, weight in split if weight > 0]
                if not weighted:
                    return None
                service = pick(weighted)
            else:
                router = self._router(namespace, service)
                if router is not None:
                    choice = router.decide(request, pick)
                    if choice.service is None:
                        return None
                    service, mirror = choice.service, choice.mirror
            backend = self._service_backend(namespace, service)
            copy = self._service_backend(namespace, mirror.service) if mirror and mirror.percent > 0 else None
        if backend is None or copy is None or mirror is None:
            return backend
        return dataclasses.replace(backend, mirror=copy, mirror_percent=mirror.percent)

    def _service_backend(self, namespace: str, service: str) -> Backend | None:
        # Caller holds the lock. The ready Deployment whose pod template the Service selects.
        entry = self._services.get((namespace, service))
        if entry is None:
            return None
        selector, ports = entry
        if not selector:
            return None
        candidates = sorted(
            (
                w
                for (ns, _), w in [*self._workloads.items(), *self._daemonsets.items()]
                if ns == namespace and _selects(selector, w)
            ),
            key=lambda w: (w.ready == 0, w.name),
        )
        if not candidates or candidates[0].ready == 0:
            return None
        port = ports[0].get("port") if ports else None
        return Backend(candidates[0], service, port if isinstance(port, int) else 80)

    def _router(self, namespace: str, service: str) -> VirtualService | HttpRoute | None:
        # Caller holds the lock. Sorted by name, so that two routers for one Service decide the same way each time.
        for (ns, _), vs in sorted(self._virtual_services.items()):
            if ns == namespace and service in vs.hosts:
                return vs
        for (ns, _), route in sorted(self._http_routes.items()):
            if ns == namespace and service in route.services:
                return route
        return None


def _selects(selector: dict[str, str], workload: Workload) -> bool:
    return all(workload.template_labels.get(k) == v for k, v in selector.items())
