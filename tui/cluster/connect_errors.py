"""Connection and TLS failures worded for a person: the certificate problem, never an exception's name."""

from __future__ import annotations

import re
import ssl
import warnings

# OpenSSL's reasons as Python reports them, in the words an SRE would search for.
_VERIFY_REASONS = (
    ("self-signed certificate in certificate chain", "a self-signed certificate in the chain is not trusted"),
    ("self-signed certificate", "the server's certificate is self-signed and not trusted"),
    ("self signed certificate", "the server's certificate is self-signed and not trusted"),
    ("unable to get local issuer certificate", "the certificate's issuer is not among the trusted CAs"),
    ("certificate has expired", "the server's certificate has expired"),
    ("certificate is not yet valid", "the server's certificate is not valid yet"),
    ("hostname mismatch", "the server's certificate is for another host name"),
    ("ip address mismatch", "the server's certificate is for another IP address"),
    ("wrong version number", "the server does not speak TLS there (plain HTTP?)"),
)


def tls_problem(exc: BaseException) -> str:
    """One line naming the certificate problem behind an SSL error (however deeply urllib3 wrapped it)."""
    text = str(exc)
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError) and cause.verify_message:
            text = cause.verify_message
            break
        cause = cause.__cause__ or cause.__context__
    lowered = text.lower()
    for needle, words in _VERIFY_REASONS:
        if needle in lowered:
            return f"TLS: {words}"
    match = re.search(r"\] ([^(]+?)(?: \(_ssl|\)|$)", text)
    detail = match.group(1).strip() if match else "the TLS handshake failed"
    return f"TLS: {detail}"


def describe_connect_error(reason: BaseException) -> str:
    text = str(reason).lower()
    if "name or service not known" in text or "nodename nor servname" in text or "failed to resolve" in text:
        return "cannot resolve the server's host name"
    if "timed out" in text:
        return "connection timed out"
    if "refused" in text:
        return "connection refused"
    return "cannot connect"


def quiet_insecure_warnings() -> None:
    """urllib3 warns on every request to an unverified server; canaryscope says it once on its own."""
    import urllib3.exceptions

    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)


def describe_transport(exc: BaseException) -> str:
    """One line for a failed request to the API server, whatever layer it failed in."""
    import urllib3.exceptions

    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        reason = " ".join(str(getattr(exc, "reason", "") or "").split())[:120]
        return f"HTTP {status}" + (f": {reason}" if reason else "")
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return "no data within the read timeout"
    if isinstance(exc, urllib3.exceptions.MaxRetryError):
        reason = exc.reason
        if isinstance(reason, urllib3.exceptions.NameResolutionError):
            return "cannot resolve the server's host name"
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return describe_connect_error(reason)
        if isinstance(reason, urllib3.exceptions.SSLError):
            return tls_problem(reason)
        return describe_connect_error(reason) if reason else "cannot connect"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return tls_problem(exc)
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return "connection dropped"
    if isinstance(exc, ValueError):
        return "malformed answer from the API server"
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError):
        return describe_connect_error(exc)
    return f"unexpected error ({exc.__class__.__name__})"
