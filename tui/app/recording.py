"""asciicast v2 recordings of the screen (replayable with `asciinema play`).

The first frame draws the whole screen; every later one only the cells that changed since the frame before,
each run after a cursor move, as a terminal gets them. A frame is written only when something changed. In the
simulation the timestamps are virtual seconds divided by the speed, so the same seed and script give the same
file.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from rich.color import ColorSystem
from rich.style import Style

from tui.app.screen_diff import WIDE_TAIL, cells_of, changed_runs

CLEAR = "\x1b[2J"
RESET = "\x1b[0m"
# A cell as recorded: its character and its SGR sequence in 256 colours. Comparing the codes rather than the
# styles folds the same colour reached by two paths (a theme variable resolved early or late) into one.
Cell = tuple[str, str]


@lru_cache(maxsize=4096)
def sgr(style: Style | None) -> str:
    """The escape sequence that sets `style` in 256 colours, the most players show faithfully ("" for none)."""
    if style is None or not style:
        return ""
    return style.render("\x00", color_system=ColorSystem.EIGHT_BIT).partition("\x00")[0]


def screen_cells(app: Any) -> list[list[Cell]]:
    """The current screen, one row of cells per line, from the same render an SVG screenshot is made from."""
    width, height = app.size
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    rows: list[list[Cell]] = []
    for line in update.strips:
        row = [(char, sgr(style)) for strip in line for char, style in cells_of(strip)]
        row = row[:width] + [(" ", "")] * (width - len(row))
        rows.append(row)
    return rows[:height] + [[(" ", "")] * width for _ in range(height - len(rows))]


def draw(row: list[Cell], start: int, end: int) -> str:
    """Cells [start, end) of a row as text with the fewest style changes; each run ends in a reset."""
    out: list[str] = []
    current = ""
    for char, code in row[start:end]:
        if char == WIDE_TAIL:
            continue  # the right half of a wide character the cell before it drew
        if code != current:
            out.append(RESET if current else "")
            out.append(code)
            current = code
        out.append(char)
    if current:
        out.append(RESET)
    return "".join(out)


def frame_data(old: list[list[Cell]] | None, new: list[list[Cell]]) -> str:
    """What a terminal showing `old` (None: unknown) needs to show `new`."""
    out: list[str] = []
    if old is None:
        out.append(CLEAR)
        for y, row in enumerate(new):
            out.append(f"\x1b[{y + 1};1H{draw(row, 0, len(row))}")
        return "".join(out)
    for y, row in enumerate(new):
        for start, end in changed_runs(old[y], row):
            out.append(f"\x1b[{y + 1};{start + 1}H{draw(row, start, end)}")
    return "".join(out)


class CastRecorder:
    def __init__(self, path: str | Path, clock: Callable[[], float], *, start_epoch: float, title: str) -> None:
        self.path = Path(path)
        self.clock = clock
        self.start_epoch = start_epoch
        self.title = title
        self._file: TextIO | None = None
        self._screen: list[list[Cell]] | None = None
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

    def frame(self, width: int, height: int, cells: list[list[Cell]]) -> None:
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
        elif (width, height) != self._size:
            self._file.write(json.dumps([round(self.clock(), 3), "r", f"{width}x{height}"]) + "\n")
            self._size = (width, height)
            self._screen = None  # a resized terminal reflows what it showed: draw it all again
        data = frame_data(self._screen, cells)
        self._screen = cells
        if not data:
            return
        self._file.write(json.dumps([round(self.clock(), 3), "o", data], ensure_ascii=False) + "\n")
        self.frames += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
