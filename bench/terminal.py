"""A program on a real pseudo-terminal: bytes read non-blockingly and counted, the screen kept by a VT parser.

A reader thread drains the pty as fast as the program writes (a full pty buffer would block the program and
distort every timing), stamps each chunk with time.monotonic(), and feeds a pyte screen.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psutil
import pyte

READ_CHUNK = 65536
# The screen history kept for waiters: enough for any wait, bounded for hours of output.
CHUNK_LOG_LIMIT = 100_000

KEYS = {"escape": b"\x1b", "enter": b"\r", "tab": b"\t", "home": b"\x1b[H"}


@dataclass(frozen=True)
class Chunk:
    at: float
    size: int


@dataclass
class _Waiter:
    predicate: Callable[[str], bool]
    at: float | None = None


class Timeout(Exception):
    pass


def _take_controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """Runs `argv` on a pty of `columns` x `lines`; `screen_text()` is what a user would see."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        columns: int = 120,
        lines: int = 40,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        parse: bool = True,
        controlling: bool = False,
    ) -> None:
        """`controlling`: the pty becomes the program's controlling terminal, as in a terminal emulator's shell
        (k9s opens /dev/tty and panics without one)."""
        self.columns, self.lines = columns, lines
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.parse = parse
        self.total_bytes = 0
        self.chunks: list[Chunk] = []
        self.changed = threading.Condition()
        self._waiters: list[_Waiter] = []
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        full_env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(columns),
            "LINES": str(lines),
            "TZ": "UTC",
            **(env or {}),
        }
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
            # Runs in the child after setsid() and after the pty became its stdin.
            preexec_fn=_take_controlling_terminal if controlling else None,
        )
        os.close(slave)
        self.master = master
        self.ps = psutil.Process(self.process.pid)
        self._closing = False
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    # --- output ---------------------------------------------------------------------------------------------

    def _read(self) -> None:
        while not self._closing:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(self.master, READ_CHUNK)
            except OSError:  # EIO: the program closed the terminal
                data = b""
            now = time.monotonic()
            if not data:
                with self.changed:
                    self._closing = True
                    self.changed.notify_all()
                return
            with self.changed:
                self.total_bytes += len(data)
                if len(self.chunks) < CHUNK_LOG_LIMIT:
                    self.chunks.append(Chunk(now, len(data)))
                if self.parse:
                    self.stream.feed(data)
                    self._check_waiters(now)
                self.changed.notify_all()

    def _check_waiters(self, now: float) -> None:
        # Checked by the reader after every chunk, so a waiter learns the exact chunk that satisfied it.
        pending = [w for w in self._waiters if w.at is None]
        if not pending:
            return
        text = "\n".join(self.screen.display)
        for waiter in pending:
            if waiter.predicate(text):
                waiter.at = now

    def screen_text(self) -> str:
        with self.changed:
            return "\n".join(self.screen.display)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30.0) -> float:
        """Wait until predicate(screen text) holds; returns the monotonic time of the chunk that made it so
        (the time it was read from the pty), or now if it already held."""
        deadline = time.monotonic() + timeout
        with self.changed:
            if predicate("\n".join(self.screen.display)):
                return time.monotonic()
            waiter = _Waiter(predicate)
            self._waiters.append(waiter)
            try:
                while waiter.at is None:
                    left = deadline - time.monotonic()
                    text = "\n".join(self.screen.display)
                    if left <= 0:
                        raise Timeout(f"the screen did not show what was expected within {timeout}s:\n{text}")
                    if self._closing:
                        code = self.process.poll()
                        raise Timeout(f"the program ended (exit {code}) before the screen showed it:\n{text}")
                    self.changed.wait(min(left, 0.5))
                return waiter.at
            finally:
                self._waiters.remove(waiter)

    def bytes_between(self, start: float, end: float) -> int:
        with self.changed:
            return sum(c.size for c in self.chunks if start <= c.at < end)

    # --- input and lifetime ---------------------------------------------------------------------------------

    def send(self, keys: str | bytes) -> float:
        data = KEYS.get(keys, keys.encode()) if isinstance(keys, str) else keys  # type: ignore[arg-type]
        at = time.monotonic()
        os.write(self.master, data)
        return at

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def rss_bytes(self) -> int:
        return self.ps.memory_info().rss

    def close(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        self._closing = True
        self._reader.join(1.0)
        with contextlib.suppress(OSError):
            os.close(self.master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
