"""A small, faithful Kubernetes API server for tests, served over HTTP on 127.0.0.1.

Usage:

    with ApiServer(crds=DEMO_CRDS) as api:
        api.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
        api.put({...})                        # seed objects (status included), watchers see ADDED/MODIFIED
        api.append_log("monitoring", "logger-0", "line")
        api.drop_connections(); api.refuse_connections(2.0); api.silence_watches("pods")
        api.forbid("canaries.flagger.app"); api.uninstall_crd(CANARIES); api.expire_next_watch("pods")
        api.grant_only_in("canaries.flagger.app", ["apps"])  # RoleBindings only (SelfSubjectAccessReview agrees)
        api.requests(method="PATCH")          # what clients sent

Thread-safe: handlers run on their own threads and the Python API may be called from any thread.

Not emulated (tests must not rely on them): validation and defaulting (no default replicas, strategy, ...),
admission, controllers (a Deployment never gets ReplicaSets, Pods or status unless the test writes them), garbage
collection of owned objects, server-side apply (415), namespace existence checks, protobuf (except a
SelfSubjectAccessReview's body), kube-apiserver's own Table printers for built-in kinds (Tables show Name and Age),
and consistent snapshots across list pages. A list (or a watch-list) from a resourceVersion newer than the store's
waits `too_large_wait_s` for it, then is answered 504 "Too large resource version", as kube-apiserver's watch cache
does; a plain watch from one is accepted and sends only the changes past it (so a client that resumes a watch on a
restarted server with a fresh store hears nothing until the store catches up).
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.standin import errors
from tests.standin.errors import ApiError
from tests.standin.handler import Handler
from tests.standin.kubeconfig import FAKE_TOKEN, write_kubeconfig
from tests.standin.listener import Listener
from tests.standin.patching import merge_patch
from tests.standin.resources import (
    BUILTINS,
    CRDS,
    DEMO_CRDS,
    NAMESPACES,
    NODES,
    PEER_TYPES,
    PODS,
    ResourceType,
    crd_object,
)
from tests.standin.store import Store
from tests.standin.tokens import TokenBook

Resource = ResourceType | str
DEFAULT_USER = "system:serviceaccount:monitoring:canaryscope"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: bytes
    authorization: str | None
    at: float
    status: int | None = None
    verb: str | None = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class RequestLog:
    def __init__(self, size: int) -> None:
        self._entries: deque[RecordedRequest] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(
        self, method: str, path: str, query: dict[str, str], content_type: str, body: bytes, authorization: str | None
    ) -> RecordedRequest:
        entry = RecordedRequest(method, path, dict(query), content_type, body, authorization, time.time())
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        verb: str | None = None,
        path_prefix: str | None = None,
    ) -> list[RecordedRequest]:
        with self._lock:
            return [
                e
                for e in self._entries
                if (method is None or e.method == method)
                and (path is None or e.path == path)
                and (verb is None or e.verb == verb)
                and (path_prefix is None or e.path.startswith(path_prefix))
            ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class Faults:
    forbidden: list[tuple[tuple[str, str], str | None, frozenset[str] | None, str | None]] = field(default_factory=list)
    silent: set[tuple[str, str]] = field(default_factory=set)
    expiries: dict[tuple[str, str], int] = field(default_factory=dict)
    # Watches answered 200 and ended at once, with no event.
    empty: set[tuple[str, str]] = field(default_factory=set)
    # (status, Retry-After header) answered to every list and watch of the resource.
    throttled: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    # Watches that send a byte every `trickle` seconds and never a newline.
    trickle: dict[tuple[str, str], float] = field(default_factory=dict)
    # Resources granted only in these namespaces (RoleBindings, no ClusterRoleBinding).
    granted_in: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def is_forbidden(self, rt: ResourceType, verb: str, namespace: str | None, sub: str | None) -> bool:
        return self.is_denied(rt, verb, namespace, sub) or not self.is_granted(rt, namespace)

    def is_granted(self, rt: ResourceType, namespace: str | None) -> bool:
        """RBAC: a resource granted in some namespaces only is not granted elsewhere, nor across the cluster."""
        with self.lock:
            namespaces = self.granted_in.get(rt.key)
        return namespaces is None or (namespace is not None and namespace in namespaces)

    def is_denied(self, rt: ResourceType, verb: str, namespace: str | None, sub: str | None) -> bool:
        """A forbid() rule matches."""
        with self.lock:
            return any(
                key == rt.key
                and (rule_sub is None or rule_sub == sub)
                and (verbs is None or verb in verbs)
                and (ns is None or ns == namespace)
                for key, rule_sub, verbs, ns in self.forbidden
            )

    def is_silent(self, rt: ResourceType) -> bool:
        with self.lock:
            return rt.key in self.silent

    def take_expiry(self, rt: ResourceType) -> bool:
        with self.lock:
            left = self.expiries.get(rt.key, 0)
            if left <= 0:
                return False
            self.expiries[rt.key] = left - 1
            return True


class ApiServer:
    def __init__(
        self,
        *,
        crds: Iterable[ResourceType] = (),
        port: int = 0,
        token: str | None = FAKE_TOKEN,
        user: str = DEFAULT_USER,
        git_version: str = "v1.33.4",
        bookmark_interval: float = 1.0,
        history_size: int = 1000,
        watch_queue_size: int = 1000,
        request_log_size: int = 2000,
        log_lines: int = 10_000,
        clock: Callable[[], datetime] | None = None,
        namespaces: Iterable[str] = ("default", "kube-system", "kube-public"),
        tls: ssl.SSLContext | None = None,
        peer_support: bool = False,
    ) -> None:
        """`peer_support` also serves what kubectl and k9s ask for: Nodes (one, `standin-node`), the
        CustomResourceDefinitions of the installed CRDs (apiextensions.k8s.io) and SelfSubjectAccessReview."""
        self.token = token
        self.tokens: TokenBook | None = None
        self.user = user
        self.git_version = git_version
        self.bookmark_interval = bookmark_interval
        self.store = Store(clock or (lambda: datetime.now(UTC)), history_size, watch_queue_size, log_lines)
        self.request_log = RequestLog(request_log_size)
        self.faults = Faults()
        self.internal_errors: list[str] = []
        # (namespace, "name:port") -> upstream base URL, for the service proxy
        self.service_proxies: dict[tuple[str, str], str] = {}
        self.listener = Listener(Handler, self, port=port, tls=tls)
        self._known: dict[tuple[str, str], ResourceType] = {rt.key: rt for rt in (*BUILTINS, *DEMO_CRDS)}
        self._timer: threading.Timer | None = None
        self.startup_seconds: float | None = None
        self.peer_support = peer_support
        # How long a read from a resourceVersion not reached yet waits before "Too large resource version" (504).
        self.too_large_wait_s = 3.0
        for rt in BUILTINS + (PEER_TYPES if peer_support else ()):
            self.store.install(rt)
        if peer_support:
            self.store.put(NODES, standin_node())
        for rt in crds:
            self.install_crd(rt)
        for ns in namespaces:
            self.store.put(NAMESPACES, {"metadata": {"name": ns}, "status": {"phase": "Active"}})

    # --- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> ApiServer:
        started = time.perf_counter()
        self.listener.start()
        self.startup_seconds = time.perf_counter() - started
        return self

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.store.close_watchers()
        self.listener.close()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self.listener.port

    @property
    def url(self) -> str:
        return f"{'https' if self.listener.tls else 'http'}://127.0.0.1:{self.port}"

    def authorized(self, header: str | None) -> bool:
        if self.tokens is not None:
            return self.tokens.accepts(header)
        return self.token is None or header == f"Bearer {self.token}"

    def require_tokens(self, book: TokenBook | None) -> None:
        """From now on accept only the book's unexpired tokens (a new request with an expired one is answered 401;
        a watch already streaming goes on, as kube-apiserver authenticates a request once, when it begins)."""
        self.tokens = book

    def version_info(self) -> dict:
        major, minor = self.git_version.lstrip("v").split(".")[:2]
        return {
            "major": major,
            "minor": minor,
            "gitVersion": self.git_version,
            "gitCommit": "6f3bd8a1e9c0b2d4f5a67890c1e2d3f4a5b6c7d8",
            "gitTreeState": "clean",
            "buildDate": "2025-08-12T10:33:38Z",
            "goVersion": "go1.24.5",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    # --- resource types -------------------------------------------------------------------------------------------

    def resolve(self, resource: Resource) -> ResourceType:
        """Accepts a ResourceType, "v1/pods", "apps/v1/deployments", "canaries.flagger.app", "pods" or "pods/log"
        (the subresource part is ignored here)."""
        if isinstance(resource, ResourceType):
            return resource
        spec = resource
        parts = spec.split("/")
        candidates = {**self._known, **{rt.key: rt for rt in self.store.types()}}
        if len(parts) >= 3 and "." in parts[0]:
            group, plural = parts[0], parts[2]
        elif len(parts) >= 3 and parts[0] == "apps":
            group, plural = "apps", parts[2]
        elif len(parts) >= 2 and parts[0].startswith("v") and parts[0][1:2].isdigit():
            group, plural = "", parts[1]
        else:
            plural, _, group = parts[0].partition(".")
        rt = candidates.get((group, plural))
        if rt is None:
            raise KeyError(f"unknown resource {spec!r}")
        return rt

    def install_crd(self, rt: ResourceType) -> None:
        self._known[rt.key] = rt
        self.store.install(rt)
        if self.peer_support:
            self.store.put(CRDS, crd_object(rt))

    def uninstall_crd(self, resource: Resource) -> None:
        """Remove a CRD: its discovery entries and paths answer 404, its objects are gone, its watches end."""
        rt = self.resolve(resource)
        self.store.uninstall(rt.key)
        if self.peer_support:
            with contextlib.suppress(ApiError):
                self.store.delete(CRDS, None, rt.qualified)

    # --- objects (test side; no HTTP) -----------------------------------------------------------------------------

    def put(self, obj: Mapping[str, Any]) -> dict:
        """Create or replace a whole object, status included; watchers see ADDED or MODIFIED."""
        obj = json.loads(json.dumps(obj))
        rt = self.store.type_for(obj["apiVersion"], obj["kind"])
        return self.store.put(rt, obj)

    def get(self, resource: Resource, name: str, namespace: str | None = None) -> dict | None:
        try:
            return self.store.get(self.resolve(resource), namespace, name)
        except ApiError as exc:
            if exc.code == 404:
                return None
            raise

    def list(self, resource: Resource, namespace: str | None = None) -> list[dict]:
        return self.store.list(self.resolve(resource), namespace)[0]

    def delete(self, resource: Resource, name: str, namespace: str | None = None) -> bool:
        try:
            return self.store.delete(self.resolve(resource), namespace, name)[1]
        except ApiError as exc:
            if exc.code == 404:
                return False
            raise

    def patch_status(self, resource: Resource, name: str, namespace: str | None, status: Mapping[str, Any]) -> dict:
        """Merge-patch the status, as a controller writing /status would."""
        patch = {"status": json.loads(json.dumps(status))}
        return self.store.patch(
            self.resolve(resource), namespace, name, lambda cur: merge_patch(cur, patch), subresource="status"
        )

    @property
    def resource_version(self) -> int:
        return self.store.resource_version

    def compact(self) -> int:
        """Forget the change history: any watch from an earlier resourceVersion now gets 410 Expired."""
        return self.store.compact()

    # --- pod logs -------------------------------------------------------------------------------------------------

    def append_log(
        self, namespace: str, pod: str, *lines: str, container: str | None = None, at: datetime | None = None
    ) -> None:
        if container is None:
            existing = self.get(PODS, pod, namespace)
            containers = ((existing or {}).get("spec") or {}).get("containers") or []
            container = containers[0].get("name", "") if containers else ""
        for line in lines:
            self.store.append_log(namespace, pod, container, line, at)

    # --- faults ---------------------------------------------------------------------------------------------------

    def drop_connections(self) -> int:
        """Cut every open connection now (watches and log follows break mid-stream); returns how many."""
        return self.listener.drop_connections()

    def refuse_connections(self, seconds: float | None) -> None:
        """Stop listening (connection refused), drop open connections, and listen again on the same port after
        `seconds` (None: until resume_listening())."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.listener.stop_listening()
        self.listener.drop_connections()
        if seconds is not None:
            self._timer = threading.Timer(seconds, self.resume_listening)
            self._timer.daemon = True
            self._timer.start()

    def resume_listening(self) -> None:
        if self._timer is not None and threading.current_thread() is not self._timer:
            self._timer.cancel()
        self._timer = None
        if not self.listener.stopping.is_set():
            self.listener.listen_again()

    @property
    def listening(self) -> bool:
        return self.listener.listening

    def silence_watches(self, resource: Resource, silent: bool = True) -> None:
        """New watches on the resource get headers and then nothing, like a connection that died silently."""
        key = self.resolve(resource).key
        with self.faults.lock:
            if silent:
                self.faults.silent.add(key)
            else:
                self.faults.silent.discard(key)

    def forbid(self, resource: Resource, verbs: Iterable[str] | None = None, namespace: str | None = None) -> None:
        """Answer 403 Forbidden (with a Status naming user, verb, resource, namespace) for matching requests.
        `resource` may name a subresource, e.g. "pods/log"."""
        rt = self.resolve(resource)
        parts = resource.split("/") if isinstance(resource, str) else []
        sub = parts[-1] if len(parts) >= 2 and parts[-1] in rt.subresources else None
        with self.faults.lock:
            self.faults.forbidden.append((rt.key, sub, frozenset(verbs) if verbs else None, namespace))

    def grant_only_in(self, resource: Resource, namespaces: Iterable[str]) -> None:
        """RBAC as with RoleBindings in these namespaces and no ClusterRoleBinding: the resource is refused (403)
        everywhere else and across all namespaces, and SelfSubjectAccessReview answers per namespace accordingly."""
        key = self.resolve(resource).key
        with self.faults.lock:
            self.faults.granted_in[key] = frozenset(namespaces)

    def allow(self, resource: Resource | None = None) -> None:
        with self.faults.lock:
            if resource is None:
                self.faults.granted_in.clear()
                self.faults.forbidden.clear()
            else:
                key = self.resolve(resource).key
                self.faults.forbidden = [r for r in self.faults.forbidden if r[0] != key]
                self.faults.granted_in.pop(key, None)

    def empty_watches(self, resource: Resource, on: bool = True) -> None:
        """Every watch on the resource is answered 200 and ends at once without an event."""
        key = self.resolve(resource).key
        with self.faults.lock:
            (self.faults.empty.add if on else self.faults.empty.discard)(key)

    def throttle(self, resource: Resource, retry_after: str | None, status: int = 429) -> None:
        """Every list and watch of the resource is answered `status` with this Retry-After (None: stop)."""
        key = self.resolve(resource).key
        with self.faults.lock:
            if retry_after is None:
                self.faults.throttled.pop(key, None)
            else:
                self.faults.throttled[key] = (status, retry_after)

    def trickle_watches(self, resource: Resource, every_s: float | None) -> None:
        """Watches on the resource send one byte every `every_s` seconds and never complete a line (None: stop)."""
        key = self.resolve(resource).key
        with self.faults.lock:
            if every_s is None:
                self.faults.trickle.pop(key, None)
            else:
                self.faults.trickle[key] = every_s

    def expire_next_watch(self, resource: Resource, times: int = 1) -> None:
        """The next `times` watches on the resource are answered with an ERROR 410 Expired event."""
        key = self.resolve(resource).key
        with self.faults.lock:
            self.faults.expiries[key] = self.faults.expiries.get(key, 0) + times

    # --- observation ----------------------------------------------------------------------------------------------

    def requests(
        self,
        method: str | None = None,
        path: str | None = None,
        verb: str | None = None,
        path_prefix: str | None = None,
    ) -> list[RecordedRequest]:
        return self.request_log.entries(method, path, verb, path_prefix)

    def open_watches(self, resource: Resource | None = None) -> int:
        return len(self.store.watchers(self.resolve(resource).key if resource is not None else None))

    def wait_for_watches(self, resource: Resource, count: int = 1, timeout: float = 5.0) -> None:
        key = self.resolve(resource).key
        deadline = time.monotonic() + timeout
        while len(self.store.watchers(key)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {count} watch(es) on {key}, have {len(self.store.watchers(key))}")
            time.sleep(0.02)

    def proxy_service(self, namespace: str, service: str, upstream: str) -> None:
        """Serve /api/v1/namespaces/NS/services/SERVICE/proxy/... by relaying to `upstream` (http://host:port)."""
        self.service_proxies[(namespace, service)] = upstream.rstrip("/")

    # --- client configuration -------------------------------------------------------------------------------------

    def write_kubeconfig(
        self,
        path: str | Path,
        *,
        namespace: str | None = None,
        context: str = "standin",
        extra_contexts: Mapping[str, str] | None = None,
        insecure: bool = False,
        user: Mapping[str, object] | None = None,
    ) -> Path:
        return write_kubeconfig(
            Path(path),
            self.url,
            token=self.token,
            namespace=namespace,
            context=context,
            extra_contexts=extra_contexts,
            insecure=insecure,
            user=user,
        )

    def client_configuration(self) -> Any:
        from kubernetes import client

        cfg = client.Configuration()
        cfg.host = self.url
        if self.token:
            cfg.api_key = {"authorization": self.token}
            cfg.api_key_prefix = {"authorization": "Bearer"}
        return cfg


def standin_node() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "standin-node", "labels": {"kubernetes.io/hostname": "standin-node"}},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
            "allocatable": {"cpu": "2", "memory": "8Gi", "pods": "110"},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "standin-boot",
                "containerRuntimeVersion": "containerd://2.0.0",
                "kernelVersion": "6.1.0",
                "kubeProxyVersion": "v1.33.4",
                "kubeletVersion": "v1.33.4",
                "machineID": "standin-machine",
                "operatingSystem": "linux",
                "osImage": "stand-in",
                "systemUUID": "standin-node",
            },
        },
    }


__all__ = ["DEFAULT_USER", "FAKE_TOKEN", "ApiServer", "RecordedRequest", "errors"]
