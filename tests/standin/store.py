"""Object storage with kube-apiserver's bookkeeping, watch fan-out and a bounded change history.

Every write takes the next cluster-wide resourceVersion. A watch from resourceVersion X replays the history after X,
or fails with 410 Expired when history older than X has been dropped, as etcd compaction makes the real server do.
"""

from __future__ import annotations

import base64
import copy
import json
import queue
import secrets
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from tests.standin import errors
from tests.standin.resources import ResourceType
from tests.standin.selectors import FieldSelector, LabelSelector

Clock = Callable[[], datetime]
ObjKey = tuple[str, str]  # (namespace or "", name)


def rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Change:
    rv: int
    key: tuple[str, str]
    type: str  # ADDED, MODIFIED, DELETED
    obj: dict
    prev: dict | None


class Watcher:
    """One open watch: a bounded queue of (type, object) filled by the store, drained by an HTTP handler."""

    def __init__(
        self,
        rt: ResourceType,
        version: str,
        namespace: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        queue_size: int,
    ) -> None:
        self.rt = rt
        self.version = version
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue(queue_size)
        self.closed = threading.Event()  # set when the server ends this watch (overflow, CRD removed, shutdown)

    def matches(self, obj: dict) -> bool:
        meta = obj.get("metadata") or {}
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        if self.labels and not self.labels.matches(obj):
            return False
        return not (self.fields and not self.fields.matches(obj))

    def offer(self, change: Change) -> None:
        """Translate a change into what this watcher sees, the way the watch cache does for selector transitions."""
        now = self.matches(change.obj)
        before = change.prev is not None and self.matches(change.prev)
        if change.type == "MODIFIED":
            if now and before:
                event = ("MODIFIED", change.obj)
            elif now:
                event = ("ADDED", change.obj)
            elif before:
                assert change.prev is not None
                gone = copy.deepcopy(change.prev)
                gone["metadata"]["resourceVersion"] = str(change.rv)
                event = ("DELETED", gone)
            else:
                return
        elif now:
            event = (change.type, change.obj)
        else:
            return
        self.put(event)

    def put(self, event: tuple[str, dict]) -> None:
        if self.closed.is_set():
            return
        try:
            self.events.put_nowait(event)
        except queue.Full:
            self.closed.set()  # a consumer that cannot keep up is cut off, as the real watch cache does


@dataclass
class LogLine:
    seq: int
    at: datetime
    text: str


