"""Remove credentials from URLs before any text reaches the screen or a log (kept in tui.base.redact with the rest)."""

from __future__ import annotations

from tui.base.redact import redact

__all__ = ["redact"]
