"""Success rate, request rate and p99 of every primary and canary in scope, from Linkerd's proxy metrics.

Three grouped PromQL queries per refresh (by namespace and deployment), however many canaries there are.
The queries compute what Flagger's builtin Linkerd checks compute, over the canaries' metric interval.
Unreachable or empty answers become gaps and a health notice, never 0 %.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from tui.base import redact
from tui.base.safe_text import safe_text
from tui.cluster.backoff import FAST_CAP_S, Backoff
from tui.domain.model import Health, MetricSample
from tui.domain.names import primary_name
from tui.domain.observations import MetricsObserved
from tui.sources.mailbox import Mailbox

SOURCE = "prometheus"
DEFAULT_WINDOW_S = 60.0
QUERIES_PER_REFRESH = 3


@dataclass(frozen=True)
class Scope:
    """What to ask for: (namespace, target) pairs and their metric intervals; namespace None = all."""

    namespace: str | None
    targets: tuple[tuple[str, str, float | None], ...]


def window_for(targets: tuple[tuple[str, str, float | None], ...]) -> float:
    """One window for every canary (the commonest metric interval), so the query count stays constant."""
    intervals = Counter(t[2] for t in targets if t[2])
    if not intervals:
        return DEFAULT_WINDOW_S
    best = max(intervals.values())
    return min(i for i, n in intervals.items() if n == best)


def promql_duration(seconds: float) -> str:
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{int(seconds * 1000)}ms"


def queries(namespace: str | None, window_s: float) -> dict[str, str]:
    selector = 'direction="inbound"'
    if namespace:
        selector += f', namespace="{namespace}"'
    w = promql_duration(window_s)
    by = "sum by (namespace, deployment)"
    return {
        "success_rate": (
            f'{by} (rate(response_total{{{selector}, classification!="failure"}}[{w}])) / '
            f"{by} (rate(response_total{{{selector}}}[{w}])) * 100"
        ),
        "rps": f"{by} (rate(response_total{{{selector}}}[{w}]))",
        "p99_ms": (
            f"histogram_quantile(0.99, sum by (le, namespace, deployment) "
            f"(rate(response_latency_ms_bucket{{{selector}}}[{w}])))"
        ),
    }


def _value(sample: Any) -> float | None:
    try:
        value = float(sample["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def evaluated_at(result: Any) -> float | None:
    """The evaluation time Prometheus stamps on an instant vector's samples."""
    for sample in result if isinstance(result, list) else []:
        try:
            return float(sample["value"][0])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return None


def by_deployment(result: Any) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    for sample in result if isinstance(result, list) else []:
        metric = sample.get("metric") if isinstance(sample, dict) else None
        if not isinstance(metric, dict):
            continue
        ns, dep = metric.get("namespace"), metric.get("deployment")
        if isinstance(ns, str) and isinstance(dep, str):
            # Label values are keyed like the parsed Deployments' names, which are made safe the same way.
            out[(safe_text(ns), safe_text(dep))] = _value(sample)
    return out


