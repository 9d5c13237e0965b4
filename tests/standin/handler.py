"""HTTP routing for the stand-in API server: discovery, CRUD, patch, watch and pod logs."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.standin import errors, protobuf, tables
from tests.standin.errors import ApiError
from tests.standin.patching import PatchError, json_patch, merge_patch, strategic_merge_patch
from tests.standin.resources import ACCESS_REVIEWS, PODS, ResourceType, api_group, group_versions, resource_list
from tests.standin.selectors import SelectorError, parse_field_selector, parse_label_selector
from tests.standin.store import Watcher

if TYPE_CHECKING:
    from tests.standin.apiserver import ApiServer
    from tests.standin.listener import Connection

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
POLL = 0.1  # how often streaming handlers look at drops, client hang-ups and deadlines


class _Route:
    def __init__(
        self, rt: ResourceType, version: str, namespace: str | None, name: str | None, sub: str | None
    ) -> None:
        self.rt, self.version, self.namespace, self.name, self.sub = rt, version, namespace, name, sub


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def log_timestamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}000Z"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin-apiserver"
    app: ApiServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the request log is the record

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, delayed ACKs add ~40 ms per request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.app = self.server.app  # type: ignore[attr-defined]

    @property
    def conn(self) -> Connection | None:
        return self.server.listener.connection(self.request)  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # --- plumbing -------------------------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        self.content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self.table: tables.TableRequest | None = None
        self.entry = self.app.request_log.record(
            method, url.path, self.query, self.content_type, self.body, self.headers.get("Authorization")
        )
        try:
            if not self.app.authorized(self.headers.get("Authorization")):
                raise errors.unauthorized()
            try:
                self.table = tables.requested(self.headers.get("Accept"), self.query.get("includeObject"))
            except tables.TableOptionError as exc:
                raise errors.bad_request(str(exc)) from None
            self._route(method, url.path)
        except ApiError as exc:
            self._send_json(exc.code, exc.status(), retry_after=exc.details.get("retryAfterSeconds"))
        except OSError:  # the peer went away or the connection was dropped on purpose
            self.close_connection = True
        except Exception as exc:  # a stand-in bug: answer 500 and keep it for the fixture to report
            self.app.internal_errors.append(f"{method} {self.path}: {exc!r}")
            with contextlib.suppress(OSError):
                self._send_json(500, ApiError(500, "InternalError", f"stand-in failure: {exc!r}").status())
            self.close_connection = True

    def _send_json(self, code: int, body: dict, retry_after: object = None) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.entry.status = code
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        if isinstance(retry_after, int) and retry_after > 0:
            # kube-apiserver turns a Status's retryAfterSeconds into the header (responsewriters.ErrorNegotiated).
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_text(self, code: int, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        data = text.encode()
        self.entry.status = code
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self, content_type: str) -> None:
        self.entry.status = 200
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _end_stream(self) -> None:
        with contextlib.suppress(OSError):
            self.wfile.write(b"0\r\n\r\n")

    def _stream_over(self) -> bool:
        conn = self.conn
        if self.app.listener.stopping.is_set():
            return True
        return conn is None or conn.dropped.is_set() or conn.client_gone()

    # --- routing --------------------------------------------------------------------------------------------------

    def _route(self, method: str, path: str) -> None:
        parts = [p for p in path.split("/") if p]
        if parts in (["healthz"], ["readyz"], ["livez"]):
            return self._send_text(200, "ok")
        if parts == ["version"]:
            return self._send_json(200, self.app.version_info())
        if (
            len(parts) >= 7
            and parts[:3] == ["api", "v1", "namespaces"]
            and parts[4] == "services"
            and (parts[6] == "proxy")
        ):
            return self._service_proxy(method, parts[3], parts[5], "/" + "/".join(parts[7:]))
        if not parts or parts[0] not in ("api", "apis"):
            raise errors.no_such_path()
        if method != "GET" and len(parts) <= (2 if parts[0] == "api" else 3):
            raise errors.method_not_allowed(method)
        if parts[0] == "api":
            if len(parts) == 1:
                return self._send_json(
                    200,
                    {
                        "kind": "APIVersions",
                        "versions": ["v1"],
                        "serverAddressByClientCIDRs": [
                            {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.app.port}"}
                        ],
                    },
                )
            group, version, rest = "", parts[1], parts[2:]
        else:
            groups = group_versions(self.app.store.types())
            if len(parts) == 1:
                return self._send_json(
                    200,
                    {
                        "kind": "APIGroupList",
                        "apiVersion": "v1",
                        "groups": [api_group(g, vs) for g, vs in groups.items()],
                    },
                )
            group = parts[1]
            if group not in groups:
                raise errors.no_such_path()
            if len(parts) == 2:
                return self._send_json(200, {"kind": "APIGroup", "apiVersion": "v1", **api_group(group, groups[group])})
            version, rest = parts[2], parts[3:]
        types = [rt for rt in self.app.store.types() if rt.group == group and version in rt.versions]
        if not types:
            raise errors.no_such_path()
        if not rest:
            gv = f"{group}/{version}" if group else version
            return self._send_json(200, resource_list(gv, types))
        self._resource(method, self._parse_route(group, version, rest))

    def _service_proxy(self, method: str, namespace: str, service: str, path: str) -> None:
        """The API server's service proxy: relay to the upstream a test registered for `service` (name:port)."""
        upstream = self.app.service_proxies.get((namespace, service))
        if upstream is None:
            raise ApiError(503, "ServiceUnavailable", f'no endpoints available for service "{service}"')
        target = urlsplit(upstream)
        query = urlsplit(self.path).query
        connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            headers = {"Content-Type": self.content_type} if self.body else {}
            connection.request(method, path + (f"?{query}" if query else ""), body=self.body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except OSError as exc:
            raise ApiError(503, "ServiceUnavailable", f"error trying to reach service: {exc}") from None
        finally:
            connection.close()
        self.entry.status = answer.status
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type") or "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _parse_route(self, group: str, version: str, rest: list[str]) -> _Route:
        namespace = None
        namespace_itself = group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
        if rest[0] == "namespaces" and len(rest) >= 3 and not namespace_itself:
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 3:
            raise errors.no_such_path()
        rt = self.app.store.lookup(group, version, rest[0])
        if rt is None or (namespace is not None and not rt.namespaced):
            raise errors.no_such_path()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None and sub not in rt.subresources:
            raise errors.no_such_path()
        return _Route(rt, version, namespace, name, sub)

    def _verb(self, method: str, r: _Route) -> str:
        if method == "GET":
            if r.name is None:
                return "watch" if _truthy(self.query.get("watch")) else "list"
            return "get"
        return {
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete" if r.name else "deletecollection",
        }[method]

    def _resource(self, method: str, r: _Route) -> None:
        verb = self._verb(method, r)
        self.entry.verb = verb
        if self.app.faults.is_forbidden(r.rt, verb, r.namespace, r.sub):
            raise errors.forbidden(r.rt, verb, r.namespace, r.name, self.app.user, r.sub)
        store = self.app.store
        if r.rt is ACCESS_REVIEWS:
            if method != "POST":
                raise errors.method_not_allowed(method)
            return self._access_review()
        if r.sub == "log":
            if method != "GET":
                raise errors.method_not_allowed(method)
            return self._pod_log(r)
        if method == "GET" and r.name is None:
            with self.app.faults.lock:
                throttled = self.app.faults.throttled.get(r.rt.key)
            if throttled is not None:
                return self._throttled(*throttled)
            return self._watch(r) if verb == "watch" else self._list(r)
        if method == "GET":
            obj = store.get(r.rt, r.namespace, r.name)
            if self.table is not None and r.sub is None:
                meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
                return self._send_json(200, self._table(r, [obj], meta))
            return self._send_json(200, self._view(r, obj))
        if method == "POST":
            if r.name is not None:
                raise errors.method_not_allowed(method)
            obj = store.create(r.rt, r.namespace, self._json_body())
            return self._send_json(201, self._view(r, obj))
        if r.name is None:
            if method == "DELETE":
                return self._delete_collection(r)
            raise errors.method_not_allowed(method)
        if method == "PUT":
            obj = store.update(r.rt, r.namespace, r.name, self._json_body(), subresource=r.sub)
            return self._send_json(200, self._view(r, obj))
        if method == "PATCH":
            obj = store.patch(r.rt, r.namespace, r.name, self._patcher(r.rt), subresource=r.sub)
            return self._send_json(200, self._view(r, obj))
        if method == "DELETE":
            obj, gone = store.delete(r.rt, r.namespace, r.name)
            if gone and r.rt is not PODS:
                details = {"name": r.name, "kind": r.rt.plural, "uid": obj["metadata"]["uid"]}
                if r.rt.group:
                    details["group"] = r.rt.group
                return self._send_json(
                    200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
                )
            return self._send_json(200, self._view(r, obj))  # 200 also while finalizers hold it, as upstream
        raise errors.method_not_allowed(method)

    def _json_body(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise errors.bad_request(f"the body of the request could not be decoded as JSON: {exc}") from None

    def _patcher(self, rt: ResourceType) -> Any:
        accepted = [JSON_PATCH, MERGE] + ([STRATEGIC] if rt.builtin else []) + [APPLY]
        ct = self.content_type
        if ct == APPLY:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                "server-side apply (application/apply-patch+yaml) is not implemented by the stand-in",
            )
        if ct not in accepted:
            raise errors.unsupported_media_type(ct, accepted)
        body = self._json_body()

        def apply(current: dict) -> dict:
            try:
                if ct == MERGE:
                    return merge_patch(current, body)
                if ct == STRATEGIC:
                    return strategic_merge_patch(current, body, rt.smp)
                return json_patch(current, body)
            except PatchError as exc:
                raise errors.unprocessable(str(exc)) from None

        return apply

    def _view(self, r: _Route, obj: dict, in_list: bool = False) -> dict:
        """The object as served at the requested version; built-in list items carry no kind/apiVersion."""
        if in_list and r.rt.builtin:
            return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
        if r.rt.api_version(r.version) == obj.get("apiVersion"):
            return obj
        return {**obj, "apiVersion": r.rt.api_version(r.version)}

    def _selectors(self, r: _Route) -> tuple[Any, Any]:
        try:
            labels = parse_label_selector(self.query.get("labelSelector"))
            fields = parse_field_selector(self.query.get("fieldSelector"), r.rt.field_labels)
        except SelectorError as exc:
            raise errors.bad_request(str(exc)) from None
        return labels, fields

    def _list(self, r: _Route) -> None:
        labels, fields = self._selectors(r)
        if not self.query.get("continue"):
            self._wait_until_fresh(self.query.get("resourceVersion"))
        items, rv = self.app.store.list(r.rt, r.namespace, labels, fields)
        token = self.query.get("continue")
        if token:
            # Pages come from the current state, not an etcd snapshot; the token keeps the first page's RV.
            rv, start = self.app.store.parse_continue(token)
            items = [o for o in items if ((o["metadata"].get("namespace") or ""), o["metadata"]["name"]) > start]
        meta: dict = {"resourceVersion": str(rv)}
        limit = self._int_param("limit")
        if 0 < limit < len(items):
            last = items[limit - 1]["metadata"]
            meta["continue"] = self.app.store.continue_token(rv, (last.get("namespace") or "", last["name"]))
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        if self.table is not None:
            return self._send_json(200, self._table(r, items, meta))
        self._send_json(
            200,
            {
                "kind": r.rt.list_kind,
                "apiVersion": r.rt.api_version(r.version),
                "metadata": meta,
                "items": [self._view(r, o, in_list=True) for o in items],
            },
        )

    def _table(self, r: _Route, items: list[dict], meta: dict, *, with_columns: bool = True) -> dict:
        assert self.table is not None
        api_version = r.rt.api_version(r.version)
        now = self.app.store.clock()
        return tables.table(r.rt, items, api_version, self.table, meta, now, with_columns=with_columns)

    def _access_review(self) -> None:
        """SelfSubjectAccessReview: allowed unless a forbid() rule matches the asked resource, verb and namespace, or
        the resource is granted only in other namespaces (grant_only_in)."""
        if self.content_type == PROTOBUF:
            try:
                attributes: dict = protobuf.access_review_attributes(self.body)
            except protobuf.ProtobufError as exc:
                raise errors.bad_request(f"the body could not be decoded as a SelfSubjectAccessReview: {exc}") from None
            review: dict = {"spec": {"resourceAttributes": attributes}}
        else:
            review = self._json_body()
            if not isinstance(review, dict):
                raise errors.bad_request("the body must be a SelfSubjectAccessReview object")
            attributes = (review.get("spec") or {}).get("resourceAttributes") or {}
        group, plural = attributes.get("group") or "", attributes.get("resource") or ""
        verb, namespace = attributes.get("verb") or "", attributes.get("namespace") or None
        sub = attributes.get("subresource") or None
        rt = next((t for t in self.app.store.types() if t.key == (group, plural)), None)
        denied = rt is not None and self.app.faults.is_denied(rt, verb, namespace, sub)
        granted = rt is None or self.app.faults.is_granted(rt, namespace)
        status: dict = {"allowed": granted and not denied}
        if denied:
            status["denied"] = True
        elif granted:
            status["reason"] = "allowed by the stand-in's rules"
        # Not granted: RBAC has no opinion, so kube-apiserver answers allowed false, without denied or a reason.
        self._send_json(
            201,
            {
                "kind": "SelfSubjectAccessReview",
                "apiVersion": "authorization.k8s.io/v1",
                "metadata": {"creationTimestamp": None},
                "spec": review.get("spec") or {},
                "status": status,
            },
        )

    def _delete_collection(self, r: _Route) -> None:
        labels, fields = self._selectors(r)
        items, _ = self.app.store.list(r.rt, r.namespace, labels, fields)
        deleted = []
        for o in items:
            with contextlib.suppress(ApiError):
                deleted.append(self.app.store.delete(r.rt, o["metadata"].get("namespace"), o["metadata"]["name"])[0])
        _, rv = self.app.store.list(r.rt, r.namespace)
        self._send_json(
            200,
            {
                "kind": r.rt.list_kind,
                "apiVersion": r.rt.api_version(r.version),
                "metadata": {"resourceVersion": str(rv)},
                "items": [self._view(r, o, in_list=True) for o in deleted],
            },
        )

    # --- watch ----------------------------------------------------------------------------------------------------

    def _watch(self, r: _Route) -> None:
        labels, fields = self._selectors(r)
        if r.name is not None:
            raise errors.method_not_allowed("GET")
        timeout = float(self._int_param("timeoutSeconds")) or None
        bookmarks = _truthy(self.query.get("allowWatchBookmarks"))
        initial = _truthy(self.query.get("sendInitialEvents"))
        rv = "" if initial else self.query.get("resourceVersion")
        faults = self.app.faults
        if faults.take_expiry(r.rt):
            err = errors.expired(f"too old resource version: {rv or 0} ({self.app.store.resource_version})")
            return self._watch_error(err)
        if faults.is_silent(r.rt):
            return self._silent_stream()
        with faults.lock:
            empty = r.rt.key in faults.empty
            trickle = faults.trickle.get(r.rt.key)
        if empty:
            self._start_stream("application/json")
            return self._end_stream()
        if trickle is not None:
            return self._trickle_stream(trickle)
        try:
            if initial:
                # A watch-list from a resourceVersion waits for the store to reach it, as a list does; a plain
                # watch from one does not: it is accepted and waits for changes past it (the watch cache's way).
                self._wait_until_fresh(self.query.get("resourceVersion"))
            w = self.app.store.watch(r.rt, r.version, r.namespace, labels, fields, rv)
        except ApiError as exc:
            if exc.code in (410, 504):
                return self._watch_error(exc)
            raise
        try:
            self._start_stream("application/json")
            if initial and bookmarks:
                self._initial_events_end(w)
            self._pump(r, w, timeout, bookmarks)
        finally:
            self.app.store.unwatch(w)

    def _wait_until_fresh(self, wanted: str | None) -> None:
        """A read from a resourceVersion the store has not reached waits for it (kube-apiserver's watch cache waits
        3 s), then is answered 504 "Too large resource version"."""
        if wanted in (None, "", "0"):
            return
        try:
            version = int(wanted)
        except ValueError:
            raise errors.bad_request(f"invalid resource version: {wanted}") from None
        store = self.app.store
        deadline = time.monotonic() + self.app.too_large_wait_s
        with store.changed:
            while store.resource_version < version:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise errors.too_large(version, store.resource_version)
                store.changed.wait(left)

    def _watch_error(self, err: ApiError) -> None:
        """Expired is sent the way kube-apiserver does: 200, one ERROR event, end of stream."""
        self._start_stream("application/json")
        self._chunk(json.dumps({"type": "ERROR", "object": err.status()}, separators=(",", ":")).encode() + b"\n")
        self._end_stream()

    def _initial_events_end(self, w: Watcher) -> None:
        with self.app.store.lock:
            w.put(
                (
                    "BOOKMARK",
                    {
                        "kind": w.rt.kind,
                        "apiVersion": w.rt.api_version(w.version),
                        "metadata": {
                            "resourceVersion": str(self.app.store.resource_version),
                            "annotations": {"k8s.io/initial-events-end": "true"},
                        },
                    },
                )
            )

    def _pump(self, r: _Route, w: Watcher, timeout: float | None, bookmarks: bool) -> None:
        now = time.monotonic()
        deadline = now + timeout if timeout else None
        interval = self.app.bookmark_interval
        next_bookmark = now + interval if bookmarks else None
        columns_sent = False  # a Table watch sends its column definitions once, with the first event
        while True:
            if w.closed.is_set() or self._stream_over():
                break
            wait = POLL
            now = time.monotonic()
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - now))
            if next_bookmark is not None:
                wait = min(wait, max(0.0, next_bookmark - now))
            try:
                kind, obj = w.events.get(timeout=wait)
            except queue.Empty:
                pass
            else:
                if self.table is not None and kind in ("ADDED", "MODIFIED", "DELETED"):
                    meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
                    shown = self._table(r, [obj], meta, with_columns=not columns_sent)
                    columns_sent = True
                else:
                    shown = self._view(r, obj)
                event = {"type": kind, "object": shown}
                self._chunk(json.dumps(event, separators=(",", ":")).encode() + b"\n")
                continue
            now = time.monotonic()
            if next_bookmark is not None and now >= next_bookmark:
                self.app.store.bookmark(w)
                next_bookmark = now + interval
            if deadline is not None and now >= deadline and w.events.empty():
                self._end_stream()
                return
        conn = self.conn
        if conn is not None and not conn.dropped.is_set() and not self.app.listener.stopping.is_set():
            self._end_stream()  # the server ended the watch (CRD removed, slow consumer): close it cleanly
        self.close_connection = True

    def _throttled(self, status: int, retry_after: str) -> None:
        data = json.dumps(ApiError(status, "TooManyRequests", "too many requests, slow down").status()).encode()
        self.entry.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _trickle_stream(self, every_s: float) -> None:
        """Headers, then a space every `every_s` seconds and never a newline: busy, but delivering nothing."""
        self._start_stream("application/json")
        while not self._stream_over():
            try:
                self._chunk(b" ")
                self.wfile.flush()
            except OSError:
                break
            time.sleep(every_s)
        self.close_connection = True

    def _silent_stream(self) -> None:
        """Accept the watch, send the headers, then never a byte: a connection that died without a FIN."""
        self._start_stream("application/json")
        while not self._stream_over():
            time.sleep(POLL)
        self.close_connection = True

    # --- pod logs -------------------------------------------------------------------------------------------------

    def _pod_log(self, r: _Route) -> None:
        store = self.app.store
        assert r.name is not None and r.namespace is not None
        pod = store.get(PODS, r.namespace, r.name)
        uid = pod["metadata"]["uid"]
        names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        container = self.query.get("container") or ""
        if not container and len(names) > 1:
            raise errors.bad_request(
                f"a container name must be specified for pod {r.name}, choose one of: [{' '.join(names)}]"
            )
        if not container and names:
            container = names[0]
        if names and container not in names:
            raise errors.bad_request(f"container {container} is not valid for pod {r.name}")
        if _truthy(self.query.get("previous")):
            raise errors.bad_request(f'previous terminated container "{container}" in pod "{r.name}" not found')
        if self.query.get("sinceSeconds") and self.query.get("sinceTime"):
            raise errors.bad_request("at most one of `sinceTime` or `sinceSeconds` may be specified")
        everything = store.log_lines(r.namespace, r.name, container)
        last = everything[-1].seq if everything else -1
        lines = everything
        since = self._since()
        if since is not None:
            lines = [line for line in lines if line.at >= since]
        tail = self.query.get("tailLines")
        if tail is not None and tail != "":
            n = self._int_param("tailLines")
            lines = lines[-n:] if n > 0 else []
        stamps = _truthy(self.query.get("timestamps"))
        limit = self._int_param("limitBytes")

        def render(batch: list) -> bytes:
            return "".join(
                (log_timestamp(line.at) + " " if stamps else "") + line.text + "\n" for line in batch
            ).encode()

        if not _truthy(self.query.get("follow")):
            data = render(lines)
            return self._send_text(200, (data[:limit] if limit else data).decode(errors="replace"))
        self._start_stream("text/plain")
        sent = 0
        if lines:
            data = render(lines)
            self._chunk(data)
            sent += len(data)
        while not self._stream_over():
            store.wait(POLL)
            fresh = store.log_lines(r.namespace, r.name, container, after_seq=last)
            if fresh:
                data = render(fresh)
                self._chunk(data)
                sent += len(data)
                last = fresh[-1].seq
            if limit and sent >= limit:
                break
            try:
                alive = store.get(PODS, r.namespace, r.name)["metadata"]["uid"] == uid
            except ApiError:
                alive = False
            if not alive:
                break
        if not self._stream_over():
            self._end_stream()
        self.close_connection = True

    def _int_param(self, name: str) -> int:
        raw = self.query.get(name) or "0"
        try:
            return int(raw)
        except ValueError:
            raise errors.bad_request(f"invalid value for {name}: {raw!r}") from None

    def _since(self) -> datetime | None:
        now = self.app.store.clock()
        if self.query.get("sinceSeconds"):
            return now - timedelta(seconds=self._int_param("sinceSeconds"))
        if self.query.get("sinceTime"):
            try:
                return datetime.fromisoformat(self.query["sinceTime"].replace("Z", "+00:00"))
            except ValueError:
                raise errors.bad_request(f"invalid sinceTime {self.query['sinceTime']!r}") from None
        return None
