"""Limits that keep a load generator from knocking over a small (kind) cluster; raised only explicitly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from tui.load.duration import format_duration
from tui.load.errors import LoadError
from tui.load.spec import LoadSpec

DEFAULT_TARGET = "http://localhost/examine"
"""The seed's examiner URL (ingress-nginx on the kind node's port 80)."""

# Defaults: the seed runs `hey -c 5 -q 5` (25 req/s) plus `-c 2 -q 2` for errors. 10 workers x 10 req/s = 100 req/s
# is four times that, which one examiner pod behind ingress-nginx and the Linkerd proxies of a laptop kind cluster
# absorbs; concurrency 10 also bounds the connections held open on the ingress. One hour matches the seed's `-z 60m`.
DEFAULT_MAX_CONCURRENCY = 10
DEFAULT_MAX_RATE_PER_WORKER = 10.0
DEFAULT_MAX_DURATION_S = 3600.0
# Sanity ceilings that even explicit limits cannot pass: beyond them this is no longer a demo tool.
CEILING_CONCURRENCY = 1000
CEILING_RATE_PER_WORKER = 1000.0
CEILING_DURATION_S = 7 * 24 * 3600.0
MAX_TIMEOUT_S = 600.0

_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class LoadPolicy:
    allowed_host: str = "localhost"
    """Host (optionally `host:port`) every URL must point at: the configured target's host."""
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    max_rate_per_worker: float = DEFAULT_MAX_RATE_PER_WORKER
    max_duration_s: float = DEFAULT_MAX_DURATION_S

    def __post_init__(self) -> None:
        _check_limit("max concurrency", self.max_concurrency, CEILING_CONCURRENCY, "max_concurrency")
        _check_limit("max rate per worker", self.max_rate_per_worker, CEILING_RATE_PER_WORKER, "max_rate_per_worker")
        _check_limit("max duration", self.max_duration_s, CEILING_DURATION_S, "max_duration_s")
        if isinstance(self.max_concurrency, float) and not self.max_concurrency.is_integer():
            raise LoadError(f"max concurrency {self.max_concurrency} is not a whole number")
        _parse_allowed_host(self.allowed_host)

    @classmethod
    def for_target(
        cls,
        target_url: str,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        max_rate_per_worker: float = DEFAULT_MAX_RATE_PER_WORKER,
        max_duration_s: float = DEFAULT_MAX_DURATION_S,
    ) -> LoadPolicy:
        """A policy that allows exactly the host (and explicit port) of the configured target URL."""
        parts = _split_url(target_url)
        return cls(parts.netloc.rpartition("@")[2], max_concurrency, max_rate_per_worker, max_duration_s)

    def check_url(self, url: str) -> None:
        parts = _split_url(url)
        if parts.username is not None or parts.password is not None:
            raise LoadError(f"URL must not contain credentials: {_redact(parts)}")
        allowed_host, allowed_port = _parse_allowed_host(self.allowed_host)
        host = (parts.hostname or "").lower().rstrip(".")
        if host != allowed_host:
            raise LoadError(f"host {host!r} is not the allowed target host {allowed_host!r}", limit="allowed_host")
        if allowed_port is not None:
            port = parts.port if parts.port is not None else _DEFAULT_PORTS[parts.scheme.lower()]
            if port != allowed_port:
                raise LoadError(f"port {port} is not the allowed target port {allowed_port}", limit="allowed_host")

    def check(self, spec: LoadSpec) -> None:
        """Raise LoadError for the first setting of `spec` this policy refuses."""
        self.check_url(spec.url)
        if isinstance(spec.concurrency, bool) or not isinstance(spec.concurrency, int) or spec.concurrency < 1:
            raise LoadError(f"concurrency {spec.concurrency!r} must be a whole number of at least 1")
        if spec.concurrency > self.max_concurrency:
            raise LoadError(
                f"concurrency {spec.concurrency} is above the limit of {self.max_concurrency}", limit="max_concurrency"
            )
        rate = spec.rate_per_worker
        if not _finite(rate) or rate <= 0:
            shown = f"{rate:g}" if _finite(rate) else repr(rate)
            raise LoadError(f"rate {shown} req/s per worker must be a number above 0 (unlimited is not allowed)")
        if rate > self.max_rate_per_worker:
            raise LoadError(
                f"rate {rate:g} req/s per worker is above the limit of {self.max_rate_per_worker:g}",
                limit="max_rate_per_worker",
            )
        if spec.duration_s is not None:
            if not _finite(spec.duration_s) or spec.duration_s <= 0:
                raise LoadError(f"duration {spec.duration_s!r} must be above 0 seconds")
            if spec.duration_s > self.max_duration_s:
                raise LoadError(
                    f"duration {format_duration(spec.duration_s)} is above the limit of "
                    f"{format_duration(self.max_duration_s)}",
                    limit="max_duration_s",
                )
        if spec.requests is not None and (
            isinstance(spec.requests, bool) or not isinstance(spec.requests, int) or spec.requests < 1
        ):
            raise LoadError(f"request count {spec.requests!r} must be a whole number of at least 1")
        if not _finite(spec.timeout_s) or not 0 < spec.timeout_s <= MAX_TIMEOUT_S:
            raise LoadError(f"timeout {spec.timeout_s!r} must be above 0 and at most {MAX_TIMEOUT_S:g} seconds")

    def run_limit_s(self, spec: LoadSpec) -> float:
        """How long a run of `spec` may last at most: its duration, else the policy's maximum."""
        return spec.duration_s if spec.duration_s is not None else self.max_duration_s


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_limit(what: str, value: float, ceiling: float, field: str) -> None:
    if not _finite(value) or value <= 0:
        raise LoadError(f"{what} {value!r} must be a number above 0")
    if value > ceiling:
        raise LoadError(f"{what} {value:g} is above the hard ceiling of {ceiling:g}", limit=field)


def _split_url(url: str) -> SplitResult:
    if not isinstance(url, str) or not url.strip():
        raise LoadError(f"URL {url!r} is empty")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise LoadError(f"URL {url!r} contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urlsplit only validates the port when it is read
    except ValueError as err:
        raise LoadError(f"URL {url!r} is malformed ({err})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        shown = repr(parts.scheme) if parts.scheme else "(none)"
        raise LoadError(f"URL scheme {shown} is not allowed, only http and https: {url!r}")
    if not parts.hostname:
        raise LoadError(f"URL {url!r} has no host")
    return parts


def _parse_allowed_host(allowed: str) -> tuple[str, int | None]:
    if not isinstance(allowed, str) or not allowed.strip() or "/" in allowed or "@" in allowed:
        raise LoadError(f"allowed host {allowed!r} must be a host name or host:port")
    allowed = allowed.strip()
    if allowed.count(":") > 1 and not allowed.startswith("["):
        # A bare IPv6 address (::1): its colons are not a port. With a port it is written [::1]:8080.
        allowed = f"[{allowed}]"
    try:
        parts = urlsplit(f"//{allowed}")
        port = parts.port
    except ValueError:
        raise LoadError(f"allowed host {allowed!r} has a malformed port (IPv6 with a port: [::1]:8080)") from None
    if not parts.hostname:
        raise LoadError(f"allowed host {allowed!r} must be a host name or host:port")
    return parts.hostname.lower().rstrip("."), port


def _redact(parts: SplitResult) -> str:
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://***@{host}{parts.path}"
