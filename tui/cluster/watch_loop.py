"""List, then watch from the list's resourceVersion with bookmarks; re-list on 410; reconnect with backoff.

A client-side read timeout catches connections that go silent (NAT, sleep, a dead proxy); the server-side
timeout is shorter, so a healthy watch ends politely before the read timeout ever fires. A server that keeps
the connection busy without completing a line, or that ends every watch at once, or answers every watch with
410, is backed off from like an outage and counted on the health line: the loop never hammers the API server.

A server that was out of reach may come back with another store (restored or rebuilt, its resourceVersions lower):
resuming a watch there would wait for a resourceVersion it has never seen, so the loop lists again after an outage,
and on "Too large resource version" (504 with cause ResourceVersionTooLarge), as on 410.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.cluster.backoff import FAST_CAP_S, Backoff
from tui.cluster.connect_errors import describe_transport
from tui.cluster.credentials import CredentialsProblem, credentials_of
from tui.cluster.http import Gone, HttpProblem, ListCall, StalledStream, check, get_json, stream_lines
from tui.domain.model import Health
from tui.sources.mailbox import Mailbox

DEFAULT_READ_TIMEOUT_S = 45.0
CONNECT_TIMEOUT_S = 5.0
# A watch that delivers nothing and ends sooner than this did not do its job: the next one waits (backoff).
FRUITLESS_WATCH_S = 5.0
# The longest a Retry-After is honoured: a server asking for an hour is asked again after this.
RETRY_AFTER_CAP_S = 60.0
# Lists are read in pages: a large fleet arrives in pieces the server need not hold in memory at once, and no
# single response grows with the fleet. All pages belong to the first page's snapshot (its resourceVersion).
LIST_PAGE_SIZE = 500
# A server that keeps answering with another continue token is not followed for ever.
MAX_LIST_PAGES = 1000
# kube-apiserver's words for a resourceVersion its store has not reached (its Status cause: ResourceVersionTooLarge).
TOO_LARGE = "too large resource version"


@dataclass
class WatchSpec:
    source: str  # health line name, e.g. "canaries"
    resource: str  # what is listed and watched, for forbidden messages: "canaries.flagger.app in apps"
    missing: str  # what is not installed when the API answers 404
    call: ListCall
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Called (on the watch's thread) each time the list or watch is refused with 403.
    on_forbidden: Callable[[], None] | None = None


class WatchLoop:
    def __init__(
        self,
        spec: WatchSpec,
        emitter: Mailbox,
        on_list: Callable[[list[dict[str, Any]]], None],
        on_event: Callable[[str, dict[str, Any]], None],
        stop: threading.Event,
        *,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        rand: Callable[[], float] = random.random,
        retry_after_cap_s: float = RETRY_AFTER_CAP_S,
        page_size: int = LIST_PAGE_SIZE,
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
        self.retry_after_cap_s = retry_after_cap_s
        self.page_size = page_size
        # Set once the first list has been answered, well or not: what waits for it need not wait any longer.
        self.first_list_done = threading.Event()
        self.relists = 0
        self.verb = "list"
        self._emptied = False
        # Watch events (bookmarks included) handled since the last list: a 410 before any is a loop, not news.
        self._delivered_since_list = 0
        # Renewable credentials (exec plugin): a 401 renews them and resumes where the watch was.
        self.credentials = credentials_of(getattr(spec.call, "api_client", None))
        self._generation = 0
        self._refusals = 0  # 401s in a row: a renewed token refused too is not renewed again at once
        self.renewals = 0

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
            if self.credentials is not None:
                self._generation = self.credentials.generation
            try:
                if self.resource_version is None:
                    try:
                        self._list()
                    finally:
                        self.first_list_done.set()
                    if self.stop.is_set():
                        break
                if not self._watch():
                    self._retry("the watch ended at once without any event")
            except Gone:
                self._gone()
            except StalledStream as exc:
                # Whatever the stalled watch held back is unknown: list again rather than resume.
                self.resource_version = None
                self._retry(f"stalled: {exc}")
            except (HttpProblem, ApiException) as exc:
                status = getattr(exc, "status", 0) or 0
                if status == 410:
                    self._gone()
                    continue
                if status == 504 and (too_large(getattr(exc, "body", None)) or TOO_LARGE in str(exc).lower()):
                    # The server is behind what this watch has seen: its store is not the one listed. List anew.
                    self.resource_version = None
                self._problem(status, str(getattr(exc, "reason", exc)), getattr(exc, "retry_after_s", None))
            except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
                if self.stop.is_set():
                    break
                if isinstance(exc, urllib3.exceptions.ReadTimeoutError) and self.backoff.attempt == 0:
                    # Silent for a whole read timeout: reconnect at once; it only counts if it happens again.
                    self.backoff.attempt = 1
                    continue
                if unreachable(exc):
                    # Down, restarting or moved: what comes back may hold another store. List it anew.
                    self.resource_version = None
                self._retry(describe_transport(exc))
            except Exception as exc:  # a bug must show and be retried, not end this watch and leave stale data
                if self.stop.is_set():
                    break
                self.resource_version = None
                self._retry(f"internal error: {exc.__class__.__name__}")

    def _gone(self) -> None:
        """410: list again; at once the first time, after a backoff when the last list's watch saw nothing."""
        self.resource_version = None
        if self._delivered_since_list == 0 and self.relists > 0:
            self._retry("410 Gone again right after a list")

    def _problem(self, status: int, reason: str, retry_after_s: float | None = None) -> None:
        if status in (429, 503) and retry_after_s is not None:
            # The server says when to come back: respect it up to a cap, and say so rather than "connecting".
            self.backoff.next_delay(self.rand)  # counts as an attempt
            wait = min(max(retry_after_s, 0.0), self.retry_after_cap_s)
            asked = f"{retry_after_s:.0f} s" if retry_after_s < 3600 else f"{retry_after_s / 3600:.1f} h"
            capped = "" if wait >= retry_after_s else f", asking again after {wait:.0f} s"
            self.emitter.health(
                self.spec.source,
                Health.RECONNECTING,
                f"throttled (HTTP {status}): the API server asked to wait {asked}{capped}",
                self.backoff.attempt,
            )
            self._sleep(wait)
        elif status == 403:
            # RBAC grants list and watch separately: name the verb that was refused.
            self.emitter.health(self.spec.source, Health.FORBIDDEN, f"cannot {self.verb} {self.spec.resource}")
            if self.spec.on_forbidden is not None:
                self.spec.on_forbidden()
            self._sleep(self.backoff.next_delay(self.rand) * 4)
        elif status == 404:
            self.emitter.health(self.spec.source, Health.NOT_INSTALLED, self.spec.missing)
            self.resource_version = None
            if not self._emptied:
                # Removed while watched (a CRD uninstalled): its objects are gone too, not merely unseen.
                self._emptied = True
                self.on_list([])
            self._sleep(self.backoff.next_delay(self.rand) * 4)
        elif status == 401 and self._renewed():
            return  # again at once, from the same resourceVersion
        elif status == 401:
            self.emitter.health(self.spec.source, Health.FORBIDDEN, "unauthorized: the credentials were refused")
            self._sleep(self.backoff.next_delay(self.rand) * 4)
        else:
            self._retry(f"HTTP {status}: {reason}"[:200])

    def _renewed(self) -> bool:
        """After a 401: True when the request may be sent again at once with renewed credentials. A plugin that
        fails is on the credentials' health line and this watch waits; static credentials are not renewable."""
        if self.credentials is None:
            return False
        self._refusals += 1
        if self._refusals > 2:
            self._refusals = 0  # after this refusal's longer wait, renewing is worth one more try
            return False  # fresh tokens refused too: the credentials are wrong, not old
        try:
            if not self.credentials.renew_refused(self._generation, self.emitter):
                return False  # the same token again: refused like static credentials
        except CredentialsProblem as problem:
            self._refusals = 0
            delay = self.backoff.next_delay(self.rand)
            # The plugin's own line: on the top line, the reason this watch (and the others) are waiting.
            self.emitter.health(self.spec.source, Health.RECONNECTING, str(problem), self.backoff.attempt)
            self._sleep(delay)
            return True
        self.renewals += 1
        return True

    def _retry(self, why: str) -> None:
        delay = self.backoff.next_delay(self.rand)
        self.emitter.health(self.spec.source, Health.RECONNECTING, why, self.backoff.attempt)
        self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        self.stop.wait(seconds)

    def _list(self) -> None:
        self.verb = "list"
        items: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(MAX_LIST_PAGES):
            paging = {"limit": self.page_size, "_continue": token} if token else {"limit": self.page_size}
            document = get_json(self.spec.call, **self.spec.kwargs, **paging, _request_timeout=(CONNECT_TIMEOUT_S, 30))
            kind = str(document.get("kind", ""))
            api_version = document.get("apiVersion")
            for item in document.get("items") or []:
                if not isinstance(item, dict):
                    continue
                # List items omit kind/apiVersion; parsers want them.
                item.setdefault("kind", kind[:-4] if kind.endswith("List") else kind)
                if api_version:
                    item.setdefault("apiVersion", api_version)
                items.append(item)
            meta = document.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            token = str(meta.get("continue") or "") or None
            if token is None:
                break
            if self.stop.is_set():
                return  # part of a list is not the list
        else:
            raise HttpProblem(0, f"the list did not end after {MAX_LIST_PAGES} pages")
        self.resource_version = str(meta.get("resourceVersion") or "") or None
        self.relists += 1
        self._refusals = 0
        self._delivered_since_list = 0
        self._emptied = False
        self.on_list(items)
        self.emitter.health(self.spec.source, Health.CONNECTED)

    def _watch(self) -> bool:
        """One watch request; False when it ended quickly without delivering anything (nothing learnt)."""
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
        # The whole request has a deadline too: the server ends a watch after server_timeout, so one still open
        # well after that is held open by something else (a proxy trickling bytes).
        deadline = threading.Timer(server_timeout + self.read_timeout_s, self.close)
        deadline.daemon = True
        started = time.monotonic()
        delivered = 0
        try:
            check(resp)
            self._refusals = 0
            if self.backoff.attempt == 0:
                self.emitter.health(self.spec.source, Health.CONNECTED)
            deadline.start()
            for line in stream_lines(resp, stall_s=self.read_timeout_s):
                if self.stop.is_set():
                    return True
                if not line.strip():
                    continue
                self._handle(json.loads(line))
                delivered += 1
                self._delivered_since_list += 1
                if delivered == 1:
                    self.backoff.reset()
                    self.emitter.health(self.spec.source, Health.CONNECTED)
        finally:
            deadline.cancel()
            with self._lock:
                self._resp = None
            with contextlib.suppress(Exception):
                resp.release_conn()
        if delivered or time.monotonic() - started >= FRUITLESS_WATCH_S:
            self.backoff.reset()
            self.emitter.health(self.spec.source, Health.CONNECTED)
            return True
        return self.stop.is_set()

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


def too_large(status: object) -> bool:
    """A Status (or its JSON text) that is kube-apiserver's "Too large resource version" answer."""
    if isinstance(status, bytes | str):
        try:
            status = json.loads(status)
        except ValueError:
            return False
    if not isinstance(status, dict):
        return False
    details = status.get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    return isinstance(causes, list) and any(
        isinstance(c, dict) and c.get("reason") == "ResourceVersionTooLarge" for c in causes
    )


def unreachable(exc: BaseException) -> bool:
    """The request never reached a server (refused, timed out connecting, no such host): not a dropped stream."""
    import urllib3.exceptions

    if isinstance(exc, urllib3.exceptions.MaxRetryError):
        exc = exc.reason or exc
    return isinstance(exc, urllib3.exceptions.ConnectTimeoutError | ConnectionRefusedError)
