"""The one error a release raises for a user-facing problem."""

from __future__ import annotations

from tui.base.safe_text import safe_text
from tui.release.redact import redact


class ReleaseError(Exception):
    """A release that could not be made; str() is one line naming the problem, with credentials removed."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(redact(message)))


def one_line(text: str) -> str:
    """Collapse whitespace, so a message from git or a YAML parser fits a status line; a remote's controls shown."""
    return safe_text(" ".join(text.split()))
