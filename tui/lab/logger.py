"""The lab's logger: receives Flagger's event webhooks and writes what the seed's logger pod prints.

Each POST becomes the examiner's three-line record (log prefix, `POST <uri> from <peer>:`, the body exactly as
received), appended to a file in the CRI log format (`<RFC3339Nano> stdout F <line>`). kwok serves that file
as the container log of the `logger` pod in `monitoring`, so canaryscope reads it through the real pods/log
API, as on the seed's cluster. Flagger runs outside the cluster and reaches this receiver on 127.0.0.1.

    python -m tui.lab.logger --port PORT --log-file FILE
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tui.domain.flagger.logger_stream import record_head
from tui.domain.flagger.payload import PayloadError, decode

HOST = "127.0.0.1"
MAX_BODY_BYTES = 1 << 20
# Flagger says a few hundred bytes per event; a log this large means something is flooding the receiver.
MAX_LOG_BYTES = 64 << 20
PROBES = ("/.well-known/live", "/.well-known/ready")


def cri_stamp(now: float) -> str:
    """RFC 3339 with nine fraction digits in UTC, as container runtimes write it (microsecond precision)."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def record_lines(body: bytes, *, peer: str, uri: str, now: float) -> list[str]:
    """What examiner prints for one POST, stamped with the payload's own time when it is a Flagger payload."""
    text = body.decode("utf-8", errors="replace")
    try:
        stamp = decode(json.loads(text)).timestamp_ms
    except (ValueError, PayloadError):
        stamp = int(now * 1000)
    return [*record_head(stamp, peer=peer, uri=uri), *(text.splitlines() or [""])]


class CriLog:
    """Appends whole records to the log file, one write per record, so a follower never sees half of one."""

    def __init__(self, path: Path, max_bytes: int = MAX_LOG_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "ab")  # noqa: SIM115 - held open for the process's life
        self.full = self._file.tell() >= max_bytes

    def write(self, lines: list[str], now: float | None = None) -> bool:
        stamp = cri_stamp(time.time() if now is None else now)
        data = "".join(f"{stamp} stdout F {line}\n" for line in lines).encode()
        with self._lock:
            if self.full:
                return False
            if self._file.tell() + len(data) > self.max_bytes:
                self.full = True
                data = f"{stamp} stdout F log full at {self.max_bytes} bytes; later records are dropped\n".encode()
            self._file.write(data)
            self._file.flush()
        return not self.full

    def close(self) -> None:
        with self._lock:
            self._file.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], log: CriLog) -> None:
        self.log = log
        self.received = 0
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path in PROBES:
            self._answer(200, b'{"status":"UP","checks":[]}')
        else:
            self._answer(404)

    def do_POST(self) -> None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True  # Flagger always sends a Content-Length
            self._answer(411)
            return
        try:
            size = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            size = -1
        if not 0 <= size <= MAX_BODY_BYTES:
            self.close_connection = True
            self._answer(413)
            return
        body = self.rfile.read(size)
        peer = f"{self.client_address[0]}:{self.client_address[1]}"
        uri = f"http://{self.headers.get('Host') or HOST}{self.path}"
        now = time.time()
        self.server.log.write(record_lines(body, peer=peer, uri=uri, now=now), now)
        self.server.received += 1
        # Examiner answers a POST with 200 and no body; Flagger only logs failures.
        self._answer(200)


def serve(port: int, log_file: Path, host: str = HOST) -> _Server:
    server = _Server((host, port), CriLog(log_file))
    threading.Thread(target=server.serve_forever, name=f"logger-{port}", daemon=True).start()
    return server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.lab.logger", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-file", type=Path, required=True)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server = serve(args.port, args.log_file)
    print(f"logger: http://{HOST}:{args.port}/ -> {args.log_file}", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()
    server.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
