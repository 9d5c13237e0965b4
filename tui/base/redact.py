"""Every credential this process holds, in one place, and the scrubbing of any text before it is shown or logged.

Credentials are registered where they are read (kubeconfig users, the client's bearer token after each refresh, a
Prometheus password, the serve token); `scrub` then removes them, the forms they travel in (base64 of a basic-auth
pair, the lines of a PEM key) and any URL userinfo from a text. Messages from a cluster or a proxy may echo a token
(a 401 reason phrase, an error body): everything shown goes through `scrub`.
"""

from __future__ import annotations

import base64
import logging
import re
import threading

MASK = "***"
# Shorter values would mask ordinary words; they are still removed from URLs by the userinfo rule.
MIN_SECRET_LEN = 6
# A secret cut short by a length limit (a message truncated to 160 characters) is still recognised by its start.
MIN_PREFIX_LEN = 8

# scheme://userinfo@host...: the userinfo may be "user:password" or a bare token. It runs up to the last "@"
# before the path, so an unencoded "@" inside a password does not leave a tail of it behind. "?", "#" and brackets
# end an authority (RFC 3986) and the symbols control characters are shown as never occur in one: text that merely
# follows a URL is not taken for its userinfo.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s'\"<>?#\[\]\u2400-\u243f]*@")
_PEM_LINE = re.compile(r"^[A-Za-z0-9+/=]{16,}$")

_lock = threading.Lock()
_secrets: set[str] = set()


def redact(text: str) -> str:
    """`https://user:token@host/repo.git` -> `https://host/repo.git`; scp-like `git@host:repo` is left as is."""
    return _URL_USERINFO.sub(r"\g<scheme>", text)


def register(secret: str | bytes | None) -> None:
    """Remember a credential (and its PEM lines, if it is a key) so that `scrub` removes it from any text."""
    if secret is None:
        return
    text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else str(secret)
    text = text.strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    forms = {text}
    if "-----BEGIN" in text:
        # A key travels whole, base64-encoded or line by line; any body line is enough to recognise it.
        forms.update(line.strip() for line in text.splitlines() if _PEM_LINE.match(line.strip()))
        forms.add(base64.b64encode(text.encode()).decode())
        forms.add(base64.b64encode((text + "\n").encode()).decode())
    with _lock:
        _secrets.update(f for f in forms if len(f) >= MIN_SECRET_LEN)


def register_basic_auth(user: str, password: str) -> None:
    """A username/password pair: the password, and the Authorization header value built from both."""
    register(password)
    register(base64.b64encode(f"{user}:{password}".encode()).decode())


def known() -> int:
    with _lock:
        return len(_secrets)


def forget_all() -> None:
    """For tests: start again with no registered credentials."""
    with _lock:
        _secrets.clear()


def scrub(text: str) -> str:
    """The text with URL userinfo and every registered credential (whole, or cut short at the end) masked."""
    if not text:
        return text
    text = redact(text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for secret in secrets:
        for size in range(min(len(secret) - 1, len(text)), MIN_PREFIX_LEN - 1, -1):
            if text.endswith(secret[:size]):
                text = text[:-size] + MASK
                break
    return text


class _ScrubbingRecord(logging.LogRecord):
    """A log record whose message (with its arguments) and traceback text are scrubbed when it is made."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        try:
            message = self.getMessage()
        except Exception:  # a bad format string: leave it to logging to report
            return
        self.msg, self.args = scrub(message), None
        if self.exc_info and not self.exc_text:
            self.exc_text = scrub(logging.Formatter().formatException(self.exc_info))


def scrub_logs() -> None:
    """Every log record of every logger is scrubbed from now on, whichever handler writes it."""
    logging.setLogRecordFactory(_ScrubbingRecord)
