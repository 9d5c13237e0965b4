"""The recorded Prometheus keeps connections open, and a poller that goes away mid-connection is no error."""

from __future__ import annotations

import http.client
import json
import socket
import socketserver
import struct

import pytest

from tests.cluster.recorded_prometheus import RecordedPrometheus
from tests.waiting import wait_until


def test_queries_share_one_connection_and_a_reset_prints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the server would print: socketserver's handler of errors, called with this server (other tests' servers
    # and threads in the same process may print what they print).
    printed: list[object] = []
    monkeypatch.setattr(socketserver.BaseServer, "handle_error", lambda server, *_: printed.append(server))
    prom = RecordedPrometheus().start()
    try:
        host, port = prom.server.server_address[:2]
        connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
        sockets = []
        for _ in range(3):
            connection.request("GET", "/api/v1/query?query=up")
            answer = connection.getresponse()
            assert answer.status == 200 and json.loads(answer.read())["status"] == "success"
            sockets.append(connection.sock)
        assert connection.sock is not None and sockets == [connection.sock] * 3, "one connection for all three"
        # Closed with a reset, as a killed process's socket is.
        connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
        connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
        connection.request("GET", "/api/v1/query?query=up")
        assert connection.getresponse().status == 200, "still answering"
        connection.close()
        # Each connection's handler ends when its client has gone (the reset one included). This server's alone:
        # servers of other tests in the same process may still hold connections of their own.
        assert len(prom.connection_threads) == 2, "the kept connection and the one after the reset"
        wait_until(lambda: not any(t.is_alive() for t in prom.connection_threads), "the connections' handlers ended")
    finally:
        prom.stop()
    assert prom.server not in printed
