"""flagger-loadtester's gate API, in memory: gates start closed; all /gate/* hooks of a canary share a key."""

from __future__ import annotations

from urllib.parse import urlsplit


class SimLoadtester:
    def __init__(self) -> None:
        self._open: set[str] = set()

    @staticmethod
    def gate_key(name: str, namespace: str) -> str:
        return f"{name}.{namespace}"

    @staticmethod
    def rollback_key(name: str, namespace: str) -> str:
        return f"rollback.{name}.{namespace}"

    def set_gate(self, name: str, namespace: str, is_open: bool) -> None:
        self._set(self.gate_key(name, namespace), is_open)

    def set_rollback(self, name: str, namespace: str, is_open: bool) -> None:
        self._set(self.rollback_key(name, namespace), is_open)

    def _set(self, key: str, is_open: bool) -> None:
        if is_open:
            self._open.add(key)
        else:
            self._open.discard(key)

    def gate_open(self, name: str, namespace: str) -> bool:
        return self.gate_key(name, namespace) in self._open

    def rollback_open(self, name: str, namespace: str) -> bool:
        return self.rollback_key(name, namespace) in self._open

    def call(self, url: str, name: str, namespace: str) -> tuple[int, str]:
        """What a hook POST to `url` answers: (status, body). Success is status <= 202."""
        path = urlsplit(url).path
        if path == "/gate/approve":
            return 200, "OK"
        if path == "/gate/halt":
            return 403, "Forbidden"
        if path == "/gate/check":
            return (200, "Approved") if self.gate_open(name, namespace) else (403, "Forbidden")
        if path == "/rollback/check":
            return (200, "Approved") if self.rollback_open(name, namespace) else (403, "Forbidden")
        return 404, "404 page not found"
