"""Success rate, request rate and p99 of every primary and canary in scope, as Flagger's builtin checks compute them.

Each observer family present among the canaries (Istio, Linkerd, NGINX, the app's own histogram…) is asked three
grouped PromQL queries per refresh (tui/cluster/builtin_queries.py), however many canaries it measures. A canary whose
provider is unknown is asked Linkerd's. Unreachable or empty answers become gaps and a health notice, never 0 %.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from tui.base import redact
from tui.cluster.backoff import FAST_CAP_S, Backoff
from tui.cluster.builtin_queries import FAMILIES, VALUES, MetricTarget, promql_duration, queries, rows
from tui.cluster.credentials import Credentials, CredentialsProblem, credentials_of
from tui.domain.flagger.observers import OBSERVERS
from tui.domain.model import Health, MetricSample
from tui.domain.observations import MetricsObserved
from tui.domain.state import METRIC_HISTORY_S
from tui.sources.mailbox import Mailbox

SOURCE = "prometheus"
DEFAULT_WINDOW_S = 60.0
# Per observer family present among the canaries in scope.
QUERIES_PER_REFRESH = 3
# Asked for canaries whose provider is not known (Flagger's settings not readable, no spec.provider).
UNKNOWN_FAMILY = "linkerd"


# From this many canaries on, once the screen says which canaries it shows, the refreshes ask for the shown and
# followed ones alone (narrowed to them where the family's labels allow), and every canary once in
# COLD_REFRESH_S: a thousand canaries' rates every 5 s were most of a quiet fleet's CPU (6,000 series parsed, and
# folded into rows nobody sees). A row that comes on screen is asked for at once (the source pokes the poller), so a
# row off screen needs only a value to show until that answer. A canary followed gets its history (_backfill).
TIER_FROM = 100
POKE_GAP_S = 1.0
COLD_REFRESH_S = 300.0
# More canaries than this are asked for with the family's whole query (a regex of them would make a long URL).
NARROW_LIMIT = 80
NEVER = (math.inf, -math.inf)


@dataclass(frozen=True)
class Scope:
    """What to ask for: the canaries in scope with their metric intervals and observer families; namespace None =
    all. `hot`: the canaries (namespace, target) on screen or followed, asked every refresh (None: every
    canary); `followed`: the one whose history the screen draws."""

    namespace: str | None
    targets: tuple[MetricTarget, ...]
    hot: frozenset[tuple[str, str]] | None = None
    followed: tuple[str, str] | None = None


def window_for(targets: Iterable[MetricTarget]) -> float:
    """One window for every canary of a family (the commonest metric interval), so the query count stays constant."""
    intervals = Counter(t.interval_s for t in targets if t.interval_s)
    if not intervals:
        return DEFAULT_WINDOW_S
    best = max(intervals.values())
    return min(i for i, n in intervals.items() if n == best)


def by_family(targets: Iterable[MetricTarget]) -> dict[str, list[MetricTarget]]:
    """The targets each family's queries answer for (unknown providers: Linkerd's; families Flagger's builtins cannot
    split into primary and canary: none)."""
    out: dict[str, list[MetricTarget]] = defaultdict(list)
    for target in targets:
        family = target.family or UNKNOWN_FAMILY
        if family in FAMILIES:
            out[family].append(target)
    return dict(out)


def _value(sample: Any) -> float | None:
    try:
        value = float(sample["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def evaluated_at(result: Any) -> float | None:
    """The evaluation time Prometheus stamps on an instant vector's samples."""
    for sample in result if isinstance(result, list) else []:
        try:
            return float(sample["value"][0])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return None


