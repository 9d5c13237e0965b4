"""asciicast v2 recordings of the screen (replayable with `asciinema play`).

Each frame is the whole screen as the compositor renders it, written only when it changed. In the simulation
the timestamps are virtual seconds divided by the speed, so the same seed and script give the same file.
"""

from __future__ import annotations

import errno
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

CLEAR_AND_HOME = "\x1b[2J\x1b[H"
ANSI_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
HOME = "\x1b[H"


def screen_ansi(app: Any) -> str:
    """The current screen as ANSI text, the same render an SVG screenshot is made from.

    256 colours, the most players show faithfully: it also folds the same colour reached by two paths (a theme
    variable resolved early or late) into one code.
    """
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="256",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=True)


class CastRecorder:
    def __init__(self, path: str | Path, clock: Callable[[], float], *, start_epoch: float, title: str) -> None:
        self.path = Path(path)
        self.clock = clock
        self.start_epoch = start_epoch
        self.title = title
        self._file: TextIO | None = None
        self._last = ""
        self._size: tuple[int, int] | None = None
        self.frames = 0

    def open(self) -> None:
        """Fail early (before the UI starts) when the file cannot be written."""
        blocking = next((p for p in self.path.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:  # mkdir would only say "File exists"
            raise NotADirectoryError(errno.ENOTDIR, f"{blocking} is not a directory", str(blocking))
        if self.path.is_dir():
            raise IsADirectoryError(errno.EISDIR, f"{self.path} is a directory", str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8")

    def frame(self, width: int, height: int, ansi: str) -> None:
        if self._file is None:
            return
        if self._size is None:
            header = {
                "version": 2,
                "width": width,
                "height": height,
                "timestamp": int(self.start_epoch),
                "title": self.title,
                "env": {"TERM": "xterm-256color"},
            }
            self._file.write(json.dumps(header) + "\n")
            self._size = (width, height)
            prefix = CLEAR_AND_HOME
        elif (width, height) != self._size:
            self._file.write(json.dumps([round(self.clock(), 3), "r", f"{width}x{height}"]) + "\n")
            self._size = (width, height)
            prefix = CLEAR_AND_HOME
            self._last = ""
        else:
            prefix = HOME
        if ansi == self._last:
            return
        self._last = ansi
        data = prefix + ansi.rstrip("\n").replace("\n", "\r\n")
        self._file.write(json.dumps([round(self.clock(), 3), "o", data], ensure_ascii=False) + "\n")
        self.frames += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
