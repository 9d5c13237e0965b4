"""An HTTP front for Prometheus that passes requests through or misbehaves on demand.

Modes: "pass" (proxy to the real Prometheus), "slow" (hold every request for `delay` seconds, then proxy),
"nan" (queries answer one series whose value is NaN, as 0/0 does), "empty" (queries answer no series),
"error" (every request answers `status` with a Prometheus API error body), "trickle" (the real answer, one byte
every `delay` seconds: each read is quick, the answer never complete in time). `down()` stops listening (connection
refused) and `up()` listens again on the same port. Query requests are recorded for assertions.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.standin.listener import Listener

MODES = ("pass", "slow", "nan", "empty", "error", "trickle")


@dataclass(frozen=True)
class RecordedQuery:
    path: str
    params: dict[str, str]
    at: float


class _FrontHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app: PromFront

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _handle(self, body: bytes) -> None:
        front: PromFront = self.server.app  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if self.command == "POST" and self.headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
        front.record(url.path, params)
        mode, delay, status = front.behaviour()
        try:
            if mode == "slow":
                if not front.hold(delay):
                    return  # released by stop(): hang up without an answer
                mode, _, status = front.behaviour()  # a mode change releases held requests into the new mode
                mode = "pass" if mode == "slow" else mode
            if mode == "error":
                return self._json(
                    status,
                    {
                        "status": "error",
                        "errorType": "unavailable" if status >= 500 else "bad_data",
                        "error": "injected by the test front",
                    },
                )
            if mode in ("nan", "empty") and url.path in ("/api/v1/query", "/api/v1/query_range"):
                return self._json(200, _fake_result(url.path, params, nan=mode == "nan"))
            self._proxy(front.upstream, body, trickle_s=delay if mode == "trickle" else None)
        except OSError:
            self.close_connection = True

    def _json(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _proxy(self, upstream: str | None, body: bytes, trickle_s: float | None = None) -> None:
        if upstream is None:
            return self._json(502, {"status": "error", "errorType": "unavailable", "error": "no upstream"})
        req = urllib.request.Request(upstream + self.path, data=body or None, method=self.command)
        if self.headers.get("Content-Type"):
            req.add_header("Content-Type", self.headers["Content-Type"])
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                code, data, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "text/plain")
        except urllib.error.HTTPError as exc:
            code, data, ctype = exc.code, exc.read(), exc.headers.get("Content-Type", "text/plain")
        except (urllib.error.URLError, OSError) as exc:
            return self._json(502, {"status": "error", "errorType": "unavailable", "error": f"upstream: {exc}"})
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if trickle_s is None:
            self.wfile.write(data)
            return
        front: PromFront = self.server.app  # type: ignore[attr-defined]
        for i in range(len(data)):
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            if front.behaviour()[0] != "trickle" or not front.hold(trickle_s):
                self.wfile.write(data[i + 1 :])  # released (mode changed, or stopping): the rest at once
                return


def _fake_result(path: str, params: dict[str, str], *, nan: bool) -> dict:
    now = time.time()
    if path == "/api/v1/query":
        result = [{"metric": {}, "value": [float(params.get("time", now)), "NaN"]}] if nan else []
        return {"status": "success", "data": {"resultType": "vector", "result": result}}
    start, end = float(params.get("start", now)), float(params.get("end", now))
    step = max(float(params.get("step", 1) or 1), 0.001)
    values = [[start + i * step, "NaN"] for i in range(int((end - start) / step) + 1)]
    return {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}] if nan else []},
    }


class PromFront:
    def __init__(self, upstream: str | None, *, history: int = 1000) -> None:
        self.upstream = upstream
        self._lock = threading.Lock()
        self._mode, self._delay, self._status = "pass", 30.0, 503
        self._release = threading.Event()
        self._queries: deque[RecordedQuery] = deque(maxlen=history)
        self.listener = Listener(_FrontHandler, self)

    def start(self) -> PromFront:
        self.listener.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.listener.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.port}"

    def set_mode(self, mode: str, *, delay: float = 30.0, status: int = 503) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        with self._lock:
            old = self._release
            self._mode, self._delay, self._status = mode, delay, status
            self._release = threading.Event()
        old.set()  # requests held by a previous "slow" finish now

    def behaviour(self) -> tuple[str, float, int]:
        with self._lock:
            return self._mode, self._delay, self._status

    def hold(self, delay: float) -> bool:
        """Wait `delay` seconds; True to go on answering, False when the front is stopping."""
        with self._lock:
            release = self._release
        release.wait(delay)
        return not self.listener.stopping.is_set()

    def down(self) -> None:
        self.listener.stop_listening()
        self.listener.drop_connections()

    def up(self) -> None:
        self.listener.listen_again()

    def record(self, path: str, params: dict[str, str]) -> None:
        if path.startswith("/api/"):
            with self._lock:
                self._queries.append(RecordedQuery(path, params, time.time()))

    def queries(self) -> list[RecordedQuery]:
        with self._lock:
            return list(self._queries)

    def __enter__(self) -> PromFront:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.stop()