def by_deployment(result: Any) -> dict[tuple[str, str], float | None]:
    """Linkerd's answer rows by (namespace, deployment)."""
    return {(key[0], key[1]): _value(sample) for key, sample in rows(FAMILIES["linkerd"], result).items()}


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
        self._poked = threading.Event()
        self._everyone_at = -math.inf  # when every canary was last asked (TIER_FROM)
        # For these targets: each family's window, and each target by (namespace, target).
        self._kept: tuple[object, dict[str, float], dict[tuple[str, str], MetricTarget]] = ((), {}, {})
        # Each canary's run of refreshes: since when it has been asked every refresh, and when last.
        self._asked: dict[tuple[str, str], tuple[float, float]] = {}
        self._backfilled: tuple[str, str] | None = None  # the followed canary whose history was filled in
        self._empty: list[str] = []  # the notes of the last refresh that asked every canary

    def poke(self) -> None:
        """Refresh now (from any thread): canaries came on screen, or the source is stopping."""
        self._poked.set()

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
            self._poked.wait(max(0.1, delay))
            self._poked.clear()
            # Rows coming on screen one reorder after another poke in bursts: one refresh a POKE_GAP_S at most (or a
            # refresh_s, when that is shorter).
            self.stop.wait(max(0.0, min(POKE_GAP_S, self.refresh_s) - (time.monotonic() - started)))

    def refresh(self, prom: Any) -> None:
        scope = self.scope()
        if not scope.targets:
            self.emitter.health(SOURCE, Health.CONNECTED, f"{self.describe} (no canary in scope yet)")
            return
        asked = self.clock()
        if self._kept[0] is not scope.targets:  # worked out again only when the canaries changed
            windows = {name: window_for(ts) for name, ts in by_family(scope.targets).items()}
            self._kept = (scope.targets, windows, {(t.namespace, t.target): t for t in scope.targets})
        _, windows, by_key = self._kept
        tiered = scope.hot is not None and len(scope.targets) >= TIER_FROM
        everyone = not tiered or asked - self._everyone_at >= COLD_REFRESH_S
        if everyone:
            ask = list(scope.targets)
            self._everyone_at = asked
            self._asked = {k: v for k, v in self._asked.items() if k in by_key}  # canaries gone: forgotten
        else:
            assert scope.hot is not None
            # A refresh that a new row on screen brought forward asks for that row only: two samples of one
            # deployment close together would make its cadence (and when it reads stale) look shorter than it is.
            due = asked - self.refresh_s / 2
            ask = [by_key[k] for k in sorted(scope.hot) if k in by_key and self._asked.get(k, NEVER)[1] <= due]
        values, stamps, empty = self._instant(prom, scope.namespace, ask, windows, narrow=not everyone)
        # A sample describes the window ending where Prometheus evaluated it (else when we asked).
        now = min(stamps) if stamps else asked
        for target in ask:
            # Since when each canary has been asked every refresh: a break longer than two refreshes starts anew.
            key = (target.namespace, target.target)
            first, last = self._asked.get(key, NEVER)
            self._asked[key] = (first if now - last <= 2 * self.refresh_s else now, now)
        samples = [
            MetricSample(namespace, deployment, now, v["success_rate"], v["rps"], v["p99_ms"])
            for (namespace, deployment), v in values.items()
        ]
        self.refreshes += 1
        self.emitter.emit(MetricsObserved(tuple(samples)))
        if scope.followed is not None:
            self._backfill(prom, scope, windows)
        if everyone:
            self._empty = empty
        notes = self._empty
        unknown = sum(1 for t in scope.targets if t.family is None)
        if unknown:
            which = "1 canary" if unknown == 1 else f"{unknown} canaries"
            notes = [*notes, f"provider unknown for {which}: Linkerd's metrics asked"]
        self.emitter.health(SOURCE, Health.CONNECTED, " · ".join([self.describe, *notes]))

    def _instant(
        self,
        prom: Any,
        namespace: str | None,
        targets: list[MetricTarget],
        windows: dict[str, float],
        *,
        narrow: bool,
    ) -> tuple[dict[tuple[str, str], dict[str, float | None]], list[float], list[str]]:
        """Each deployment's three values now, the evaluation stamps, and a note per family that answered nothing."""
        stamps: list[float] = []
        values: dict[tuple[str, str], dict[str, float | None]] = {}
        empty: list[str] = []
        for name, family_targets in sorted(by_family(targets).items()):
            family = FAMILIES[name]
            window = windows[name]
            only = family_targets if narrow and len(family_targets) <= NARROW_LIMIT else None
            answers: dict[str, dict[tuple[str, ...], Any]] = {}
            for value, query in queries(family, namespace, window, only).items():
                self.requests += 1
                answer = prom.custom_query(query)
                answers[value] = rows(family, answer)
                if (stamp := evaluated_at(answer)) is not None:
                    stamps.append(stamp)
            found = False
            columns = [(value, answers[value]) for value in VALUES]
            for target in family_targets:
                for key, deployment in family.keys(target).items():
                    got = {value: _value(rows_of[key]) if key in rows_of else None for value, rows_of in columns}
                    found = found or any(v is not None for v in got.values())
                    values[(target.namespace, deployment)] = got
            if not found:
                empty.append(f"no {OBSERVERS[name].label} metrics for these deployments over {promql_duration(window)}")
        return values, stamps, empty

    def _backfill(self, prom: Any, scope: Scope, windows: dict[str, float]) -> None:
        """The followed canary's history before it was asked every refresh, from one range query per value with a
        point a refresh (METRIC_HISTORY_S of it): a canary opened shows the minutes before, not an empty chart. Once
        each time another canary is followed; one whose family cannot be asked for it alone is not filled in on a
        large fleet."""
        followed = scope.followed
        first = self._asked.get(followed, NEVER)[0] if followed is not None else math.inf
        if followed is None or not math.isfinite(first) or self._backfilled == followed:
            return
        self._backfilled = followed
        target = next((t for t in scope.targets if (t.namespace, t.target) == followed), None)
        name = (target.family or UNKNOWN_FAMILY) if target is not None else ""
        if target is None or name not in FAMILIES:
            return
        family = FAMILIES[name]
        if family.narrow is None and len(by_family(scope.targets)[name]) > NARROW_LIMIT:
            return
        step = max(1, round(self.refresh_s))
        # Points on a grid of the step, all before the first sample of its refreshes: a second fill lands on the
        # same times (dropped as repeats), and the newest samples keep their cadence.
        end = math.floor((first - step) / step) * step
        start = end - math.floor(METRIC_HISTORY_S / step) * step
        between = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        series = {}
        try:
            for value, query in queries(family, scope.namespace, windows[name], [target]).items():
                self.requests += 1
                series[value] = rows(family, prom.custom_query_range(query, *between, f"{step}s"))
        except Exception:  # a Prometheus (or a proxy) refusing range queries: the charts fill from the refreshes
            return
        samples = []
        for key, deployment in family.keys(target).items():
            sr, rps, p99 = (_points(series[value].get(key)) for value in VALUES)
            samples.extend(
                MetricSample(target.namespace, deployment, t, sr.get(t), rps.get(t), p99.get(t))
                for t in sorted(sr.keys() | rps.keys() | p99.keys())
            )
        if samples:
            self.emitter.emit(MetricsObserved(tuple(samples)))


