"""The logger pod's log: what `kubectl logs -f -n monitoring -l app.kubernetes.io/name=logger` would show."""

from __future__ import annotations

from collections import deque

from tui.domain.flagger.logger_stream import render_record
from tui.domain.flagger.payload import EventPayload

LOG_LINES_LIMIT = 6000


class LoggerPod:
    def __init__(self) -> None:
        self._lines: deque[str] = deque(maxlen=LOG_LINES_LIMIT)
        self._unread: deque[str] = deque(maxlen=LOG_LINES_LIMIT)
        self._peer_port = 51234

    def receive(self, payload: EventPayload) -> None:
        self._peer_port = 40000 + (self._peer_port + 7919) % 20000
        for line in render_record(payload, peer=f"10.244.0.17:{self._peer_port}"):
            self._lines.append(line)
            self._unread.append(line)

    def read_new(self) -> list[str]:
        lines = list(self._unread)
        self._unread.clear()
        return lines

    def tail(self, count: int) -> list[str]:
        return list(self._lines)[-count:]
