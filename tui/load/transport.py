"""Short names for failed requests (no HTTP response at all), counted apart from HTTP statuses."""

from __future__ import annotations

import errno
import socket
import ssl

import httpx

_REFUSED = {errno.ECONNREFUSED}
_RESET = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}


def error_kind(err: BaseException) -> str:
    if isinstance(err, httpx.TimeoutException):
        return "timeout"
    # httpx wraps the socket error ("All connection attempts failed"); the cause says what happened.
    for cause in _chain(err):
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) in _REFUSED:
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "name resolution failed"
        if isinstance(cause, ssl.SSLError):
            return "TLS error"
        if isinstance(cause, ConnectionResetError | BrokenPipeError) or getattr(cause, "errno", None) in _RESET:
            return "connection reset"
    if isinstance(err, httpx.ConnectError):
        return "connect error"
    if isinstance(err, httpx.RemoteProtocolError):
        return "server closed the connection"
    if isinstance(err, httpx.ReadError | httpx.WriteError):
        return "connection reset"
    return type(err).__name__


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