def _points(sample: Any) -> dict[float, float | None]:
    """A range answer row's values by time; a value that is not a finite number is a gap."""
    out: dict[float, float | None] = {}
    for point in sample.get("values", ()) if isinstance(sample, dict) else ():
        try:
            t, value = float(point[0]), float(point[1])
        except (IndexError, TypeError, ValueError):
            continue
        out[t] = value if math.isfinite(value) else None
    return out


def _why(exc: BaseException) -> str:
    if isinstance(exc, CredentialsProblem):
        return str(exc)
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


def deadline_session(deadline_s: float, bearer: Callable[[bool], str | None] | None = None) -> Any:
    """A requests Session whose every request has an overall deadline, not only a per-read timeout.

    A server that trickles a byte a second keeps each read within its timeout for ever; here the answer must be
    complete within `deadline_s`, else the request fails as timed out and the health line says so.
    """
    import requests

    class DeadlineSession(requests.Session):
        def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
            kwargs["stream"] = True
            started = time.monotonic()
            if bearer is not None:
                kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": bearer(False) or ""}
            response = super().request(method, url, *args, **kwargs)
            if bearer is not None and response.status_code == 401:
                # A token refused through the API server's proxy: renewed (or CredentialsProblem) and asked again,
                # unless the same token came back.
                try:
                    renewed = bearer(True) or ""
                except BaseException:
                    response.close()
                    raise
                if renewed != kwargs["headers"]["Authorization"]:
                    response.close()
                    kwargs["headers"] = {**kwargs["headers"], "Authorization": renewed}
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


def _bearer(credentials: Credentials, api_client: Any) -> Callable[[bool], str | None]:
    """The Authorization header for each query through the proxy: the current token, renewed when refused."""
    sent = [credentials.generation]

    def bearer(refused: bool) -> str | None:
        if refused:
            credentials.renew_refused(sent[0])
        token = credentials.token_for_request(api_client.configuration)
        sent[0] = credentials.generation
        return token

    return bearer


def prometheus_client(target: tuple[str, str] | str, api_client: Any, *, timeout_s: float = 3.0) -> tuple[Any, str]:
    """A PrometheusConnect with a timeout and no retries; through the API server's proxy for svc/…

    Each query must be answered completely within three read timeouts.
    """
    from prometheus_api_client import PrometheusConnect
    from urllib3.util.retry import Retry

    credentials = credentials_of(api_client) if not isinstance(target, str) else None
    session = deadline_session(3 * timeout_s, _bearer(credentials, api_client) if credentials else None)
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
        if credentials is None:
            if configuration.refresh_api_key_hook is not None:
                configuration.refresh_api_key_hook(configuration)  # the client's own short-lived tokens
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
