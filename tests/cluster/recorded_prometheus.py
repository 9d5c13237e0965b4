"""A Prometheus HTTP API that answers canaryscope's three queries from a recording's metric samples.

It keeps to the rows the query's `namespace` and `deployment` matchers select (`=` and `=~`, as Linkerd's queries
have them), and answers a range query with the current value at every step.

The real Prometheus path is proven elsewhere (test_prometheus_source.py); a replay needs the recorded values
at the recorded moments, which a scraping Prometheus cannot give back exactly.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections import deque
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
        # ("query" or "query_range", rows answered), the latest last.
        self.requests: deque[tuple[str, int]] = deque(maxlen=10_000)
        self._since: dict[tuple[str, str], float] = {}  # when each deployment was first given a value
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
                params = parse_qs(url.query)
                query = params.get("query", [""])[0]
                if url.path.endswith("/query_range"):
                    start, end, step = (float(params[name][0].rstrip("s")) for name in ("start", "end", "step"))
                    answer = owner.answer_range(query, start, end, step)
                else:
                    answer = owner.answer(query)
                with owner._lock:
                    owner.requests.append((url.path.rsplit("/", 1)[-1], len(answer["data"]["result"])))
                body = json.dumps(answer).encode()
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
                key = (sample["namespace"], sample["deployment"])
                self._samples[key] = {**sample, "t": t}
                self._since.setdefault(key, t)

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
                if sample.get(field) is not None and _selected(query, ns, dep)
            ]
        return {"status": "success", "data": {"resultType": "vector", "result": result}}

    def answer_range(self, query: str, start: float, end: float, step: float) -> dict[str, Any]:
        """Every step from start to end (both included) since the deployment was first given a value, each with the
        value an instant query gives now."""
        result = []
        for row in self.answer(query)["data"]["result"]:
            metric = row["metric"]
            since = self._since.get((metric["namespace"], metric["deployment"]), start)
            points, t = [], start
            while t <= end:
                if t >= since:
                    points.append([t, row["value"][1]])
                t += step
            if points:
                result.append({"metric": metric, "values": points})
        return {"status": "success", "data": {"resultType": "matrix", "result": result}}


_MATCHER = re.compile(r'\b(namespace|deployment)(=~|=)"((?:[^"\\]|\\.)*)"')


def _selected(query: str, namespace: str, deployment: str) -> bool:
    """Whether the query's namespace and deployment matchers keep this row (PromQL regexes match whole values)."""
    values = {"namespace": namespace, "deployment": deployment}
    for label, op, quoted in _MATCHER.findall(query):
        value = quoted.replace('\\"', '"').replace("\\\\", "\\")
        if (op == "=" and values[label] != value) or (op == "=~" and not re.fullmatch(value, values[label])):
            return False
    return True
