"""The load a loadtester `cmd` task sends, read from its command: a `hey` run, or a shell loop of `curl` requests.

The real loadtester image's `hey` is not always there (the lab's loadtester has only `sh`, `bash` and curl), so a
load test is also written as `for i in $(seq 120); do curl -s -o /dev/null -H 'Host: app.example' URL; sleep 0.1;
done`: one worker, one request then a pause, `count` times. The simulation runs it as hey's model with one worker
at 1/pause requests per second for count x pause seconds. A `Host` header names the app by its Ingress host.
"""

from __future__ import annotations

import re
import shlex
from urllib.parse import urlsplit

from tui.sim.hey import HeyError, HeyLoad, parse_hey

MAX_COUNT = 100_000
MIN_PAUSE_S = 0.01
MAX_PAUSE_S = 60.0
_LOOP = re.compile(
    r"^for (?P<var>[A-Za-z_]\w*) in \$\(seq (?P<count>\d+)\); do (?P<curl>curl .+?); sleep (?P<pause>\S+); done$"
)
_FLAGS_ALONE = frozenset({"-s", "-S", "-sS", "-Ss", "--silent", "--show-error", "-f", "--fail"})
_FLAGS_WITH_VALUE = frozenset({"-o", "--output", "-H", "--header"})


def parse_task_load(cmd: str) -> HeyLoad:
    """A `hey` command or a curl loop as the load it sends; HeyError (one line) for anything else."""
    text = cmd.strip()
    if text.startswith("for "):
        return parse_curl_loop(text)
    return parse_hey(text)


def parse_curl_loop(cmd: str) -> HeyLoad:
    match = _LOOP.match(" ".join(cmd.split()))
    if match is None:
        raise HeyError(
            f"expected a loop like 'for i in $(seq 120); do curl -s -o /dev/null URL; sleep 0.1; done', got {cmd!r}"
        )
    count = int(match["count"])
    if not 1 <= count <= MAX_COUNT:
        raise HeyError(f"seq must count between 1 and {MAX_COUNT}, got {count}")
    try:
        pause = float(match["pause"])
    except ValueError:
        raise HeyError(f"sleep expects seconds, got {match['pause']!r}") from None
    if not MIN_PAUSE_S <= pause <= MAX_PAUSE_S:
        raise HeyError(f"sleep must be between {MIN_PAUSE_S:g} and {MAX_PAUSE_S:g} seconds, got {match['pause']}")
    url, host = _curl(match["curl"])
    return HeyLoad(duration_s=count * pause, rate=1 / pause, concurrency=1, url=url, host=host)


def _curl(command: str) -> tuple[str, str | None]:
    """(URL, the Host header or None) of one `curl` command with the flags a load loop uses."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise HeyError(f"cannot split the curl command: {exc}") from None
    urls: list[str] = []
    host: str | None = None
    rest = iter(words[1:])
    for word in rest:
        if word in _FLAGS_ALONE:
            continue
        if word in _FLAGS_WITH_VALUE:
            value = next(rest, None)
            if value is None:
                raise HeyError(f"curl {word} needs a value")
            name, _, header = value.partition(":")
            if word in ("-H", "--header") and name.strip().lower() == "host":
                host = header.strip().lower() or None
            continue
        if word.startswith("-"):
            raise HeyError(f"curl flag {word} is not simulated (use -s, -o FILE and -H HEADER)")
        urls.append(word)
    parts = urlsplit(urls[0]) if len(urls) == 1 else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise HeyError(f"curl needs exactly one http URL, got {' '.join(urls) or 'none'}")
    return urls[0], host
