"""How an examiner pod answers GET /examine: status and latency from query parameters and its env."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

_RANGE = re.compile(r"^(\d+)(?:\.{2,}(\d+))?$")
# Proxy and handler overhead on top of the requested delay.
OVERHEAD_MS = (1, 3)


@lru_cache(maxsize=64)  # asked once per simulated request, always about the same few strings
def parse_delay(text: str | None) -> tuple[int, int] | None:
    """`N` or `MIN..MAX` (any number of dots) in ms; None when absent or invalid."""
    if text is None:
        return None
    match = _RANGE.match(text.strip())
    if not match:
        return None
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low
    if high < low:
        return None
    return low, high


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def mean_delay_ms(query: Mapping[str, str], env: Mapping[str, str]) -> float:
    delay = parse_delay(query["delay"]) if "delay" in query else parse_delay(env.get("REQUEST_DELAY"))
    if delay is None:
        return sum(OVERHEAD_MS) / 2
    return (delay[0] + delay[1]) / 2 + sum(OVERHEAD_MS) / 2


def decide_status(env: Mapping[str, str], query: Mapping[str, str], rng: random.Random) -> int:
    """A valid `status` parameter (200-599) wins; otherwise 500 with SERVER_ERROR_RATE percent chance."""
    status_param = query.get("status")
    if status_param is not None and status_param.isdigit() and 200 <= int(status_param) <= 599:
        return int(status_param)
    try:
        rate = int(env.get("SERVER_ERROR_RATE", "0") or 0)
    except ValueError:
        rate = 0
    return 500 if rate > 0 and rng.random() * 100 <= rate else 200


def decide_delay_ms(env: Mapping[str, str], query: Mapping[str, str], rng: random.Random) -> int:
    """The requested delay: the `delay` parameter, else REQUEST_DELAY; a present but invalid parameter means
    no delay at all (the env default is not used)."""
    delay = parse_delay(query["delay"]) if "delay" in query else parse_delay(env.get("REQUEST_DELAY"))
    return rng.randint(*delay) if delay else 0


def respond(env: Mapping[str, str], query: Mapping[str, str], rng: random.Random) -> tuple[int, int]:
    """(status, latency ms) as examiner 1.9 decides them, plus the proxy's and handler's overhead."""
    status = decide_status(env, query, rng)
    latency = decide_delay_ms(env, query, rng)
    return status, latency + rng.randint(*OVERHEAD_MS)
