"""Remove credentials from URLs before any text reaches the screen or a log."""

from __future__ import annotations

import re

# scheme://userinfo@host...: the userinfo may be "user:password" or a bare token. It runs up to the last "@"
# before the path, so an unencoded "@" inside a password does not leave a tail of it behind.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s'\"<>]*@")


def redact(text: str) -> str:
    """`https://user:token@host/repo.git` -> `https://host/repo.git`; scp-like `git@host:repo` is left as is."""
    return _URL_USERINFO.sub(r"\g<scheme>", text)
