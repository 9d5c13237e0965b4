"""The `hey` load a loadtester `cmd` task runs, read from its command line (only the flags the scenarios use)."""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from tui.base.yaml_file import duration_value

MAX_CONCURRENCY = 50
MAX_RATE = 100.0
HEY_DEFAULT_CONCURRENCY = 50


class HeyError(ValueError):
    """A `hey` command the simulation cannot run, worded as one line."""


@dataclass(frozen=True)
class HeyLoad:
    duration_s: float
    rate: float  # per worker (hey's -q)
    concurrency: int
    url: str
    host: str | None = None  # a Host header: the app's Ingress host, in place of the URL's

    @property
    def service(self) -> str:
        """The Service the load goes to: the first label of the URL's host (`examiner-canary.apps`)."""
        return (urlsplit(self.url).hostname or "").split(".")[0]

    def app_service(self, app: str, ingress_host: str) -> str | None:
        """Which of the app's Services it reaches (the apex `app`, `app-canary`, `app-primary`), None for none:
        a Host header reaches the apex through the Ingress when it is the app's host, else the Service it names
        as the URL's host would (`examiner-canary.apps`, an Ingress rule per Service)."""
        if self.host is not None and self.host == ingress_host.lower():
            return app
        service = self.service if self.host is None else self.host.split(".")[0]
        return service if service in (app, f"{app}-canary", f"{app}-primary") else None


def parse_hey(cmd: str) -> HeyLoad:
    """`hey -z 1m -q 10 -c 2 http://examiner-canary.apps/examine`: -z and -q are required, -c defaults to 50."""
    try:
        words = shlex.split(cmd)
    except ValueError as exc:
        raise HeyError(f"cannot split the command: {exc}") from None
    if not words or words[0] != "hey":
        raise HeyError(f"expected a hey command like 'hey -z 1m -q 5 -c 2 http://NAME-canary.NS/', got {cmd!r}")
    flags: dict[str, str] = {}
    urls: list[str] = []
    rest = iter(words[1:])
    for word in rest:
        if word in ("-z", "-q", "-c"):
            value = next(rest, None)
            if value is None:
                raise HeyError(f"hey {word} needs a value")
            flags[word] = value
        elif word.startswith("-"):
            raise HeyError(f"hey flag {word} is not simulated (use -z, -q and -c)")
        else:
            urls.append(word)
    if len(urls) != 1 or urlsplit(urls[0]).scheme not in ("http", "https") or not urlsplit(urls[0]).hostname:
        raise HeyError(f"hey needs exactly one http URL, got {' '.join(urls) or 'none'}")
    if "-z" not in flags:
        raise HeyError("hey needs -z (a duration like 1m): a request count is not simulated")
    duration = duration_value(flags["-z"], "hey -z", HeyError, minimum=1, maximum=3600, allow_zero=False)
    if "-q" not in flags:
        raise HeyError("hey needs -q (requests per second per worker): an unlimited rate is not simulated")
    rate = _number(flags["-q"], "-q", 0.1, MAX_RATE)
    concurrency = HEY_DEFAULT_CONCURRENCY
    if "-c" in flags:
        concurrency = int(_number(flags["-c"], "-c", 1, MAX_CONCURRENCY, whole=True))
    return HeyLoad(duration_s=duration, rate=rate, concurrency=concurrency, url=urls[0])


def _number(text: str, flag: str, low: float, high: float, *, whole: bool = False) -> float:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise HeyError(f"hey {flag} expects a number, got {text!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise HeyError(f"hey {flag} must be between {low:g} and {high:g}, got {text}")
    return value
