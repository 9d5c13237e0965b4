"""Series for a real Prometheus to scrape, for every canary of a bench fleet: counters that grow at a steady rate.

- Linkerd's (Flagger's builtin checks, for the primary and the canary Deployment): `response_total` and
  `response_latency_ms_bucket`, inbound, labelled `namespace` and `deployment` as the Linkerd proxy's are after
  relabelling.
- The app's own (what the custom checks ask, canary Deployment only): `http_requests_total` by `status` and
  `http_request_duration_seconds_bucket`.

Each Deployment has its own request rate (seeded), 1 % of requests fail and the latency histogram's shape is
fixed, so a `rate()` over any window answers the same value whether asked per canary or grouped by deployment.
"""

from __future__ import annotations

import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.cluster import CanaryRef

ERROR_SHARE = 0.01
# Cumulative shares of requests at or under each bucket's bound (le), the last one every request.
LINKERD_BUCKETS = (("100", 0.6), ("500", 0.995), ("+Inf", 1.0))
APP_BUCKETS = (("0.1", 0.6), ("0.5", 0.995), ("+Inf", 1.0))


class CheckExporter:
    """`/metrics` in the Prometheus text format on 127.0.0.1 (a free port); `target` is what a scrape config names."""

    def __init__(self, refs: list[CanaryRef], seed: int = 1) -> None:
        rng = random.Random(seed)
        # (namespace, deployment, requests per second, the canary's own app series too)
        self.deployments = [
            (ref.namespace, name, 5.0 + rng.random() * 5.0, name == ref.name)
            for ref in refs
            for name in (ref.name, f"{ref.name}-primary")
        ]
        self.started = time.time()
        self.scrapes = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="check-exporter", daemon=True)

    @property
    def target(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> CheckExporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5.0)

    def requests(self, rate: float, at: float) -> float:
        """A Deployment's request counter at wall-clock time `at`."""
        return rate * max(0.0, at - self.started)

    def render(self, at: float | None = None) -> bytes:
        now = time.time() if at is None else at
        lines = [
            "# TYPE response_total counter",
            "# TYPE response_latency_ms_bucket counter",
            "# TYPE http_requests_total counter",
            "# TYPE http_request_duration_seconds_bucket counter",
        ]
        for namespace, deployment, rate, app in self.deployments:
            total = self.requests(rate, now)
            failed = total * ERROR_SHARE
            labels = f'namespace="{namespace}",deployment="{deployment}"'
            inbound = f'direction="inbound",{labels}'
            lines.append(f'response_total{{{inbound},classification="success"}} {total - failed:.3f}')
            lines.append(f'response_total{{{inbound},classification="failure"}} {failed:.3f}')
            lines += [f'response_latency_ms_bucket{{{inbound},le="{le}"}} {total * s:.3f}' for le, s in LINKERD_BUCKETS]
            if app:
                lines.append(f'http_requests_total{{{labels},status="200"}} {total - failed:.3f}')
                lines.append(f'http_requests_total{{{labels},status="500"}} {failed:.3f}')
                lines += [
                    f'http_request_duration_seconds_bucket{{{labels},le="{le}"}} {total * s:.3f}'
                    for le, s in APP_BUCKETS
                ]
        return ("\n".join(lines) + "\n").encode()

    def served(self) -> None:
        self.scrapes += 1


def _handler(exporter: CheckExporter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = exporter.render()
            exporter.served()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
