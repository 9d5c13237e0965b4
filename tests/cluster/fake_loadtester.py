"""An HTTP server speaking flagger-loadtester's gate API, with its in-memory semantics: gates start closed, all
/gate/* hooks of one canary share the key `<name>.<namespace>`, rollback gates use `rollback.<name>.<namespace>`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeLoadtester:
    def __init__(self) -> None:
        self.open: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    payload = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    payload = {}
                status, text = owner.handle(self.path, payload if isinstance(payload, dict) else {})
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeLoadtester:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handle(self, path: str, payload: dict[str, Any]) -> tuple[int, str]:
        name, namespace = payload.get("name"), payload.get("namespace")
        with self._lock:
            self.calls.append((path, payload))
            if not name or not namespace:
                return 400, "Error: name or namespace not found in payload"
            gate, rollback = f"{name}.{namespace}", f"rollback.{name}.{namespace}"
            actions = {
                "/gate/open": (self.open.add, gate),
                "/gate/close": (self.open.discard, gate),
                "/rollback/open": (self.open.add, rollback),
                "/rollback/close": (self.open.discard, rollback),
            }
            if path in actions:
                do, key = actions[path]
                do(key)
                return 202, "Accepted"
            if path == "/gate/check":
                return (200, "Approved") if gate in self.open else (403, "Forbidden")
            if path == "/rollback/check":
                return (200, "Approved") if rollback in self.open else (403, "Forbidden")
            if path == "/gate/approve":
                return 200, "OK"
            if path == "/gate/halt":
                return 403, "Forbidden"
        return 404, "404 page not found"

    def paths(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.calls]
