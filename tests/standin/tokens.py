"""Bearer tokens that expire, as an exec plugin hands them out and an API server enforces them.

A token is `cs.<expiry in ms>.<serial>.<mac>`: the stand-in checks the MAC with the shared secret and refuses the
token (401) from its expiry on. The plugin (tests/creds/plugin.py) runs in its own process and needs nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable

PREFIX = "cs"


def mac(secret: str, expiry_ms: int, serial: str) -> str:
    return hmac.new(secret.encode(), f"{expiry_ms}.{serial}".encode(), hashlib.sha256).hexdigest()[:32]


def make_token(secret: str, expiry_ms: int, serial: str) -> str:
    return f"{PREFIX}.{expiry_ms}.{serial}.{mac(secret, expiry_ms, serial)}"


class TokenBook:
    """Accepts the tokens signed with `secret` until they expire; counts what it refused, and why."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.clock = clock
        self._lock = threading.Lock()
        self.expired = 0
        self.invalid = 0
        self.accepted: set[str] = set()

    def accepts(self, header: str | None) -> bool:
        token = header[7:] if header and header.startswith("Bearer ") else ""
        prefix, _, rest = token.partition(".")
        expiry, _, rest = rest.partition(".")
        serial, _, signature = rest.partition(".")
        with self._lock:
            if (
                prefix != PREFIX
                or not expiry.isdigit()
                or not hmac.compare_digest(signature, mac(self.secret, int(expiry), serial))
            ):
                self.invalid += 1
                return False
            if self.clock() * 1000 >= int(expiry):
                self.expired += 1
                return False
            self.accepted.add(token)
            return True

    def outlived(self) -> bool:
        """Every token accepted so far has expired: the next request with any of them is refused."""
        with self._lock:
            return all(self.clock() * 1000 >= int(t.split(".")[1]) for t in self.accepted)

    def issue(self, lifetime_s: float, serial: str = "local") -> str:
        return make_token(self.secret, int((self.clock() + lifetime_s) * 1000), serial)
