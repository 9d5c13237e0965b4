"""A threaded HTTP listener on 127.0.0.1 that can stop listening and come back on the same port, and can cut every
open connection at once. Blocking handlers run on their own threads, so synchronous clients on any thread (a test's
main thread, Textual thread workers) never wait on the server's loop.
"""

from __future__ import annotations

import contextlib
import errno
import select
import socket
import ssl
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.dropped = threading.Event()
        self.thread = threading.current_thread()

    def client_gone(self) -> bool:
        """True when the peer closed its side (readable with nothing to read) or the socket failed."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
            if not readable or isinstance(self.sock, ssl.SSLSocket):
                return False  # TLS records cannot be peeked at: a gone client shows when a write fails
            return self.sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], listener: Listener) -> None:
        self.listener = listener
        self.app = listener.app
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection-level failures (peer reset, socket shut down by a fault) are expected; anything else is a
        bug in a handler and is kept where the fixtures look for it, instead of being printed to stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        sink = getattr(self.app, "internal_errors", None)
        if sink is not None:
            sink.append("".join(traceback.format_exception(exc)))

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.listener.tls is not None:
            # The handshake happens on the request's own thread, at its first read.
            sock = self.listener.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        conn = self.listener._register(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.listener._unregister(request, conn)


class Listener:
    def __init__(
        self,
        handler: type[BaseHTTPRequestHandler],
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.handler = handler
        self.app = app
        self.tls = tls
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._connections: dict[Any, Connection] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    @property
    def listening(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        self._open()

    def _open(self, retry_for: float = 3.0) -> None:
        deadline = time.monotonic() + retry_for
        while True:
            try:
                server = _Server((self.host, self.port), self.handler, self)
                break
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"listener-{self.port}", daemon=True
        )
        self._thread.start()

    def stop_listening(self) -> None:
        """Close the listening socket: new connections are refused (ECONNREFUSED) until listen_again()."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def listen_again(self) -> None:
        if self._server is None:
            self._open()

    def connection(self, sock: Any) -> Connection | None:
        with self._lock:
            return self._connections.get(sock)

    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def drop_connections(self) -> int:
        """Shut down every accepted connection: streaming clients see the stream break mid-way."""
        with self._lock:
            conns = list(self._connections.values())
        for conn in conns:
            conn.dropped.set()
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        return len(conns)

    def close(self, join_timeout: float = 5.0) -> None:
        self.stopping.set()
        self.stop_listening()
        self.drop_connections()
        deadline = time.monotonic() + join_timeout
        with self._lock:
            threads = [c.thread for c in self._connections.values()]
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))

    def _register(self, sock: Any) -> Connection:
        conn = Connection(sock)
        with self._lock:
            self._connections[sock] = conn
        return conn

    def _unregister(self, sock: Any, conn: Connection) -> None:
        with self._lock:
            if self._connections.get(sock) is conn:
                del self._connections[sock]
