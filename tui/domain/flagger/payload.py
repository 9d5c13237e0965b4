"""Flagger's webhook payload, encoded byte-for-byte as Go's encoder writes it and decoded defensively."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tui.base.safe_text import safe_text
from tui.domain.model import EVENT_MESSAGE_LIMIT, FlaggerEvent, bounded_message


@dataclass(frozen=True)
class EventPayload:
    name: str
    namespace: str
    phase: str
    message: str
    event_type: str
    timestamp_ms: int
    checksum: str | None = None
    extra: tuple[tuple[str, str], ...] = ()


def _go_escape(text: str) -> str:
    # encoding/json escapes HTML-significant characters and the two JS line separators.
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def encode(payload: EventPayload) -> str:
    """Keys in Go struct order (name, namespace, phase, checksum, metadata), metadata keys sorted."""
    metadata = {
        "eventMessage": payload.message,
        "eventType": payload.event_type,
        "timestamp": str(payload.timestamp_ms),
    }
    for key, value in payload.extra:
        metadata.setdefault(key, value)
    document: dict[str, Any] = {"name": payload.name, "namespace": payload.namespace, "phase": payload.phase}
    if payload.checksum is not None:
        document["checksum"] = payload.checksum
    document["metadata"] = dict(sorted(metadata.items()))
    return _go_escape(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


class PayloadError(ValueError):
    pass


# The first millisecond of the year 10000: later times cannot be shown (nor are they meant).
LATEST_MS = 253_402_300_800_000


def decode(document: Any) -> EventPayload:
    """Read a payload dict (already JSON-decoded); raises PayloadError naming what is missing or wrong.

    Any workload can POST to the logger, so every string is made safe (tui.base.safe_text) here.
    """
    if not isinstance(document, dict):
        raise PayloadError("payload is not a JSON object")
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        raise PayloadError("payload has no metadata object")
    name, namespace = document.get("name"), document.get("namespace")
    message = metadata.get("eventMessage")
    if not isinstance(name, str) or not isinstance(namespace, str) or not name or not namespace:
        raise PayloadError("payload has no name/namespace")
    if not isinstance(message, str):
        raise PayloadError("payload has no eventMessage")
    event_type = metadata.get("eventType")
    if event_type not in ("Normal", "Warning"):
        event_type = "Normal" if event_type is None else safe_text(str(event_type), 32)
    raw_ts = metadata.get("timestamp")
    try:
        timestamp_ms = int(str(raw_ts))
    except (TypeError, ValueError):
        raise PayloadError(f"payload timestamp {safe_text(repr(raw_ts), 64)} is not epoch milliseconds") from None
    if not 0 <= timestamp_ms < LATEST_MS:
        raise PayloadError(f"payload timestamp {safe_text(repr(raw_ts), 64)} is outside years 1970 to 9999")
    phase = document.get("phase")
    checksum = document.get("checksum")
    extra = tuple(
        sorted(
            (safe_text(str(k)), safe_text(str(v)))
            for k, v in metadata.items()
            if k not in ("eventMessage", "eventType", "timestamp")
        )
    )
    return EventPayload(
        name=safe_text(name),
        namespace=safe_text(namespace),
        phase=safe_text(phase) if isinstance(phase, str) else "",
        # Cut to the event bound first, so the size it had is the one said after `…`.
        message=safe_text(bounded_message(message), EVENT_MESSAGE_LIMIT),
        event_type=event_type,
        timestamp_ms=timestamp_ms,
        checksum=safe_text(checksum) if isinstance(checksum, str) else None,
        extra=extra,
    )


def as_event(payload: EventPayload, source: str = "logger") -> FlaggerEvent:
    """The Flagger event a webhook payload reports."""
    return FlaggerEvent(
        t=payload.timestamp_ms / 1000,
        namespace=payload.namespace,
        name=payload.name,
        type=payload.event_type,
        message=payload.message,
        phase=payload.phase or None,
        checksum=payload.checksum,
        source=source,
    )
