"""The seed demo's logger: an examiner instance that logs each webhook POST as a multi-line record.

What it prints per Flagger event (examiner >= 1.8):

    2023-03-04 20:31:12,345 INFO  [io.git.heu.Logger] (executor-thread-1) |
    POST http://logger.monitoring/ from 10.244.0.23:51234:
    {"name":"examiner","namespace":"apps","phase":"Progressing",...}

Older examiners printed `POST '':` instead of the URI line. The parser keeps only JSON payloads, tolerates
a payload broken over several lines, an optional kubectl timestamp prefix, and anything else in between.
Flagger's own pod logs zap JSON records, one per line (tui.domain.flagger.json_log): those are read too, so the
stream of either pod gives Flagger's events.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator

from tui.domain.flagger.json_log import decode_record, is_zap_record
from tui.domain.flagger.payload import EventPayload, PayloadError, decode, encode

MAX_CONTINUATION_LINES = 8
MAX_PENDING_CHARS = 64 * 1024


def record_head(
    timestamp_ms: int,
    *,
    peer: str = "10.244.0.23:51234",
    thread: str = "executor-thread-1",
    uri: str = "http://logger.monitoring/",
) -> list[str]:
    """The two lines before a logged request's body: the log prefix with a lone `|`, then the request line."""
    seconds, millis = divmod(timestamp_ms, 1000)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
    return [f"{stamp},{millis:03d} INFO  [io.git.heu.Logger] ({thread}) |", f"POST {uri} from {peer}:"]


def render_record(
    payload: EventPayload,
    *,
    peer: str = "10.244.0.23:51234",
    thread: str = "executor-thread-1",
    uri: str = "http://logger.monitoring/",
) -> list[str]:
    """The three lines the logger pod prints for one event, stamped with the payload's own time."""
    return [*record_head(payload.timestamp_ms, peer=peer, thread=thread, uri=uri), encode(payload)]


def _strip_kubectl_timestamp(line: str) -> str:
    # `kubectl logs --timestamps` / timestamps=true prefixes RFC3339Nano and a space.
    if len(line) > 20 and line[4] == "-" and line[10] == "T":
        head, sep, rest = line.partition(" ")
        if sep and head.endswith("Z"):
            return rest
    return line


def _whole_object(line: str) -> bool:
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


class LoggerStreamParser:
    """Feed lines (or chunks); collect the event payloads they carry. Bounded: never holds more than one record."""

    def __init__(self) -> None:
        self._pending: list[str] = []
        self.skipped_payloads = 0

    def feed_line(self, raw: str) -> Iterator[EventPayload]:
        line = _strip_kubectl_timestamp(raw.rstrip("\r\n"))
        if self._pending:
            if _whole_object(line):
                # A complete record on its own line: what was pending was a broken one, not its beginning.
                self._pending = []
                self.skipped_payloads += 1
            else:
                self._pending.append(line)
                yield from self._try_pending()
                return
        if line.lstrip().startswith("{"):
            self._pending = [line.strip()]
            yield from self._try_pending()

    def _try_pending(self) -> Iterator[EventPayload]:
        text = "".join(self._pending)
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            if len(self._pending) > MAX_CONTINUATION_LINES or len(text) > MAX_PENDING_CHARS:
                self._pending = []
                self.skipped_payloads += 1
            return
        self._pending = []
        try:
            if is_zap_record(document):
                payload = decode_record(document)
                if payload is not None:
                    yield payload
            else:
                yield decode(document)
        except PayloadError:
            self.skipped_payloads += 1


def parse_lines(lines: Iterable[str]) -> list[EventPayload]:
    parser = LoggerStreamParser()
    out: list[EventPayload] = []
    for line in lines:
        out.extend(parser.feed_line(line))
    return out