class Store:
    def __init__(
        self,
        clock: Clock,
        history_size: int = 1000,
        watch_queue_size: int = 1000,
        log_lines: int = 10_000,
        first_rv: int = 100,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)  # notified on every write and log line
        self._types: dict[tuple[str, str], ResourceType] = {}
        self._objects: dict[tuple[str, str], dict[ObjKey, dict]] = {}
        self._rv = first_rv
        self._history: deque[Change] = deque(maxlen=history_size)
        self._compacted_rv = first_rv  # watches from an RV below this are answered 410
        self._watchers: set[Watcher] = set()
        self._watch_queue_size = watch_queue_size
        self._logs: dict[tuple[str, str, str], deque[LogLine]] = {}
        self._log_seq: dict[tuple[str, str, str], int] = {}
        self._log_lines = log_lines

    # --- types ----------------------------------------------------------------------------------------------------

    def install(self, rt: ResourceType) -> None:
        with self.lock:
            self._types[rt.key] = rt
            self._objects.setdefault(rt.key, {})

    def uninstall(self, key: tuple[str, str]) -> None:
        """Drop a resource type with its objects and end its watches, like deleting a CRD."""
        with self.lock:
            self._types.pop(key, None)
            self._objects.pop(key, None)
            for w in [w for w in self._watchers if w.rt.key == key]:
                w.closed.set()
                self._watchers.discard(w)
            self.changed.notify_all()

    def types(self) -> list[ResourceType]:
        with self.lock:
            return list(self._types.values())

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self.lock:
            rt = self._types.get((group, plural))
            return rt if rt and version in rt.versions else None

    def type_for(self, api_version: str, kind: str) -> ResourceType:
        group, _, version = api_version.rpartition("/")
        with self.lock:
            for rt in self._types.values():
                if rt.group == group and rt.kind == kind and version in rt.versions:
                    return rt
        raise LookupError(f"no resource serves {api_version} {kind}")

    def installed(self, key: tuple[str, str]) -> bool:
        with self.lock:
            return key in self._types

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    # --- reads ----------------------------------------------------------------------------------------------------

    def _bucket(self, rt: ResourceType) -> dict[ObjKey, dict]:
        try:
            return self._objects[rt.key]
        except KeyError:
            raise errors.no_such_path() from None

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict:
        with self.lock:
            obj = self._bucket(rt).get((namespace or "", name))
            if obj is None:
                raise errors.not_found(rt, name)
            return copy.deepcopy(obj)

    def list(
        self,
        rt: ResourceType,
        namespace: str | None,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
    ) -> tuple[list[dict], int]:
        with self.lock:
            items = [
                copy.deepcopy(o)
                for k, o in sorted(self._bucket(rt).items())
                if (namespace is None or k[0] == namespace)
                and (labels is None or labels.matches(o))
                and (fields is None or fields.matches(o))
            ]
            return items, self._rv

    # --- writes ---------------------------------------------------------------------------------------------------

    def _commit(self, rt: ResourceType, kind: str, obj: dict, prev: dict | None) -> dict:
        """Record a change (the caller holds the lock and has already stamped obj with self._rv)."""
        if self._history.maxlen is not None and len(self._history) == self._history.maxlen:
            self._compacted_rv = self._history[0].rv
        change = Change(self._rv, rt.key, kind, copy.deepcopy(obj), copy.deepcopy(prev) if prev else None)
        self._history.append(change)
        for w in list(self._watchers):
            if w.rt.key == rt.key:
                w.offer(change)
                if w.closed.is_set():
                    self._watchers.discard(w)
        self.changed.notify_all()
        return copy.deepcopy(obj)

    def _stamp(self, obj: dict) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)

    def create(self, rt: ResourceType, namespace: str | None, body: dict, *, keep_status: bool = False) -> dict:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request is not a JSON object")
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        with self.lock:
            bucket = self._bucket(rt)
            if rt.namespaced:
                ns = namespace or meta.get("namespace") or "default"
                if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                    raise errors.bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request"
                    )
                meta["namespace"] = ns
            else:
                ns = ""
                meta.pop("namespace", None)
            name = meta.get("name")
            if not name and meta.get("generateName"):
                alphabet = "bcdfghjklmnpqrstvwxz2456789"
                name = meta["generateName"] + "".join(secrets.choice(alphabet) for _ in range(5))
                meta["name"] = name
            if not name:
                raise errors.invalid(rt, "", "metadata.name", "Required value: name or generateName is required")
            if (ns, name) in bucket:
                raise errors.already_exists(rt, name)
            obj["apiVersion"] = rt.api_version()
            obj["kind"] = rt.kind
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = rfc3339(self.clock())
            for transient in ("deletionTimestamp", "deletionGracePeriodSeconds"):
                meta.pop(transient, None)
            if rt.has_generation:
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            if rt.has_status and not keep_status:
                self._reset_status(rt, obj)
            self._stamp(obj)
            bucket[(ns, name)] = obj
            return self._commit(rt, "ADDED", obj, None)

    @staticmethod
    def _reset_status(rt: ResourceType, obj: dict) -> None:
        """Status is owned by the status subresource: create ignores it (built-ins start from their empty status)."""
        if not rt.builtin:
            obj.pop("status", None)
        elif rt.kind == "Pod":
            obj["status"] = {"phase": "Pending"}
        else:
            obj["status"] = {}

    def update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        body: dict,
        *,
        subresource: str | None = None,
        require_rv: bool | None = None,
    ) -> dict:
        """PUT semantics: replace the object, or only its status when subresource == "status"."""
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request is not a JSON object")
        meta = body.get("metadata") or {}
        if meta.get("name") not in (None, name):
            raise errors.bad_request("the name of the object does not match the name on the URL")
        if require_rv is None:
            require_rv = not rt.builtin  # custom resources do not allow unconditional updates
        with self.lock:
            current = self._bucket(rt).get((namespace or "", name))
            if current is None:
                raise errors.not_found(rt, name)
            given_rv = meta.get("resourceVersion")
            if given_rv in (None, "") and require_rv:
                raise errors.invalid(
                    rt, name, "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update"
                )
            if given_rv not in (None, "") and given_rv != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            return self._replace(rt, current, copy.deepcopy(body), subresource)

    def patch(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        apply: Callable[[dict], dict],
        *,
        subresource: str | None = None,
    ) -> dict:
        with self.lock:
            current = self._bucket(rt).get((namespace or "", name))
            if current is None:
                raise errors.not_found(rt, name)
            patched = apply(copy.deepcopy(current))
            if not isinstance(patched, dict):
                raise errors.unprocessable("the patched object is not a JSON object")
            rv = (patched.get("metadata") or {}).get("resourceVersion")
            if rv not in (None, "") and rv != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rt, name)
            return self._replace(rt, current, patched, subresource)

    def _replace(self, rt: ResourceType, current: dict, new: dict, subresource: str | None) -> dict:
        """Write `new` over `current`: "status" takes only the status, None keeps the status when a subresource
        owns it, "everything" (test-side writes) takes both."""
        if subresource == "status":
            obj = copy.deepcopy(current)
            if "status" in new:
                obj["status"] = new["status"]
            else:
                obj.pop("status", None)
        else:
            obj = new
            if rt.has_status and subresource != "everything":
                if "status" in current:
                    obj["status"] = copy.deepcopy(current["status"])
                else:
                    obj.pop("status", None)
        meta = obj.setdefault("metadata", {})
        old_meta = current["metadata"]
        for fixed in (
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ):
            if fixed in old_meta:
                meta[fixed] = old_meta[fixed]
            else:
                meta.pop(fixed, None)
        obj["apiVersion"] = current["apiVersion"]
        obj["kind"] = current["kind"]
        meta["resourceVersion"] = old_meta["resourceVersion"]
        if rt.has_generation:
            meta["generation"] = old_meta.get("generation", 1)
            if _spec_part(obj) != _spec_part(current):
                meta["generation"] += 1
        if obj == current:
            return copy.deepcopy(current)  # a no-op write keeps the resourceVersion and notifies nobody
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            return self._remove(rt, obj, current)
        self._stamp(obj)
        self._objects[rt.key][_key(obj)] = obj
        return self._commit(rt, "MODIFIED", obj, current)

    def _remove(self, rt: ResourceType, last: dict, prev: dict) -> dict:
        del self._objects[rt.key][_key(prev)]
        last = copy.deepcopy(last)
        self._stamp(last)
        return self._commit(rt, "DELETED", last, prev)

    def delete(self, rt: ResourceType, namespace: str | None, name: str) -> tuple[dict, bool]:
        """Delete now, or mark for deletion while finalizers remain. Returns (object, deleted_now)."""
        with self.lock:
            current = self._bucket(rt).get((namespace or "", name))
            if current is None:
                raise errors.not_found(rt, name)
            if current["metadata"].get("finalizers"):
                if current["metadata"].get("deletionTimestamp"):
                    return copy.deepcopy(current), False
                marked = copy.deepcopy(current)
                marked["metadata"]["deletionTimestamp"] = rfc3339(self.clock())
                marked["metadata"]["deletionGracePeriodSeconds"] = 0
                if rt.has_generation:
                    marked["metadata"]["generation"] = marked["metadata"].get("generation", 1) + 1
                self._stamp(marked)
                self._objects[rt.key][_key(marked)] = marked
                return self._commit(rt, "MODIFIED", marked, current), False
            return self._remove(rt, current, current), True

    def put(self, rt: ResourceType, obj: dict) -> dict:
        """Test-side upsert of a whole object, status included, with normal bookkeeping and watch events."""
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace") if rt.namespaced else None
        with self.lock:
            current = self._bucket(rt).get((ns or "", meta.get("name", "")))
            if current is None:
                return self.create(rt, ns, obj, keep_status=True)
            return self._replace(rt, current, copy.deepcopy(obj), "everything")

    # --- watches --------------------------------------------------------------------------------------------------

    def watch(
        self,
        rt: ResourceType,
        version: str,
        namespace: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        resource_version: str | None,
    ) -> Watcher:
        w = Watcher(rt, version, namespace, labels, fields, self._watch_queue_size)
        with self.lock:
            bucket = self._bucket(rt)
            if resource_version in (None, "", "0"):
                for _, obj in sorted(bucket.items()):
                    w.offer(Change(int(obj["metadata"]["resourceVersion"]), rt.key, "ADDED", obj, None))
            else:
                try:
                    since = int(resource_version)
                except ValueError:
                    raise errors.bad_request(f"invalid resource version: {resource_version}") from None
                if since < self._compacted_rv:
                    raise errors.expired(f"too old resource version: {since} ({self._compacted_rv})")
                for change in self._history:
                    if change.rv > since and change.key == rt.key:
                        w.offer(change)
            self._watchers.add(w)
        return w

    def unwatch(self, w: Watcher) -> None:
        with self.lock:
            self._watchers.discard(w)

    def bookmark(self, w: Watcher) -> None:
        """Queue a BOOKMARK behind every event already queued, so its resourceVersion never skips one."""
        with self.lock:
            w.put(
                (
                    "BOOKMARK",
                    {
                        "kind": w.rt.kind,
                        "apiVersion": w.rt.api_version(w.version),
                        "metadata": {"resourceVersion": str(self._rv)},
                    },
                )
            )

    def watchers(self, key: tuple[str, str] | None = None) -> list[Watcher]:
        with self.lock:
            return [w for w in self._watchers if key is None or w.rt.key == key]

    def close_watchers(self) -> None:
        with self.lock:
            for w in self._watchers:
                w.closed.set()
            self._watchers.clear()
            self.changed.notify_all()

    def compact(self) -> int:
        """Forget all history, as etcd compaction does: watches from any earlier resourceVersion get 410."""
        with self.lock:
            self._history.clear()
            self._compacted_rv = self._rv
            return self._rv

    def continue_token(self, rv: int, after: ObjKey) -> str:
        raw = json.dumps({"rv": rv, "start": list(after)}).encode()
        return base64.urlsafe_b64encode(raw).decode()

    def parse_continue(self, token: str) -> tuple[int, ObjKey]:
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
            rv, start = int(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
        except (ValueError, KeyError, IndexError, TypeError):
            raise errors.bad_request("continue key is not valid") from None
        with self.lock:
            if rv < self._compacted_rv:
                raise errors.expired(
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter."
                )
        return rv, start

    # --- pod logs -------------------------------------------------------------------------------------------------

    def append_log(self, namespace: str, pod: str, container: str, text: str, at: datetime | None) -> None:
        key = (namespace, pod, container)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)  # naive times are taken as UTC, like the kubelet's log timestamps
        with self.lock:
            lines = self._logs.setdefault(key, deque(maxlen=self._log_lines))
            seq = self._log_seq.get(key, 0)
            for part in text.split("\n"):
                lines.append(LogLine(seq, at or self.clock(), part))
                seq += 1
            self._log_seq[key] = seq
            self.changed.notify_all()

    def log_lines(self, namespace: str, pod: str, container: str, after_seq: int = -1) -> list[LogLine]:
        with self.lock:
            return [line for line in self._logs.get((namespace, pod, container), ()) if line.seq > after_seq]

    def clear_logs(self, namespace: str, pod: str) -> None:
        with self.lock:
            for key in [k for k in self._logs if k[:2] == (namespace, pod)]:
                del self._logs[key]
                self._log_seq.pop(key, None)

    def wait(self, timeout: float) -> None:
        with self.changed:
            self.changed.wait(timeout)

    def iter_objects(self) -> Iterator[tuple[ResourceType, dict]]:
        with self.lock:
            snapshot = [
                (self._types[k], copy.deepcopy(o))
                for k, b in self._objects.items()
                if k in self._types
                for o in b.values()
            ]
        yield from snapshot


def _key(obj: dict) -> ObjKey:
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


def _spec_part(obj: dict) -> dict:
    """What generation tracks: everything except metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}
