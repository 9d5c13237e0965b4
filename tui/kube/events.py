"""Kubernetes Events about Canaries, with the Events API's merging undone as far as it can be.

client-go on Flagger's side folds repeats into one Event whose `count` grows, and after ten similar events
in ten minutes rewrites messages as "(combined from similar events): …". Each count increase is reported
as its own occurrence at lastTimestamp; the prefix is stripped. Names and messages are made safe here.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from tui.base.safe_text import safe_text
from tui.domain.flagger.messages import strip_combined
from tui.domain.model import EVENT_MESSAGE_LIMIT, FlaggerEvent, bounded_message
from tui.kube.parse import parse_timestamp

TRACKED_EVENTS_LIMIT = 10_000


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


class EventTracker:
    def __init__(self) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()

    def occurrences(self, obj: dict[str, Any]) -> list[FlaggerEvent]:
        involved = _dict(obj.get("involvedObject"))
        meta = _dict(obj.get("metadata"))
        series = _dict(obj.get("series"))
        if involved.get("kind") != "Canary":
            return []
        name = involved.get("name")
        namespace = involved.get("namespace") or meta.get("namespace")
        message = obj.get("message")
        if not isinstance(name, str) or not isinstance(namespace, str) or not isinstance(message, str):
            return []
        uid = str(meta.get("uid") or f"{namespace}/{meta.get('name')}")
        count = _int(obj.get("count") or series.get("count"))
        last = (
            parse_timestamp(series.get("lastObservedTime"))
            or parse_timestamp(obj.get("lastTimestamp"))
            or parse_timestamp(obj.get("eventTime"))
            or parse_timestamp(meta.get("creationTimestamp"))
        )
        first = parse_timestamp(obj.get("firstTimestamp")) or last
        if last is None:
            return []
        text, combined = strip_combined(safe_text(bounded_message(message), EVENT_MESSAGE_LIMIT))
        name, namespace = safe_text(name), safe_text(namespace)
        kind = obj.get("type") if obj.get("type") in ("Normal", "Warning") else "Normal"

        def occurrence(t: float) -> FlaggerEvent:
            return FlaggerEvent(t=t, namespace=namespace, name=name, type=kind, message=text, source="events")

        seen = self._counts.get(uid)
        self._counts[uid] = count
        self._counts.move_to_end(uid)
        while len(self._counts) > TRACKED_EVENTS_LIMIT:
            self._counts.popitem(last=False)
        if seen is None:
            # First sight: the first and the latest occurrence are known, those between are not. A combined
            # Event only keeps its latest message, so its first occurrence said something else: skip it.
            if count > 1 and first is not None and first != last and not combined:
                return [occurrence(first), occurrence(last)]
            return [occurrence(last)]
        if count > seen:
            return [occurrence(last)]
        return []
