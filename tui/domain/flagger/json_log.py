"""Flagger's own log: zap JSON lines on stderr (pkg/logger/logger.go), one record per line.

    {"level":"info","ts":"2026-12-06T08:48:37.123Z","caller":"controller/events.go:33",
     "msg":"Advance podinfo.test canary weight 20","canary":"podinfo.test"}

A line about a canary carries `canary` = `<name>.<namespace>` (no namespace field; namespaces have no dots, canary
names may, so the last dot splits them). Flagger logs its Warning events at level info and its errors at level
error (pkg/controller/events.go), so only `error` and above read as Warning. Lines about no canary, and debug
lines, are not events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tui.base.safe_text import safe_text
from tui.domain.flagger.payload import LATEST_MS, EventPayload, PayloadError
from tui.domain.model import EVENT_MESSAGE_LIMIT, bounded_message

WARNING_LEVELS = frozenset({"error", "dpanic", "panic", "fatal"})
QUIET_LEVELS = frozenset({"debug"})


def is_zap_record(document: Any) -> bool:
    """A zap JSON record (what Flagger logs), as opposed to a webhook payload (what the seed's logger logs)."""
    return isinstance(document, dict) and "msg" in document and "metadata" not in document


def _millis(ts: Any) -> int:
    """zap's `ts`: ISO8601 (Flagger's encoder config) or epoch seconds (zap's production default)."""
    if isinstance(ts, bool):
        raise PayloadError("log line ts is not a time")
    if isinstance(ts, int | float):
        millis = int(ts * 1000)
    elif isinstance(ts, str):
        try:
            millis = int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            raise PayloadError(f"log line ts {safe_text(repr(ts), 64)} is not ISO8601") from None
    else:
        raise PayloadError("log line has no ts")
    if not 0 <= millis < LATEST_MS:
        raise PayloadError(f"log line ts {safe_text(repr(ts), 64)} is outside years 1970 to 9999")
    return millis


def decode_record(document: dict[str, Any]) -> EventPayload | None:
    """The Flagger event a zap record reports; None for a record about no canary (or a debug one); raises
    PayloadError for a record that is not what Flagger writes."""
    message, level, canary = document.get("msg"), document.get("level"), document.get("canary")
    if not isinstance(message, str):
        raise PayloadError("log line has no msg")
    if not isinstance(level, str):
        raise PayloadError("log line has no level")
    if canary is None or level.lower() in QUIET_LEVELS:
        return None
    if not isinstance(canary, str):
        raise PayloadError("log line canary is not a string")
    name, dot, namespace = canary.rpartition(".")
    if not dot or not name or not namespace:
        raise PayloadError(f"log line canary {safe_text(repr(canary), 80)} is not NAME.NAMESPACE")
    return EventPayload(
        name=safe_text(name),
        namespace=safe_text(namespace),
        phase="",
        message=safe_text(bounded_message(message), EVENT_MESSAGE_LIMIT),
        event_type="Warning" if level.lower() in WARNING_LEVELS else "Normal",
        timestamp_ms=_millis(document.get("ts")),
    )
