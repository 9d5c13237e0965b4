"""An OIDC identity provider for tests: a discovery document and a token endpoint that trades a refresh-token for a
new id-token (signed for tests/standin/tokens.py) and a new refresh-token, over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.standin.tokens import TokenBook


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        idp: IdentityProvider = self.server.idp  # type: ignore[attr-defined]
        if self.path == "/.well-known/openid-configuration":
            return self._json(200, {"issuer": idp.url, "token_endpoint": f"{idp.url}/token"})
        self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        idp: IdentityProvider = self.server.idp  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path != "/token":
            return self._json(404, {"error": "not_found"})
        status, body = idp.refresh(form)
        self._json(status, body)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class IdentityProvider:
    def __init__(self, book: TokenBook, *, lifetime_s: float, client_id: str = "canaryscope") -> None:
        self.book = book
        self.lifetime_s = lifetime_s
        self.client_id = client_id
        self.refresh_token = "refresh-" + secrets.token_hex(8)
        self.refreshes = 0
        self.failing = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.idp = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> IdentityProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if self.failing:
                return 400, {"error": "invalid_grant", "error_description": f"bad {form.get('refresh_token')}"}
            if form.get("grant_type") != "refresh_token" or form.get("client_id") != self.client_id:
                return 400, {"error": "invalid_request"}
            if form.get("refresh_token") != self.refresh_token:
                return 400, {"error": "invalid_grant"}
            self.refreshes += 1
            self.refresh_token = "refresh-" + secrets.token_hex(8)  # rotated: the old one is spent
            return 200, {"id_token": self.book.issue_jwt(self.lifetime_s), "refresh_token": self.refresh_token}

    def user(self, id_token: str) -> dict[str, object]:
        """The kubeconfig user entry of kubectl's oidc auth provider."""
        return {
            "auth-provider": {
                "name": "oidc",
                "config": {
                    "client-id": self.client_id,
                    "client-secret": "oidc-client-secret-NEVER-SHOW",
                    "id-token": id_token,
                    "refresh-token": self.refresh_token,
                    "idp-issuer-url": self.url,
                },
            }
        }
