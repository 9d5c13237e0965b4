"""A terminal that goes away without a hang-up signal (its pty closed under a process that never made it its
controlling terminal: `setsid`, some IDE and multiplexer set-ups) ends canaryscope. Before, Textual's writer thread
died on the first write, the app blocked on its full queue and the input thread spun on end-of-file: a process left
behind at most of a core, its watches open."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.waiting import wait_until

pytestmark = pytest.mark.e2e


def read_until(fd: int, text: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{text!r} was not written within {timeout}s; got {seen[-400:]!r}")
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if ready:
            seen += os.read(fd, 65536)
    return seen


def test_the_demo_ends_when_its_terminal_goes_away() -> None:
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    # A new session that does not take the pty as its controlling terminal: closing it sends no SIGHUP.
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        read_until(master, b"Quit", 60)
        os.close(master)
        master = -1
        wait_until(lambda: process.poll() is not None, "canaryscope ending after its terminal went away", 30)
    finally:
        if master >= 0:
            os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait(10)
