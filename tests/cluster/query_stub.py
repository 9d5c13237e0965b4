"""A small Prometheus query API over HTTP for poller tests: every query is recorded (with its Authorization header)
and answered by the first rule whose text occurs in the query (a value, "nan", "empty", or an HTTP error with
Prometheus's error body); `delay` holds every answer."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class QueryStub:
    def __init__(self) -> None:
        self.rules: list[tuple[str, Any]] = []
        self.default: Any = 1.5
        self.delay = 0.0
        self.slow: list[tuple[str, float]] = []  # (text, seconds): queries holding the text are answered this late
        self.queries: list[tuple[str, str | None]] = []
        self.posted = 0
        self.absent: set[str] = set()  # label values a grouped answer has no series for
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.reply(parse_qs(urlsplit(self.path).query).get("query", [""])[-1])

            def do_POST(self) -> None:
                form = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                stub.posted += 1
                self.reply(parse_qs(form).get("query", [""])[-1])

            def reply(self, query: str) -> None:
                with stub._lock:
                    stub.queries.append((query, self.headers.get("Authorization")))
                delay = stub.delay + sum(seconds for text, seconds in stub.slow if text in query)
                if delay:
                    time.sleep(delay)  # a slow Prometheus, not a wait for anything
                status, body = stub.answer(query)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, query: str) -> tuple[int, dict[str, Any]]:
        outcome = next((o for text, o in self.rules if text in query), self.default)
        if isinstance(outcome, tuple):
            status, error = outcome
            return status, {"status": "error", "errorType": "bad_data", "error": error}
        if outcome == "empty":
            result: list[Any] = []
        else:
            value = [time.time(), "NaN" if outcome == "nan" else str(outcome)]
            found = [labels for labels in groups(query) if not set(labels.values()) & self.absent]
            result = [{"metric": labels, "value": value} for labels in found]
        return 200, {"status": "success", "data": {"resultType": "vector", "result": result}}

    def sent(self) -> list[str]:
        with self._lock:
            return [q for q, _ in self.queries]


def groups(query: str) -> list[dict[str, str]]:
    """The label sets a grouped query's answer has: one per combination of its alternations' values (`l=~"a|b"`
    whose values are plain names); one empty set for any other query."""
    found: list[dict[str, str]] = [{}]
    for label, alternation in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=~"([^"]*)"', query):
        values = [re.sub(r"\\\\(.)", r"\\1", v) for v in alternation.split("|")]
        if len(values) < 2 or len(found) * len(values) > 20_000:
            continue
        found = [{**labels, label: value} for labels in found for value in values]
    return found


@contextmanager
def query_stub() -> Iterator[QueryStub]:
    stub = QueryStub()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.server.shutdown()
        stub.server.server_close()
