"""The lab's mesh emulator: ingress-nginx, the mesh's proxies and the examiner pods in one process.

* An HTTP ingress on 127.0.0.1 routes each request by the cluster's Ingress rules (and an NGINX canary Ingress's
  annotations) to a Service, applies that Service's router (a TrafficSplit as Linkerd does, a VirtualService as
  Istio does, an HTTPRoute as a Gateway API mesh does: weights, header matches and mirrors) and answers as
  examiner would from the chosen Deployment's pod template env: ECHO_VALUE as the body, SERVER_ERROR_RATE,
  REQUEST_DELAY and the `status`/`delay` query parameters (tui.sim.examiner holds those rules). A mirrored
  copy is answered by the mirror's Deployment in the background and counted in its metrics only.
* A metrics endpoint exports, for Prometheus to scrape: Linkerd's inbound `response_total` and
  `response_latency_ms` for each Linkerd-meshed pod (namespace or pod template annotated linkerd.io/inject:
  enabled), Istio's `istio_requests_total` and `istio_request_duration_milliseconds` for each Istio-meshed pod
  (namespace labelled istio-injection=enabled), the app's own `http_request_duration_seconds` for every pod and
  ingress-nginx's request series (tui.lab.provider_metrics).

The picture of the cluster comes from watches (Namespaces, Ingresses, Services, TrafficSplits, HTTPRoutes,
VirtualServices when Istio's CRDs are installed, Deployments), so a weight Flagger writes applies to the next
request. The env is the Deployment's current template: during a rollout
of the primary the new version answers a moment before its pod would be ready.

    python -m tui.lab.mesh --kubeconfig KUBECONFIG --ingress-port PORT --metrics-port PORT
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tui.cluster.watch_loop import WatchLoop, WatchSpec
from tui.domain.observations import HealthObserved
from tui.lab.linkerd_metrics import InboundMetrics, Pod
from tui.lab.provider_metrics import ProviderMetrics
from tui.lab.provider_routes import Request
from tui.lab.routing import Backend, IngressPath, Topology, Workload
from tui.sim.examiner import decide_delay_ms, decide_status
from tui.sources.mailbox import Mailbox

HOST = "127.0.0.1"
MAX_IN_FLIGHT = 256
MAX_BODY_BYTES = 1 << 20
READ_TIMEOUT_S = 60.0
HEALTH_UP = '{"status":"UP","checks":[]}'
MAX_HEADERS = 64


def pod_of(workload: Workload) -> Pod:
    return Pod(workload.namespace, workload.name, workload.pod, workload.template_hash)


class Mesh:
    """The watched cluster picture, the counters and the request handling shared by the two servers."""

    def __init__(
        self, api_client: Any, rng: random.Random, *, log: Callable[[str], None] = print, istio: bool = False
    ) -> None:
        self.api_client = api_client
        self.istio = istio  # watch VirtualServices (only when Istio's CRDs are installed)
        self.rng = rng
        self.log = log
        self.topology = Topology()
        self.metrics = InboundMetrics()
        self.provider_metrics = ProviderMetrics()
        self.stop = threading.Event()
        self.emitter = Mailbox()
        self.synced: set[str] = set()
        self.loops: list[WatchLoop] = []
        self._slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self._rng_lock = threading.Lock()

    # --- watches -------------------------------------------------------------------------------------------

    def watch_specs(self) -> list[tuple[str, WatchSpec]]:
        from kubernetes import client

        core = client.CoreV1Api(self.api_client)
        apps = client.AppsV1Api(self.api_client)
        net = client.NetworkingV1Api(self.api_client)
        custom = client.CustomObjectsApi(self.api_client)
        splits = functools.partial(custom.list_cluster_custom_object, "split.smi-spec.io", "v1alpha1", "trafficsplits")
        routes = functools.partial(custom.list_cluster_custom_object, "gateway.networking.k8s.io", "v1", "httproutes")
        calls = [
            ("Namespace", "namespaces", "v1", core.list_namespace),
            ("Ingress", "ingresses", "networking.k8s.io/v1", net.list_ingress_for_all_namespaces),
            ("Service", "services", "v1", core.list_service_for_all_namespaces),
            ("TrafficSplit", "trafficsplits", "split.smi-spec.io/v1alpha1", splits),
            ("HTTPRoute", "httproutes", "gateway.networking.k8s.io/v1", routes),
            ("Deployment", "deployments", "apps/v1", apps.list_deployment_for_all_namespaces),
            ("DaemonSet", "daemonsets", "apps/v1", apps.list_daemon_set_for_all_namespaces),
        ]
        if self.istio:
            group = "networking.istio.io"
            services = functools.partial(custom.list_cluster_custom_object, group, "v1beta1", "virtualservices")
            calls.append(("VirtualService", "virtualservices", f"{group}/v1beta1", services))
        return [
            (kind, WatchSpec(plural, f"list {plural}", f"{group} is not served", call))
            for kind, plural, group, call in calls
        ]

    def start(self) -> None:
        for kind, spec in self.watch_specs():
            loop = WatchLoop(
                spec,
                self.emitter,
                functools.partial(self._listed, kind),
                functools.partial(self._changed, kind),
                self.stop,
                read_timeout_s=READ_TIMEOUT_S,
            )
            self.loops.append(loop)
            threading.Thread(target=loop.run, name=f"watch-{kind}", daemon=True).start()
        threading.Thread(target=self._report_health, name="health", daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        for loop in self.loops:
            loop.close()

    @property
    def ready(self) -> bool:
        return len(self.synced) == len(self.loops) > 0

    def _listed(self, kind: str, items: list[dict[str, Any]]) -> None:
        self.topology.replace_all(kind, items)
        self.synced.add(kind)
        if kind in ("Deployment", "DaemonSet", "Namespace", "Ingress"):
            self._prepare()

    def _changed(self, kind: str, event: str, obj: dict[str, Any]) -> None:
        if event == "DELETED":
            self.topology.remove(kind, obj)
        else:
            self.topology.put(kind, obj)
        if kind in ("Deployment", "DaemonSet", "Namespace", "Ingress"):
            self._prepare()

    def _prepare(self) -> None:
        for workload in self.topology.workloads():
            if workload.ready and self.topology.meshed(workload):
                self.metrics.prepare(pod_of(workload))
            if workload.ready:
                istio = self.topology.istio_meshed(workload)
                self.provider_metrics.prepare_workload(workload.namespace, workload.name, workload.template_hash, istio)
        for canary in self.topology.canary_paths():
            main = canary.ingress.removesuffix("-canary")
            self.provider_metrics.prepare_ingress(canary.namespace, main, canary.service, upstream(canary))

    def _report_health(self) -> None:
        while not self.stop.wait(1.0):
            for observation in self.emitter.drain():
                if isinstance(observation, HealthObserved):
                    h = observation.health
                    self.log(f"watch {h.source}: {h.state.value} {h.detail}".rstrip())

    # --- requests ------------------------------------------------------------------------------------------

    def pick(self, choices: Sequence[tuple[str, float]]) -> str:
        with self._rng_lock:
            return self.rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]

    def draw(self) -> float:
        with self._rng_lock:
            return self.rng.random()

    def serve(
        self, method: str, host: str, target: str, headers: Sequence[tuple[str, str]] = ()
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request through the ingress: (status, headers, body)."""
        parts = urlsplit(target)
        path = parts.path or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        request = Request(path, {name.lower(): value for name, value in list(headers)[:MAX_HEADERS]}, method, query)
        route = self.topology.route(host.rsplit(":", 1)[0].lower(), path)
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"default backend - 404"
        main, canary = route, self.topology.canary_path(route)
        if canary is not None and canary.canary is not None and canary.canary.takes(request, self.draw):
            route = canary
        backend = self.topology.backend(route.namespace, route.service, self.pick, request)
        if backend is None:
            return 503, {"Content-Type": "text/plain"}, b"no healthy endpoints"
        if not self._slots.acquire(blocking=False):
            return 503, {"Content-Type": "text/plain"}, b"too many requests in flight"
        try:
            if backend.mirror is not None and self.draw() * 100 < backend.mirror_percent:
                self._mirror(method, path, query, backend.mirror)
            started = time.monotonic()
            answer = self._examine(method, path, query, backend)
            self._observe(main, route, backend, answer[0], (time.monotonic() - started) * 1000)
            return answer
        finally:
            self._slots.release()

    def _mirror(self, method: str, path: str, query: dict[str, str], backend: Backend) -> None:
        """Send the mirror its copy without waiting for it, as the proxy does; the copy's answer only shows in the
        mirror's metrics. Dropped when every slot is taken."""
        if not self._slots.acquire(blocking=False):
            return

        def copy() -> None:
            try:
                started = time.monotonic()
                status = self._examine(method, path, query, backend)[0]
                self._observe_workload(backend.workload, status, (time.monotonic() - started) * 1000)
            finally:
                self._slots.release()

        threading.Thread(target=copy, name="mirror", daemon=True).start()

    def _observe_workload(self, workload: Workload, status: int, ms: float) -> None:
        if self.topology.meshed(workload):
            self.metrics.observe(pod_of(workload), status, ms)
        istio = self.topology.istio_meshed(workload)
        self.provider_metrics.observe_workload(
            workload.namespace, workload.name, workload.template_hash, istio, status, ms
        )

    def _observe(self, main: IngressPath, route: IngressPath, backend: Backend, status: int, ms: float) -> None:
        self._observe_workload(backend.workload, status, ms)
        served_by_canary = upstream(route) if route is not main else ""
        self.provider_metrics.observe_ingress(main.namespace, main.ingress, route.service, served_by_canary, status, ms)

    def _examine(
        self, method: str, path: str, query: dict[str, str], backend: Backend
    ) -> tuple[int, dict[str, str], bytes]:
        """What examiner 1.9 answers (the inbound proxy's latency is measured around this)."""
        env = backend.workload.env
        if method in ("GET", "HEAD") and path in ("/.well-known/live", "/.well-known/ready"):
            return 200, {"Content-Type": "application/json"}, HEALTH_UP.encode()
        if method in ("GET", "HEAD") and path == "/":
            return 301, {"Location": "examine"}, b""
        examine = method in ("GET", "HEAD") and (path == "/examine" or path.startswith("/examine/"))
        if not examine and method not in ("POST", "PUT", "PATCH"):
            return 404, {}, b""
        with self._rng_lock:
            status = decide_status(env, query, self.rng)
            delay_ms = decide_delay_ms(env, query, self.rng)
        if delay_ms:
            self.stop.wait(delay_ms / 1000)
        body = env.get("ECHO_VALUE", " ").strip().encode() if examine else b""
        return status, {"Content-Type": "text/plain;charset=UTF-8"}, body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], mesh: Mesh) -> None:
        self.mesh = mesh
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log: under load it would grow without bound

    def _read_body(self) -> bool:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True  # not read here, so the connection cannot carry another request
            self._send(411, {}, b"")
            return False
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length else 0
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY_BYTES:
            self._send(413, {}, b"")
            self.close_connection = True
            return False
        remaining = size
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                return False
            remaining -= len(chunk)
        return True

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class IngressHandler(_Handler):
    def _any(self) -> None:
        if not self._read_body():
            return
        mesh = self.server.mesh
        status, headers, body = mesh.serve(self.command, self.headers.get("Host", ""), self.path, self.headers.items())
        self._send(status, headers, body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any


class MetricsHandler(_Handler):
    def do_GET(self) -> None:
        mesh = self.server.mesh
        if self.path.startswith("/metrics"):
            text = mesh.metrics.exposition() + mesh.provider_metrics.exposition()
            self._send(200, {"Content-Type": "text/plain; version=0.0.4"}, text.encode())
        elif self.path.startswith("/healthz"):
            if mesh.ready:
                self._send(200, {"Content-Type": "text/plain"}, b"ok")
            else:
                self._send(503, {"Content-Type": "text/plain"}, b"watches not synced yet")
        else:
            self._send(404, {}, b"")


def upstream(path: IngressPath) -> str:
    """ingress-nginx's name for the upstream of an Ingress path: `<namespace>-<service>-<port>`."""
    return f"{path.namespace}-{path.service}-{path.port if path.port is not None else 80}"


def serve(port: int, handler: type[BaseHTTPRequestHandler], mesh: Mesh, host: str = HOST) -> _Server:
    server = _Server((host, port), handler, mesh)
    threading.Thread(target=server.serve_forever, name=f"http-{port}", daemon=True).start()
    return server


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.lab.mesh", description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--ingress-port", type=_port, required=True)
    parser.add_argument("--metrics-port", type=_port, required=True)
    parser.add_argument("--seed", type=int, default=None, help="random seed for routing and error rates")
    parser.add_argument("--istio", action="store_true", help="also route by VirtualServices (Istio's CRDs installed)")
    args = parser.parse_args(argv)
    from kubernetes import config

    api = config.new_client_from_config(config_file=args.kubeconfig)
    mesh = Mesh(api, random.Random(args.seed), log=lambda line: print(line, flush=True), istio=args.istio)
    signal.signal(signal.SIGTERM, lambda *_: mesh.stop.set())
    servers = [serve(args.ingress_port, IngressHandler, mesh), serve(args.metrics_port, MetricsHandler, mesh)]
    mesh.start()
    print(f"mesh: ingress http://{HOST}:{args.ingress_port}, metrics http://{HOST}:{args.metrics_port}", flush=True)
    try:
        while not mesh.stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    mesh.close()
    for server in servers:
        with contextlib.suppress(Exception):
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
