"""A progress bar on stderr, redrawn in place at most a few times a second; nothing when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None, *, force: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.total = max(1, total)
        self.label = label
        self._shown = -1.0
        self._drawn = False

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._shown < 0.2 and done < self.total:
            return
        self._shown = now
        self.stream.write("\r" + bar(done, self.total, self.label))
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + bar(self.total, self.total, self.label) + "\n")
            self.stream.flush()


def bar(done: int, total: int, label: str, width: int = 30) -> str:
    share = min(1.0, done / max(1, total))
    filled = round(share * width)
    return f"{label} [{'█' * filled}{'·' * (width - filled)}] {share:4.0%} {done}/{total}"
