"""Flagger's own Deployment: the flags it runs with (`-mesh-provider`, `-metrics-server`) and where its pods are.

Helm puts the flags in the container's `command` (`./flagger -mesh-provider=istio …`), kustomize in its `args`; both
are read. Go's `flag` package accepts `-x=v`, `--x=v`, `-x v` and `--x v`, and the last one given wins.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tui.base.safe_text import safe_text
from tui.domain.flagger.providers import FLAGGER_DEFAULT
from tui.domain.model import FlaggerSettings

# The labels of Flagger's Deployment: Helm's chart, then the kustomize base.
FLAGGER_SELECTORS = ("app.kubernetes.io/name=flagger", "app=flagger")
# Flagger's -metrics-server default (cmd/flagger/main.go).
DEFAULT_METRICS_SERVER = "http://prometheus:9090"
CLUSTER_SUFFIXES = (".svc.cluster.local", ".svc")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class FlaggerDeployment:
    namespace: str
    name: str
    container: str | None
    # `k=v,k2=v2` from spec.selector.matchLabels: how its pods are found (None: no usable selector).
    pod_selector: str | None
    mesh_provider: str
    metrics_server: str

    @property
    def where(self) -> str:
        return f"{self.namespace}/{self.name}"

    def settings(self) -> FlaggerSettings:
        return FlaggerSettings(self.mesh_provider, self.metrics_server, self.where)


def flag_value(argv: list[str], flag: str) -> str | None:
    """The value of Go flag `flag` (without dashes) in `argv`: the last one given, None when absent."""
    found: str | None = None
    for index, word in enumerate(argv):
        if not word.startswith("-"):
            continue
        name, equals, value = word.lstrip("-").partition("=")
        if name != flag or word.startswith("---"):
            continue
        if equals:
            found = value
        elif index + 1 < len(argv):
            found = argv[index + 1]
    return found


def _argv(container: dict[str, Any]) -> list[str]:
    words = [*_list(container.get("command")), *_list(container.get("args"))]
    return [w for w in words if isinstance(w, str)]


def _flagger_container(containers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The container named `flagger`, else the first that passes Flagger's flags, else the only one."""
    for container in containers:
        if container.get("name") == "flagger":
            return container
    for container in containers:
        argv = _argv(container)
        if flag_value(argv, "mesh-provider") is not None or flag_value(argv, "metrics-server") is not None:
            return container
    return containers[0] if len(containers) == 1 else None


def parse_flagger_deployment(obj: Any) -> FlaggerDeployment | None:
    """Flagger's settings from its Deployment; None when it has no container that looks like Flagger's."""
    obj = _dict(obj)
    meta = _dict(obj.get("metadata"))
    namespace, name = meta.get("namespace"), meta.get("name")
    if not isinstance(namespace, str) or not isinstance(name, str) or not namespace or not name:
        return None
    spec = _dict(obj.get("spec"))
    containers = [_dict(c) for c in _list(_dict(_dict(spec.get("template")).get("spec")).get("containers"))]
    container = _flagger_container(containers)
    if container is None:
        return None
    argv = _argv(container)
    mesh = flag_value(argv, "mesh-provider") or FLAGGER_DEFAULT
    metrics = flag_value(argv, "metrics-server") or DEFAULT_METRICS_SERVER
    labels = _dict(_dict(spec.get("selector")).get("matchLabels"))
    pairs = [f"{k}={v}" for k, v in sorted(labels.items()) if isinstance(k, str) and isinstance(v, str) and k and v]
    container_name = container.get("name")
    return FlaggerDeployment(
        namespace=safe_text(namespace),
        name=safe_text(name),
        container=container_name if isinstance(container_name, str) and container_name else None,
        pod_selector=",".join(pairs) or None,
        mesh_provider=safe_text(mesh, 80),
        metrics_server=safe_text(metrics, 300),
    )


def in_cluster_service(url: str, namespace: str) -> tuple[str, str] | None:
    """(namespace, `name:port`) of the Service a URL names as pods resolve it (`http://prometheus:9090` from
    Flagger's namespace, `http://prometheus.linkerd-viz:9090`, `….svc.cluster.local`), for the API server's service
    proxy; None for an address outside the cluster (an IP, a public host name) or a URL that is not http(s).
    `https` becomes the proxy's `https:name:port`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return None
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    for suffix in CLUSTER_SUFFIXES:
        if host.endswith(suffix):
            host = host[: -len(suffix)]
            break
    labels = host.split(".")
    if len(labels) == 1:
        service, service_ns = labels[0], namespace
    elif len(labels) == 2:
        service, service_ns = labels
    else:
        return None
    port = port or (443 if parts.scheme == "https" else 80)
    scheme = "https:" if parts.scheme == "https" else ""
    return service_ns, f"{scheme}{service}:{port}"
