"""What one load generator is asked to do, in hey's terms."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class LoadSpec:
    """hey's knobs: `-c` concurrency, `-q` rate per worker, `-z` duration, `-n` requests, `-t` timeout.

    Unlike hey, `requests` and `duration_s` may both be set; the run ends at whichever comes first. Without either
    the run still ends at the policy's maximum duration.
    """

    url: str
    concurrency: int = 5
    rate_per_worker: float = 5.0
    duration_s: float | None = None
    requests: int | None = None
    timeout_s: float = 20.0

    @property
    def max_rate(self) -> float:
        """Requests per second if every worker keeps up with its rate limit."""
        return self.concurrency * self.rate_per_worker


def with_query(url: str, query: str) -> str:
    """`url` with `query` appended to whatever query it already has (`?a=1` + `b=2` -> `?a=1&b=2`)."""
    if not query:
        return url
    parts = urlsplit(url)
    merged = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, merged, parts.fragment))
