"""Follow the logger pod's log (as `kubectl logs -f -n monitoring -l app.kubernetes.io/name=logger` does)
and turn the event-webhook payloads in it into Flagger events.

The pod is found through a watch on its label selector, so a replaced pod is followed under its new name.
A quiet log is normal (Flagger may say nothing for minutes): a read timeout just reconnects from the last
line's timestamp, and lines repeated by a new stream's tail are recognised and dropped.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from tui.cluster.backoff import FAST_CAP_S, Backoff
from tui.cluster.credentials import CredentialsProblem, generation_of, renew_after_refusal
from tui.cluster.http import HttpProblem, check, stream_lines
from tui.domain.flagger.logger_stream import LoggerStreamParser
from tui.domain.flagger.payload import as_event
from tui.domain.model import Health
from tui.domain.observations import EventObserved
from tui.kube.parse import parse_timestamp
from tui.sources.mailbox import Mailbox

SOURCE = "logger"
TAIL_LINES = 3000
SEEN_LIMIT = 8192


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pod_name(pod: Any) -> str | None:
    name = _dict(_dict(pod).get("metadata")).get("name")
    return name if isinstance(name, str) and name else None


def parse_logger_option(value: str) -> tuple[str, str]:
    """`NAMESPACE/LABEL-SELECTOR` -> (namespace, selector); raises ValueError with a one-line reason."""
    namespace, slash, selector = value.partition("/")
    if not slash or not namespace or not selector or "=" not in selector:
        raise ValueError(
            f"--logger: expected NAMESPACE/LABEL-SELECTOR like monitoring/app.kubernetes.io/name=logger, got {value!r}"
        )
    return namespace, selector


class LoggerFollower:
    def __init__(
        self,
        api_client: Any,
        namespace: str,
        selector: str,
        emitter: Mailbox,
        stop: threading.Event,
        *,
        accept: Callable[[str, str], bool] = lambda ns, name: True,
        read_timeout_s: float = 60.0,
        rand: Callable[[], float] = random.random,
        source: str = SOURCE,
        container: str | None = None,
        quiet: bool = False,
    ) -> None:
        """`quiet`: the pod was not named by the user, so no pod or a refused log is a grey note, not an error."""
        self.api_client = api_client
        self.namespace = namespace
        self.selector = selector
        self.emitter = emitter
        self.stop = stop
        self.accept = accept
        self.read_timeout_s = read_timeout_s
        self.rand = rand
        self.source = source
        self.container = container
        self.quiet = quiet
        self._pods: dict[str, dict[str, Any]] = {}
        self._pods_lock = threading.Lock()
        self._changed = threading.Event()
        self._seen: OrderedDict[tuple[int, str, str, str], None] = OrderedDict()
        self._resp: Any = None
        self.followed: list[str] = []
        # Lines that looked like a record but were not one (broken JSON, a payload or log line missing its fields).
        self._skipped_before = 0
        self._parser: LoggerStreamParser | None = None
        self._refusals = 0  # 401s in a row despite renewed credentials

    @property
    def skipped_lines(self) -> int:
        parser = self._parser
        return self._skipped_before + (parser.skipped_payloads if parser is not None else 0)

    # --- pods (fed by a WatchLoop on pods with the selector) ---------------------------------------------

    def pods_listed(self, items: list[dict[str, Any]]) -> None:
        with self._pods_lock:
            self._pods = {name: p for p in items if (name := _pod_name(p)) is not None}
        self._changed.set()

    def pod_event(self, kind: str, pod: dict[str, Any]) -> None:
        name = _pod_name(pod)
        if name is None:
            return
        with self._pods_lock:
            if kind == "DELETED":
                self._pods.pop(name, None)
            else:
                self._pods[name] = pod
        self._changed.set()
        if kind == "DELETED" and self._resp is not None:
            self._interrupt()

    def _current_pod(self) -> str | None:
        with self._pods_lock:
            running = {
                name: _dict(p.get("metadata"))
                for name, p in self._pods.items()
                if _dict(p.get("status")).get("phase") == "Running"
                and not _dict(p.get("metadata")).get("deletionTimestamp")
            }
        if not running:
            return None
        return max(running, key=lambda name: parse_timestamp(running[name].get("creationTimestamp")) or 0)

    # --- the log stream ----------------------------------------------------------------------------------

    def close(self) -> None:
        self._changed.set()
        self._interrupt()

    def _interrupt(self) -> None:
        resp = self._resp
        if resp is not None:
            with contextlib.suppress(Exception):
                (getattr(resp, "shutdown", None) or resp.close)()

    def run(self) -> None:
        import urllib3.exceptions
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        core = client.CoreV1Api(self.api_client)
        backoff = Backoff(fast_cap=FAST_CAP_S)
        since: dict[str, float] = {}  # pod -> time of the last line read
        waiting_reported = False
        while not self.stop.is_set():
            pod = self._current_pod()
            if pod is None:
                if not waiting_reported:
                    self.emitter.health(
                        self.source,
                        Health.DISABLED if self.quiet else Health.NOT_INSTALLED,
                        f"no running pod matches {self.selector} in {self.namespace}",
                    )
                    waiting_reported = True
                self._changed.wait(2.0)
                self._changed.clear()
                continue
            waiting_reported = False
            generation = generation_of(self.api_client)
            try:
                self._follow(core, pod, since)
                backoff.reset()
            except (HttpProblem, ApiException) as exc:
                status = getattr(exc, "status", 0) or 0
                if status == 401 and self._renewed(generation, backoff):
                    continue  # from the last line read, with the new token
                if status == 403:
                    state = Health.DISABLED if self.quiet else Health.FORBIDDEN
                    self.emitter.health(self.source, state, f"cannot get pods/log in {self.namespace}")
                else:
                    self.emitter.health(
                        self.source, Health.RECONNECTING, f"log of {pod}: HTTP {status}", backoff.attempt + 1
                    )
                self.stop.wait(backoff.next_delay(self.rand))
            except urllib3.exceptions.ReadTimeoutError:
                continue  # a quiet log: reconnect from the last line read
            except (urllib3.exceptions.HTTPError, OSError, ValueError):
                if self.stop.is_set():
                    break
                self.emitter.health(self.source, Health.RECONNECTING, f"log of {pod} interrupted", backoff.attempt + 1)
                self.stop.wait(backoff.next_delay(self.rand))
            except Exception as exc:  # a bug must show and be retried, not end the stream silently
                if self.stop.is_set():
                    break
                self.emitter.health(
                    self.source,
                    Health.RECONNECTING,
                    f"log of {pod}: internal error: {exc.__class__.__name__}",
                    backoff.attempt + 1,
                )
                self.stop.wait(backoff.next_delay(self.rand))

    def _renewed(self, generation: int, backoff: Backoff) -> bool:
        """A 401 with renewable credentials: renewed (True), or waited for after a failed renewal (True)."""
        try:
            if not renew_after_refusal(self.api_client, generation, self.emitter):
                return False
        except CredentialsProblem as problem:
            # The plugin's own line: on the top line, the reason this source (and the others) are waiting.
            self.emitter.health(self.source, Health.RECONNECTING, str(problem), backoff.attempt + 1)
            self.stop.wait(backoff.next_delay(self.rand))
            return True
        self._refusals += 1
        if self._refusals > 2:
            self._refusals = 0
            return False  # renewed tokens refused too: reported and waited for like any refusal
        return True

    def _follow(self, core: Any, pod: str, since: dict[str, float]) -> None:
        kwargs: dict[str, Any] = {"follow": True, "timestamps": True}
        if self.container:
            kwargs["container"] = self.container
        if pod in since:
            # The API takes whole seconds; the overlap is recognised by the payloads' own keys.
            kwargs["since_seconds"] = max(1, int(time.time() - since[pod]) + 2)
        else:
            kwargs["tail_lines"] = TAIL_LINES
        resp = core.read_namespaced_pod_log(
            pod, self.namespace, _preload_content=False, _request_timeout=(5, self.read_timeout_s), **kwargs
        )
        self._resp = resp
        if pod not in self.followed:
            self.followed.append(pod)
        try:
            check(resp)
            self._refusals = 0
            self.emitter.health(self.source, Health.CONNECTED, f"{self.namespace}/{pod}")
            parser = self._parser = LoggerStreamParser()
            for raw in stream_lines(resp):
                if self.stop.is_set():
                    return
                line = raw.decode("utf-8", errors="replace")
                stamp = parse_timestamp(line.partition(" ")[0])
                if stamp is not None:
                    since[pod] = stamp
                for payload in parser.feed_line(line):
                    key = (payload.timestamp_ms, payload.namespace, payload.name, payload.message)
                    if key in self._seen:
                        continue  # repeated by a reconnect's since/tail
                    self._seen[key] = None
                    if len(self._seen) > SEEN_LIMIT:
                        self._seen.popitem(last=False)
                    if not self.accept(payload.namespace, payload.name):
                        continue
                    self.emitter.emit(EventObserved(as_event(payload)))
                if self._current_pod() not in (None, pod):
                    return  # a newer pod took over
        finally:
            self._resp = None
            if self._parser is not None:
                self._skipped_before += self._parser.skipped_payloads
                self._parser = None
            with contextlib.suppress(Exception):
                resp.release_conn()