class PrometheusPoller:
    def __init__(
        self,
        connect: Callable[[], Any],
        describe: str,
        scope: Callable[[], Scope],
        emitter: Mailbox,
        stop: threading.Event,
        *,
        refresh_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.connect = connect
        self.describe = describe
        self.scope = scope
        self.emitter = emitter
        self.stop = stop
        self.refresh_s = refresh_s
        self.clock = clock
        self.rand = rand
        self.requests = 0
        self.refreshes = 0

    def run(self) -> None:
        # Early in an outage, retry at the refresh cadence: metrics come back as soon as Prometheus does.
        backoff = Backoff(initial=self.refresh_s, cap=60.0, fast_cap=max(FAST_CAP_S, self.refresh_s))
        self.emitter.health(SOURCE, Health.CONNECTING, self.describe)
        prom = None
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                if prom is None:
                    prom = self.connect()
                self.refresh(prom)
                backoff.reset()
                delay = self.refresh_s - (time.monotonic() - started)
            except Exception as exc:  # every failure is a notice on screen and a retry, never a crash
                prom = None
                self.emitter.health(SOURCE, Health.UNREACHABLE, f"{self.describe}: {_why(exc)}", backoff.attempt + 1)
                delay = backoff.next_delay(self.rand)
            self.stop.wait(max(0.1, delay))

    def refresh(self, prom: Any) -> None:
        scope = self.scope()
        if not scope.targets:
            self.emitter.health(SOURCE, Health.CONNECTED, f"{self.describe} (no canary in scope yet)")
            return
        window = window_for(scope.targets)
        asked = self.clock()
        stamps: list[float] = []
        results: dict[str, dict[tuple[str, str], float | None]] = {}
        for name, query in queries(scope.namespace, window).items():
            self.requests += 1
            answer = prom.custom_query(query)
            results[name] = by_deployment(answer)
            if (stamp := evaluated_at(answer)) is not None:
                stamps.append(stamp)
        # A sample describes the window ending where Prometheus evaluated it (else when we asked).
        now = min(stamps) if stamps else asked
        self.refreshes += 1
        samples = []
        empty = True
        for namespace, target, _interval in scope.targets:
            for deployment in (target, primary_name(target)):
                key = (namespace, deployment)
                values = {name: results[name].get(key) for name in results}
                empty = empty and all(v is None for v in values.values())
                samples.append(
                    MetricSample(namespace, deployment, now, values["success_rate"], values["rps"], values["p99_ms"])
                )
        self.emitter.emit(MetricsObserved(tuple(samples)))
        note = f" · no Linkerd metrics for these deployments over {promql_duration(window)}" if empty else ""
        self.emitter.health(SOURCE, Health.CONNECTED, f"{self.describe}{note}")


def _why(exc: BaseException) -> str:
    name = exc.__class__.__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if "Timeout" in name or "timed out" in text.lower():
        return "timed out"
    if "refused" in text.lower():
        return "connection refused"
    if "ConnectionError" in name:
        return "cannot connect"
    return f"{name}: {text}"[:160]


PASSWORD_ENV = "CANARYSCOPE_PROMETHEUS_PASSWORD"
USER_ENV = "CANARYSCOPE_PROMETHEUS_USER"


class PrometheusURL(str):
    """A Prometheus URL without userinfo (so it can be shown), carrying its basic-auth pair beside it."""

    auth: tuple[str, str] | None = None

    def __new__(cls, url: str, auth: tuple[str, str] | None = None) -> PrometheusURL:
        made = super().__new__(cls, url)
        made.auth = auth
        return made


def parse_prometheus_option(
    value: str, *, password: str | None = None, user: str | None = None
) -> tuple[str, str] | PrometheusURL:
    """A URL, or `svc/NAMESPACE/NAME:PORT` -> (namespace, name:port) for the API server's service proxy.

    A URL's userinfo (`http://USER:PASSWORD@host`) is taken out of it; `password` (from a file or the environment)
    and `user` win over it. Every password is registered so that no text shows it."""
    if value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        url_user = unquote(parts.username) if parts.username is not None else None
        url_password = unquote(parts.password) if parts.password is not None else None
        netloc = parts.netloc.rpartition("@")[2]
        bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)).rstrip("/")
        chosen_user, chosen_password = user or url_user, password if password is not None else url_password
        for secret in (url_password, password):
            if secret:
                redact.register(secret)
        if chosen_password is None:
            return PrometheusURL(bare)
        if not chosen_user:
            raise ValueError(
                f"--prometheus: a password needs a user name: put it in the URL (http://USER@host) or {USER_ENV}"
            )
        redact.register_basic_auth(chosen_user, chosen_password)
        return PrometheusURL(bare, (chosen_user, chosen_password))
    if password is not None:
        raise ValueError("--prometheus: a password works only with a Prometheus URL, not through the API server")
    if value.startswith("svc/"):
        parts_ = value[4:].split("/")
        if len(parts_) == 2 and parts_[0] and ":" in parts_[1]:
            name, _, port = parts_[1].partition(":")
            if name and port:
                return parts_[0], f"{name}:{port}"
    raise ValueError(f"--prometheus: expected a URL or svc/NAMESPACE/NAME:PORT, got {redact.redact(value)!r}")


