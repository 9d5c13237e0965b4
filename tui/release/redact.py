"""Remove credentials from URLs before any text reaches the screen or a log (kept in tui.redact with the rest)."""

from __future__ import annotations

from tui.redact import redact

__all__ = ["redact"]
