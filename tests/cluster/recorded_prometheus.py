"""A Prometheus HTTP API that answers canaryscope's three queries from a recording's metric samples.

The real Prometheus path is proven elsewhere (test_prometheus_source.py); a replay needs the recorded values
at the recorded moments, which a scraping Prometheus cannot give back exactly.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A poller that ends (its process stopped at the end of a run) resets the connection it kept open: that is
        # the client leaving, not an error to print.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class RecordedPrometheus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: dict[tuple[str, str], dict[str, Any]] = {}
        # The threads that served a connection, to tell when this server's clients have all gone.
        self.connection_threads: list[threading.Thread] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            # Keeps connections open between queries, as Prometheus does: a poller's cost is its queries, not a
            # new connection for each.
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                with owner._lock:
                    owner.connection_threads.append(threading.current_thread())
                super().setup()

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query).get("query", [""])[0]
                body = json.dumps(owner.answer(query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> RecordedPrometheus:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def set_samples(self, t: float, samples: list[dict[str, Any]]) -> None:
        """The values Prometheus answers from now on, evaluated at the recorded time `t`."""
        with self._lock:
            for sample in samples:
                self._samples[(sample["namespace"], sample["deployment"])] = {**sample, "t": t}

    def answer(self, query: str) -> dict[str, Any]:
        if "histogram_quantile" in query:
            field = "p99_ms"
        elif 'classification!="failure"' in query:
            field = "success_rate"
        else:
            field = "rps"
        with self._lock:
            result = [
                {"metric": {"namespace": ns, "deployment": dep}, "value": [sample["t"], repr(float(sample[field]))]}
                for (ns, dep), sample in sorted(self._samples.items())
                if sample.get(field) is not None
            ]
        return {"status": "success", "data": {"resultType": "vector", "result": result}}
