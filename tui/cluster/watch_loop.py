"""List, then watch from the list's resourceVersion with bookmarks; re-list on 410; reconnect with backoff.

A client-side read timeout catches connections that go silent (NAT, sleep, a dead proxy); the server-side
timeout is shorter, so a healthy watch ends politely before the read timeout ever fires.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.cluster.emitter import FAST_CAP_S, Backoff, Emitter
from tui.cluster.http import Gone, HttpProblem, ListCall, check, get_json, stream_lines
from tui.model import Health

DEFAULT_READ_TIMEOUT_S = 45.0
CONNECT_TIMEOUT_S = 5.0


@dataclass
class WatchSpec:
    source: str  # health line name, e.g. "canaries"
    resource: str  # what is listed and watched, for forbidden messages: "canaries.flagger.app in apps"
    missing: str  # what is not installed when the API answers 404
    call: ListCall
    kwargs: dict[str, Any] = field(default_factory=dict)


class WatchLoop:
    def __init__(
        self,
        spec: WatchSpec,
        emitter: Emitter,
        on_list: Callable[[list[dict[str, Any]]], None],
        on_event: Callable[[str, dict[str, Any]], None],
        stop: threading.Event,
        *,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.spec = spec
        self.emitter = emitter
        self.on_list = on_list
        self.on_event = on_event
        self.stop = stop
        self.read_timeout_s = read_timeout_s
        self.rand = rand
        self.backoff = Backoff(fast_cap=FAST_CAP_S)
        self.resource_version: str | None = None
        self._resp: Any = None
        self._lock = threading.Lock()
        self.relists = 0
        self.verb = "list"
        self._emptied = False

    def close(self) -> None:
        """Unblock a thread waiting on the stream (called from another thread on shutdown)."""
        with self._lock:
            resp = self._resp
        if resp is not None:
            shutdown = getattr(resp, "shutdown", None)
            # The socket may already be gone.
            with contextlib.suppress(Exception):
                (shutdown or resp.close)()

    def run(self) -> None:
        import urllib3.exceptions
        from kubernetes.client.exceptions import ApiException

        self.emitter.health(self.spec.source, Health.CONNECTING)
        while not self.stop.is_set():
            try:
                if self.resource_version is None:
                    self._list()
                self._watch()
                self.backoff.reset()
            except Gone:
                self.resource_version = None
            except (HttpProblem, ApiException) as exc:
                status = getattr(exc, "status", 0) or 0
                if status == 410:
                    self.resource_version = None
                    continue
                self._problem(status, str(getattr(exc, "reason", exc)))
            except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
                if self.stop.is_set():
                    break
                if isinstance(exc, urllib3.exceptions.ReadTimeoutError) and self.backoff.attempt == 0:
                    # Silent for a whole read timeout: reconnect at once; it only counts if it happens again.
                    self.backoff.attempt = 1
                    continue
                self._retry(_describe_transport(exc))
            except Exception as exc:  # a bug must show and be retried, not end this watch and leave stale data
                if self.stop.is_set():
                    break
                self.resource_version = None
                self._retry(f"internal error: {exc.__class__.__name__}")

    def _problem(self, status: int, reason: str) -> None:
        if status == 403:
            # RBAC grants list and watch separately: name the verb that was refused.
            self.emitter.health(self.spec.source, Health.FORBIDDEN, f"cannot {self.verb} {self.spec.resource}")
            self._sleep(self.backoff.next_delay(self.rand) * 4)
        elif status == 404:
            self.emitter.health(self.spec.source, Health.NOT_INSTALLED, self.spec.missing)
            self.resource_version = None
            if not self._emptied:
                # Removed while watched (a CRD uninstalled): its objects are gone too, not merely unseen.
                self._emptied = True
                self.on_list([])
            self._sleep(self.backoff.next_delay(self.rand) * 4)
        elif status == 401:
            self.emitter.health(self.spec.source, Health.FORBIDDEN, "unauthorized: the credentials were refused")
            self._sleep(self.backoff.next_delay(self.rand) * 4)
        else:
            self._retry(f"HTTP {status}: {reason}"[:200])

    def _retry(self, why: str) -> None:
        delay = self.backoff.next_delay(self.rand)
        self.emitter.health(self.spec.source, Health.RECONNECTING, why, self.backoff.attempt)
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        self.stop.wait(seconds)

    def _list(self) -> None:
        self.verb = "list"
        document = get_json(self.spec.call, **self.spec.kwargs, _request_timeout=(CONNECT_TIMEOUT_S, 30))
        items = [item for item in document.get("items") or [] if isinstance(item, dict)]
        kind = str(document.get("kind", ""))
        api_version = document.get("apiVersion")
        for item in items:
            # List items omit kind/apiVersion; parsers want them.
            item.setdefault("kind", kind[:-4] if kind.endswith("List") else kind)
            if api_version:
                item.setdefault("apiVersion", api_version)
        meta = document.get("metadata")
        self.resource_version = str((meta if isinstance(meta, dict) else {}).get("resourceVersion") or "") or None
        self.relists += 1
        self._emptied = False
        self.on_list(items)
        self.emitter.health(self.spec.source, Health.CONNECTED)
        self.backoff.reset()

    def _watch(self) -> None:
        self.verb = "watch"
        server_timeout = max(5, int(self.read_timeout_s) - 10)
        resp = self.spec.call(
            **self.spec.kwargs,
            watch=True,
            resource_version=self.resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=server_timeout,
            _preload_content=False,
            _request_timeout=(CONNECT_TIMEOUT_S, self.read_timeout_s),
        )
        with self._lock:
            self._resp = resp
        try:
            check(resp)
            self.emitter.health(self.spec.source, Health.CONNECTED)
            for line in stream_lines(resp):
                if self.stop.is_set():
                    return
                if not line.strip():
                    continue
                self._handle(json.loads(line))
        finally:
            with self._lock:
                self._resp = None
            with contextlib.suppress(Exception):
                resp.release_conn()

    def _handle(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        obj = event.get("object")
        if not isinstance(obj, dict):
            return
        if kind == "ERROR":
            code = obj.get("code")
            if code == 410:
                raise Gone(str(obj.get("message", "")))
            raise HttpProblem(int(code or 0), str(obj.get("message") or obj.get("reason") or "watch error"))
        meta = obj.get("metadata")
        version = meta.get("resourceVersion") if isinstance(meta, dict) else None
        if version:
            self.resource_version = str(version)
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            self.on_event(kind, obj)


def _describe_transport(exc: BaseException) -> str:
    import urllib3.exceptions

    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return "no data within the read timeout"
    if isinstance(exc, urllib3.exceptions.MaxRetryError):
        reason = exc.reason
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return "connection refused"
        return f"cannot connect ({reason.__class__.__name__})" if reason else "cannot connect"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return "connection dropped"
    if isinstance(exc, ValueError):
        return "malformed answer from the API server"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return "cannot connect"


describe_transport = _describe_transport  # also for discovery, before any watch runs
