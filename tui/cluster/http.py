"""Raw calls through the `kubernetes` client: JSON dicts in, errors sorted into what the UI reports.

Responses are read with `_preload_content=False` and decoded as plain dicts, so a partial or unusual
object never trips the client's model validation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

ListCall = Callable[..., Any]


class Gone(Exception):
    """The resourceVersion is too old (410): list again."""


class HttpProblem(Exception):
    """A non-2xx answer: status, the API's own reason and, for 429 and 503, the server's Retry-After in seconds."""

    def __init__(self, status: int, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.retry_after_s = retry_after_s


class StalledStream(Exception):
    """A stream that keeps the connection busy without completing a line within the read timeout."""


# One watch event (an object) larger than this is refused: etcd stores at most 1.5 MiB per object.
MAX_LINE_BYTES = 8 * 1024 * 1024


def retry_after(headers: Any) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    from email.utils import parsedate_to_datetime

    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(resp: Any) -> str:
    try:
        body = json.loads(resp.data or b"{}")
        return str(body.get("message") or body.get("reason") or resp.reason)
    except (ValueError, AttributeError):
        return str(getattr(resp, "reason", "") or "")


def check(resp: Any) -> None:
    status = getattr(resp, "status", 200)
    if status == 410:
        raise Gone(_reason(resp))
    if not 200 <= status <= 299:
        raise HttpProblem(status, _reason(resp), retry_after(getattr(resp, "headers", None)))


def get_json(call: ListCall, **kwargs: Any) -> dict[str, Any]:
    from kubernetes.client.exceptions import ApiException

    try:
        resp = call(_preload_content=False, **kwargs)
    except ApiException as exc:  # some client paths still raise on errors
        if exc.status == 410:
            raise Gone(str(exc.reason)) from None
        raise HttpProblem(exc.status or 0, str(exc.reason), retry_after(exc.headers)) from None
    try:
        check(resp)
        document = json.loads(resp.data)
    finally:
        resp.release_conn()
    if not isinstance(document, dict):
        raise HttpProblem(0, "the API answered with something that is not a JSON object")
    return document


def stream_lines(
    resp: Any, *, stall_s: float | None = None, clock: Callable[[], float] = time.monotonic
) -> Iterator[bytes]:
    """Lines of a chunked response, however the chunks fall.

    Each byte is looked at once (a fast stream without newlines must not cost a core), a line is bounded by
    MAX_LINE_BYTES, and with `stall_s` a line that is still incomplete that long after it began ends the stream:
    a server trickling bytes keeps every read within its timeout while delivering nothing.
    """
    pending = bytearray()
    started: float | None = None
    for chunk in resp.stream(amt=None, decode_content=True):
        if not chunk:
            continue
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if pending:
                pending += chunk[start:end]
                line = bytes(pending)
                pending.clear()
            else:
                line = chunk[start:end]
            started = None
            yield line
            start = end + 1
        if start < len(chunk):
            pending += chunk[start:]
            now = clock()
            if started is None:
                started = now
            elif stall_s is not None and now - started > stall_s:
                raise StalledStream(f"a watch line stayed incomplete for more than {stall_s:g} s")
        if len(pending) > MAX_LINE_BYTES:
            raise HttpProblem(0, f"a single watch event exceeded {MAX_LINE_BYTES // (1024 * 1024)} MiB")
    if pending:
        yield bytes(pending)
