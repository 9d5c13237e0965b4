"""A misbehaving proxy: every request gets 401, with the Authorization header it carried echoed back in the reason
phrase and in the body (as some proxies and gateways do), so a test can see whether the echo reaches the screen."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class EchoProxy:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                credential = self.headers.get("Authorization") or "none"
                with owner._lock:
                    owner.seen.append(credential)
                body = json.dumps(
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "message": f"credential {credential} was rejected",
                        "reason": "Unauthorized",
                        "code": 401,
                    }
                ).encode()
                self.send_response(401, f"Unauthorized ({credential})")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> EchoProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def echoed(self) -> list[str]:
        with self._lock:
            return list(self.seen)
