"""core/v1 Events about an object, written the way client-go's legacy recorder (used by Flagger) writes them.

- A repeat of an identical event bumps `count`, `lastTimestamp` (and rewrites `message`) on the existing Event.
- With `aggregate=True`, client-go's correlator defaults apply: once 10 distinct messages with the same
  source/object/type/reason arrive within 10 minutes, further ones land on one Event whose message is
  `(combined from similar events): <latest message>` and whose count grows.
- With `spam_filter=True`, a token bucket per source and object (burst 25, one per 5 minutes) drops the excess,
  after the dedupe cache has been updated, as client-go does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.standin.errors import ApiError
from tests.standin.patching import merge_patch
from tests.standin.resources import EVENTS
from tests.standin.store import rfc3339

if TYPE_CHECKING:
    from tests.standin.apiserver import ApiServer

AGGREGATE_PREFIX = "(combined from similar events): "
MAX_SIMILAR = 10
SIMILAR_WINDOW_S = 600.0
SPAM_BURST = 25
SPAM_REFILL_S = 300.0
CACHE_SIZE = 4096


@dataclass
class _Similar:
    messages: OrderedDict[str, None] = field(default_factory=OrderedDict)
    last: datetime | None = None


@dataclass
class _Observed:
    name: str
    count: int
    first: str


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class EventRecorder:
    def __init__(
        self,
        api: ApiServer,
        *,
        component: str = "flagger",
        host: str = "",
        aggregate: bool = False,
        spam_filter: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.api = api
        self.component = component
        self.host = host
        self.aggregate = aggregate
        self.spam_filter = spam_filter
        self.clock = clock or api.store.clock
        self._observed: OrderedDict[tuple, _Observed] = OrderedDict()
        self._similar: OrderedDict[tuple, _Similar] = OrderedDict()
        self._buckets: dict[tuple, _Bucket] = {}
        self._last_nanos = 0

    def normal(self, obj: Mapping[str, Any], message: str, reason: str = "Synced") -> dict | None:
        return self.event(obj, "Normal", message, reason)

    def warning(self, obj: Mapping[str, Any], message: str, reason: str = "Synced") -> dict | None:
        return self.event(obj, "Warning", message, reason)

    def event(self, obj: Mapping[str, Any], type_: str, message: str, reason: str = "Synced") -> dict | None:
        """Record one event about `obj` (a dict with apiVersion, kind, metadata). Returns the stored Event, or None
        when the spam filter dropped it."""
        now = self.clock()
        meta = obj.get("metadata") or {}
        involved = {
            "kind": obj.get("kind", ""),
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "uid": meta.get("uid", ""),
            "apiVersion": obj.get("apiVersion", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        }
        source = (
            self.component,
            self.host,
            involved["kind"],
            involved["namespace"],
            involved["name"],
            involved["uid"],
            involved["apiVersion"],
        )
        similar_key = (*source, type_, reason)
        key: tuple = (*similar_key, message)
        if self.aggregate:
            message, key = self._correlate(similar_key, message, now)
        observed = self._observed.get(key)
        stamp = rfc3339(now)
        if observed is not None:
            observed.count += 1
        else:
            observed = _Observed(self._name(involved["name"], now), 1, stamp)
        self._remember(self._observed, key, observed)
        if self.spam_filter and not self._take_token((*source, type_), now):
            return None
        ns = involved["namespace"] or "default"
        if observed.count > 1:
            patch = {"count": observed.count, "lastTimestamp": stamp, "message": message}
            try:
                return self.api.store.patch(EVENTS, ns, observed.name, lambda cur: merge_patch(cur, patch))
            except ApiError as exc:
                if exc.code != 404:
                    raise  # else the Event expired or was deleted: create it again, as client-go does
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": observed.name, "namespace": ns},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "firstTimestamp": observed.first,
            "lastTimestamp": stamp,
            "count": observed.count,
            "type": type_,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
        return self.api.store.create(EVENTS, ns, event)

    def _correlate(self, similar_key: tuple, message: str, now: datetime) -> tuple[str, tuple]:
        record = self._similar.get(similar_key) or _Similar()
        if record.last is not None and (now - record.last).total_seconds() > SIMILAR_WINDOW_S:
            record = _Similar()
        record.last = now
        record.messages[message] = None
        self._remember(self._similar, similar_key, record)
        if len(record.messages) < MAX_SIMILAR:
            return message, (*similar_key, message)
        record.messages.popitem(last=False)
        return AGGREGATE_PREFIX + message, similar_key

    def _take_token(self, key: tuple, now: datetime) -> bool:
        bucket = self._buckets.get(key) or _Bucket(float(SPAM_BURST), now)
        refill = (now - bucket.at).total_seconds() / SPAM_REFILL_S
        bucket.tokens = min(float(SPAM_BURST), bucket.tokens + max(0.0, refill))
        bucket.at = now
        self._buckets[key] = bucket
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def _name(self, base: str, now: datetime) -> str:
        nanos = max(int(now.timestamp() * 1e9), self._last_nanos + 1)
        self._last_nanos = nanos
        return f"{base}.{nanos:x}"

    @staticmethod
    def _remember(cache: OrderedDict, key: tuple, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
