"""An examiner-compatible HTTP server for tests (examiner 1.9 GET/POST semantics), with server-side counters.

Real sockets on 127.0.0.1 and a free port, one thread per connection (HTTP/1.1 keep-alive, like Quarkus), so what
it counts (arrivals, statuses, requests in flight) is what a client really did on the wire.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_DELAY = re.compile(r"^(\d+)(?:\.{2,}(\d+))?$")


def parse_delay(text: str) -> tuple[int, int] | None:
    """`N` or `MIN..MAX` with two or more dots, in ms; None when invalid (which means no delay at all)."""
    match = _DELAY.match(text.strip())
    if not match:
        return None
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low
    return (low, high) if low <= high else None


@dataclass
class Arrival:
    t: float  # time.monotonic() when the request line was parsed
    method: str
    path: str
    status: int
    delay_ms: int


@dataclass
class Counters:
    arrivals: list[Arrival] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    # (time.monotonic(), requests in flight from then on), to integrate concurrency over time.
    in_flight_changes: list[tuple[float, int]] = field(default_factory=list)


class ExaminerServer:
    """Settings mirror the examiner's env: ECHO_VALUE, SERVER_ERROR_RATE (percent), REQUEST_DELAY."""

    def __init__(
        self, echo_value: str = "", server_error_rate: int = 0, request_delay: str = "", seed: int | None = None
    ) -> None:
        self.echo_value = echo_value
        self.server_error_rate = server_error_rate
        self.request_delay = request_delay
        self.delay_plan: list[int] = []
        """Test-only: delays (ms) for the next requests, in order, overriding everything else."""
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.counters = Counters()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(target=self._serve, name="examiner-test-server", daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = "/examine") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=0.05)  # shutdown() waits up to one poll interval

    def start(self) -> ExaminerServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes handlers sleeping in a delay
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ExaminerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests read --------------------------------------------------------------------------------------

    def arrivals(self, method: str = "GET") -> list[Arrival]:
        with self._lock:
            return [a for a in self.counters.arrivals if a.method == method]

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self.counters.in_flight

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self.counters.max_in_flight

    def mean_in_flight(self, start: float, end: float) -> float:
        """Time-averaged requests in flight between two time.monotonic() instants."""
        with self._lock:
            changes = list(self.counters.in_flight_changes)
        area, level, at = 0.0, 0, start
        for t, new_level in changes:
            if t > end:
                break
            if t > at:
                area += level * (t - at)
                at = t
            level = new_level
        area += level * max(end - at, 0.0)
        return area / (end - start)

    # -- the examiner's decisions -----------------------------------------------------------------------------

    def decide(self, query: dict[str, str]) -> tuple[int, int]:
        """(status, delay ms) for one request, as examiner 1.9 decides them."""
        with self._lock:
            status_text = query.get("status", "")
            if status_text.isdigit() and 200 <= int(status_text) <= 599:
                status = int(status_text)
            else:
                roll = self._rng.random() * 100
                status = 500 if self.server_error_rate > 0 and roll <= self.server_error_rate else 200
            if self.delay_plan:
                return status, self.delay_plan.pop(0)
            # A present but invalid `delay` means no delay; REQUEST_DELAY applies only when `delay` is absent.
            delay = parse_delay(query["delay"]) if "delay" in query else parse_delay(self.request_delay)
            return status, self._rng.randint(*delay) if delay else 0

    def begin(self, method: str, path: str, status: int, delay_ms: int) -> None:
        with self._lock:
            now = time.monotonic()
            c = self.counters
            c.arrivals.append(Arrival(now, method, path, status, delay_ms))
            c.in_flight += 1
            c.max_in_flight = max(c.max_in_flight, c.in_flight)
            c.in_flight_changes.append((now, c.in_flight))

    def end(self) -> None:
        with self._lock:
            c = self.counters
            c.in_flight -= 1
            c.in_flight_changes.append((time.monotonic(), c.in_flight))

    def sleep(self, delay_ms: int) -> None:
        if delay_ms > 0:
            self._closing.wait(delay_ms / 1000)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: ExaminerServer) -> None:
        super().__init__(address, handler)
        self.app = app

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out or get cancelled hang up mid-answer; that is expected here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for a delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            self._send(301, b"", {"Location": "examine"})
        elif parts.path == "/examine" or parts.path.startswith("/examine/"):
            self._examine("GET", parts.path, parts.query, self.server.app.echo_value.strip().encode())
        else:
            self._send(404, b"")

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._examine("POST", parts.path, parts.query, b"")

    def _examine(self, method: str, path: str, query_text: str, body: bytes) -> None:
        app = self.server.app
        query = {k: v[-1] for k, v in parse_qs(query_text, keep_blank_values=True).items()}
        status, delay_ms = app.decide(query)
        app.begin(method, path, status, delay_ms)
        try:
            app.sleep(delay_ms)
            self._send(status, body)
        finally:
            app.end()

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