def read_password(path: str | None, environ: Mapping[str, str]) -> str | None:
    """--prometheus-password-file (its first line), else $CANARYSCOPE_PROMETHEUS_PASSWORD, else None."""
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(64 * 1024)
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
            raise ValueError(f"--prometheus-password-file: cannot read {path}: {why}") from None
        lines = text.splitlines()
        if not lines or not lines[0]:
            raise ValueError(f"--prometheus-password-file: {path} is empty")
        return lines[0]
    return environ.get(PASSWORD_ENV) or None


# An answer larger than this is refused: three grouped queries over a thousand canaries are a few hundred kB.
MAX_ANSWER_BYTES = 32 * 1024 * 1024


def deadline_session(deadline_s: float) -> Any:
    """A requests Session whose every request has an overall deadline, not only a per-read timeout.

    A server that trickles a byte a second keeps each read within its timeout for ever; here the answer must be
    complete within `deadline_s`, else the request fails as timed out and the health line says so.
    """
    import requests

    class DeadlineSession(requests.Session):
        def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
            kwargs["stream"] = True
            started = time.monotonic()
            response = super().request(method, url, *args, **kwargs)
            chunks: list[bytes] = []
            size = 0
            try:
                while True:
                    chunk = response.raw.read1(65536, decode_content=True)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > MAX_ANSWER_BYTES:
                        raise requests.exceptions.ContentDecodingError(
                            f"answer larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB"
                        )
                    if time.monotonic() - started > deadline_s:
                        raise requests.exceptions.Timeout(f"timed out: no complete answer within {deadline_s:g} s")
                    chunks.append(chunk)
            except BaseException:
                response.close()
                raise
            response._content = b"".join(chunks)
            response._content_consumed = True
            response.close()
            return response

    return DeadlineSession()


def prometheus_client(target: tuple[str, str] | str, api_client: Any, *, timeout_s: float = 3.0) -> tuple[Any, str]:
    """A PrometheusConnect with a timeout and no retries; through the API server's proxy for svc/…

    Each query must be answered completely within three read timeouts.
    """
    from prometheus_api_client import PrometheusConnect
    from urllib3.util.retry import Retry

    session = deadline_session(3 * timeout_s)
    headers: dict[str, str] = {}
    if isinstance(target, str):
        url = describe = redact.redact(target)
        auth = getattr(target, "auth", None)
        if auth is not None:
            session.auth = auth
        verify = True
    else:
        namespace, service = target
        configuration = api_client.configuration
        url = f"{configuration.host.rstrip('/')}/api/v1/namespaces/{namespace}/services/{service}/proxy"
        describe = f"svc/{namespace}/{service} (through the API server)"
        if configuration.refresh_api_key_hook is not None:
            configuration.refresh_api_key_hook(configuration)  # exec plugins hand out short-lived tokens
        token = configuration.get_api_key_with_prefix("BearerToken", alias="authorization")
        if token:
            headers["Authorization"] = token
        if configuration.cert_file and configuration.key_file:
            session.cert = (configuration.cert_file, configuration.key_file)
        verify = configuration.ssl_ca_cert or configuration.verify_ssl
    session.verify = verify
    prom = PrometheusConnect(
        url=url,
        headers=headers or None,
        disable_ssl=verify is False,
        retry=Retry(total=0),
        session=session,
        timeout=timeout_s,
    )
    return prom, describe
