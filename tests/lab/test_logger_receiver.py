"""The lab's webhook receiver writes the seed logger's records as CRI log lines (over real sockets)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.lab.trace import payloads, read_log
from tui.domain.flagger.payload import EventPayload, encode
from tui.lab import logger as lab_logger
from tui.lab.processes import free_ports

PAYLOAD = EventPayload(
    name="examiner",
    namespace="apps",
    phase="Progressing",
    message="Halt examiner.apps advancement success rate 91.60% < 99%",
    event_type="Warning",
    timestamp_ms=1772625721283,
    checksum="85d557f47b",
)
CRI = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F (.*)$")


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    (port,) = free_ports(1)
    log_file = tmp_path / "logger.cri"
    server = lab_logger.serve(port, log_file)
    yield f"http://127.0.0.1:{port}/", log_file
    server.shutdown()
    server.server_close()
    server.log.close()


def test_a_flagger_post_becomes_the_three_line_record(receiver: tuple[str, Path]) -> None:
    url, log_file = receiver
    body = encode(PAYLOAD)
    resp = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert (resp.status_code, resp.content) == (200, b"")
    lines = log_file.read_text().splitlines()
    assert len(lines) == 3 and all(CRI.match(line) for line in lines)
    texts = [CRI.match(line).group(1) for line in lines]  # type: ignore[union-attr]
    assert texts[0] == "2026-03-04 12:02:01,283 INFO  [io.git.heu.Logger] (executor-thread-1) |"
    assert re.fullmatch(rf"POST {re.escape(url)} from 127\.0\.0\.1:\d+:", texts[1])
    assert texts[2] == body  # the body exactly as Flagger sent it
    assert payloads(read_log(log_file)) == [PAYLOAD]


def test_anything_else_is_logged_as_received_and_probes_are_not(receiver: tuple[str, Path]) -> None:
    url, log_file = receiver
    assert httpx.get(f"{url}.well-known/ready").status_code == 200
    assert httpx.post(url, content=b"not json\nsecond line").status_code == 200
    texts = [CRI.match(line).group(1) for line in log_file.read_text().splitlines()]  # type: ignore[union-attr]
    assert texts[1:] == [f"POST {url} from {texts[1].rsplit(' ', 1)[1][:-1]}:", "not json", "second line"]
    assert httpx.post(url, content=b"x" * (lab_logger.MAX_BODY_BYTES + 1)).status_code == 413


def test_the_log_stops_growing_at_its_limit(tmp_path: Path) -> None:
    log = lab_logger.CriLog(tmp_path / "l.cri", max_bytes=400)
    assert log.write(["a" * 100])
    assert not log.write(["b" * 400])
    assert not log.write(["c"])
    text = (tmp_path / "l.cri").read_text()
    assert "log full at 400 bytes" in text and "b" * 10 not in text and text.count("\n") == 2
    log.close()
