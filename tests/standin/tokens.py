"""Bearer tokens that expire, as an exec plugin or an OIDC issuer hands them out and an API server enforces them.

A plugin token is `cs.<expiry in ms>.<serial>.<mac>`; an id-token is a JWT signed HS256. The stand-in checks either
with the shared secret and refuses the token (401) from its expiry on. The plugin (tests/creds/plugin.py) runs in
its own process and needs nothing else; the issuer (tests/creds/idp.py) signs with `issue_jwt`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable

PREFIX = "cs"


def mac(secret: str, expiry_ms: int, serial: str) -> str:
    return hmac.new(secret.encode(), f"{expiry_ms}.{serial}".encode(), hashlib.sha256).hexdigest()[:32]


def make_token(secret: str, expiry_ms: int, serial: str) -> str:
    return f"{PREFIX}.{expiry_ms}.{serial}.{mac(secret, expiry_ms, serial)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class TokenBook:
    """Accepts the tokens signed with `secret` until they expire; counts what it refused, and why."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.clock = clock
        self._lock = threading.Lock()
        self.expired = 0
        self.invalid = 0
        self.accepted: set[str] = set()
        self.serial = 0

    def accepts(self, header: str | None) -> bool:
        token = header[7:] if header and header.startswith("Bearer ") else ""
        expiry = self._expiry(token)
        with self._lock:
            if expiry is None:
                self.invalid += 1
                return False
            if self.clock() * 1000 >= expiry:
                self.expired += 1
                return False
            self.accepted.add(token)
            return True

    def _expiry(self, token: str) -> int | None:
        """When the token expires (ms since the epoch), None when it was not signed with the secret."""
        if token.count(".") == 2:
            signed, _, signature = token.rpartition(".")
            expected = _b64(hmac.new(self.secret.encode(), signed.encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(expected, signature):
                return None
            claims = json.loads(base64.urlsafe_b64decode(signed.split(".")[1] + "=="))
            return int(claims["exp"] * 1000)
        prefix, _, rest = token.partition(".")
        expiry, _, rest = rest.partition(".")
        serial, _, signature = rest.partition(".")
        if prefix != PREFIX or not expiry.isdigit():
            return None
        return int(expiry) if hmac.compare_digest(signature, mac(self.secret, int(expiry), serial)) else None

    def outlived(self) -> bool:
        """Every token accepted so far has expired: the next request with any of them is refused."""
        with self._lock:
            accepted = list(self.accepted)
        return all(self.clock() * 1000 >= (self._expiry(t) or 0) for t in accepted)

    def issue(self, lifetime_s: float, serial: str = "local") -> str:
        return make_token(self.secret, int((self.clock() + lifetime_s) * 1000), serial)

    def issue_jwt(self, lifetime_s: float, subject: str = "sre@example.com") -> str:
        with self._lock:
            self.serial += 1
            serial = self.serial
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"iss": "standin-idp", "sub": subject, "exp": int(self.clock() + lifetime_s), "n": serial}
        signed = f"{header}.{_b64(json.dumps(claims).encode())}"
        return f"{signed}.{_b64(hmac.new(self.secret.encode(), signed.encode(), hashlib.sha256).digest())}"
