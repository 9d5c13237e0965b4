"""Raw calls through the `kubernetes` client: JSON dicts in, errors sorted into what the UI reports.

Responses are read with `_preload_content=False` and decoded as plain dicts, so a partial or unusual
object never trips the client's model validation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

ListCall = Callable[..., Any]


class Gone(Exception):
    """The resourceVersion is too old (410): list again."""


class HttpProblem(Exception):
    """A non-2xx answer: status and the API's own reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


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
        raise HttpProblem(status, _reason(resp))


def get_json(call: ListCall, **kwargs: Any) -> dict[str, Any]:
    from kubernetes.client.exceptions import ApiException

    try:
        resp = call(_preload_content=False, **kwargs)
    except ApiException as exc:  # some client paths still raise on errors
        if exc.status == 410:
            raise Gone(str(exc.reason)) from None
        raise HttpProblem(exc.status or 0, str(exc.reason)) from None
    try:
        check(resp)
        document = json.loads(resp.data)
    finally:
        resp.release_conn()
    if not isinstance(document, dict):
        raise HttpProblem(0, "the API answered with something that is not a JSON object")
    return document


def stream_lines(resp: Any) -> Iterator[bytes]:
    """Lines of a chunked response, however the chunks fall."""
    pending = b""
    for chunk in resp.stream(amt=None, decode_content=True):
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            yield line
        if len(pending) > 16 * 1024 * 1024:
            raise HttpProblem(0, "a single watch event exceeded 16 MiB")
    if pending:
        yield pending
