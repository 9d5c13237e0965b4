"""Recordings: asciicast v2, one frame per step of virtual time, the same file for the same seed and script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

SCRIPT = """
steps:
  - {at: 0s, do: say, text: "Recording starts"}
  - {at: 20s, do: faulty-release}
  - {at: 3m, do: quit}
"""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def record(tmp_path: Path, name: str, text: str = SCRIPT, returncode: int = 0) -> Path:
    script = tmp_path / "script.yaml"
    script.write_text(text)
    cast = tmp_path / f"{name}.cast"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui",
            "demo",
            "--speed",
            "30",
            "--seed",
            "4",
            "--scenario",
            "seed",
            "--script",
            str(script),
            "--record",
            str(cast),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TERM": "xterm-256color", "TZ": "UTC"},
    )
    assert done.returncode == returncode, done.stderr[-2000:]
    if returncode:
        # Textual draws on stderr; the message is the one line after the terminal is restored.
        assert "Traceback" not in done.stderr and done.stderr.endswith("\n"), done.stderr[-2000:]
        last = done.stderr.splitlines()[-1]
        (tmp_path / f"{name}.stderr").write_text(last[last.rindex("canaryscope: ") :])
    return cast


class Terminal:
    """Just enough of a terminal to play a recording back: cursor moves, clearing, text; styles are skipped."""

    CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.clear()

    def clear(self) -> None:
        self.cells = [[" "] * self.width for _ in range(self.height)]
        self.x = self.y = 0

    def feed(self, data: str) -> None:
        position = 0
        for match in self.CSI.finditer(data):
            self.text(data[position : match.start()])
            position = match.end()
            params, command = match.groups()
            if command == "H":
                row, _, col = params.partition(";")
                self.y, self.x = int(row or 1) - 1, int(col or 1) - 1
            elif command == "J" and params == "2":
                self.clear()
            elif command != "m":
                raise AssertionError(f"unexpected escape sequence {match.group()!r}")
        self.text(data[position:])

    def text(self, text: str) -> None:
        for char in text:
            assert char not in "\r\n\x1b", "every row is reached by a cursor move"
            assert 0 <= self.y < self.height and 0 <= self.x < self.width, f"written outside: {self.x},{self.y}"
            self.cells[self.y][self.x] = char
            self.x += 1
            if unicodedata.east_asian_width(char) in "WF":
                self.x += 1

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]


def replay(cast: Path) -> tuple[dict, list[list], list[str]]:
    """Play the recording back: the header, the events, and the final screen as plain text."""
    lines = cast.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    events = [json.loads(line) for line in lines[1:]]
    terminal = Terminal(header["width"], header["height"])
    for _t, kind, data in events:
        if kind == "o":
            terminal.feed(data)
    return header, events, terminal.lines()


def test_the_same_seed_and_script_give_the_same_recording(tmp_path: Path) -> None:
    first = record(tmp_path, "first")
    second = record(tmp_path, "second")
    assert first.read_bytes() == second.read_bytes()
    header, events, screen = replay(first)
    assert header["version"] == 2 and header["width"] == 80 and header["height"] == 24
    times = [t for t, _, _ in events]
    assert times == sorted(times) and times[0] == 0.0
    assert 150 / 30 <= times[-1] <= 200 / 30, "virtual seconds divided by the speed"
    assert all(kind == "o" for _, kind, _ in events)
    assert len(screen) == 24
    text = "\n".join(screen)
    assert "Failed" in text and "Canary failed! Scaling down" in text
    assert "❝ Recording starts" in text, "a say stays on screen until the next one"
    assert "» Rolled back" in text, "the narration stays in view under the caption"


def test_a_script_step_that_times_out_ends_the_recording_with_exit_code_1(tmp_path: Path) -> None:
    never = "steps:\n  - {after: Failed, timeout: 40s, do: say, text: Rolled back}\n  - {wait: 1s, do: quit}\n"
    cast = record(tmp_path, "failed", never, returncode=1)
    stderr = (tmp_path / "failed.stderr").read_text()
    assert stderr.startswith("canaryscope: script script.yaml: steps[0] (do: say) timed out after 40s")
    assert "waiting for after: Failed" in stderr
    _header, events, screen = replay(cast)
    assert 40 / 30 <= events[-1][0] <= 45 / 30, "the recording ends when the step times out"
    assert "timed out" in "\n".join(screen), "the error is on the last frame"


def test_after_the_first_frame_only_the_changed_cells_are_recorded(tmp_path: Path) -> None:
    cast = record(tmp_path, "small")
    _header, events, screen = replay(cast)
    frames = [data.encode() for _, kind, data in events if kind == "o"]
    first, later = frames[0], frames[1:]
    assert first.startswith(b"\x1b[2J") and len(later) >= 10
    # A whole 80x24 screen is some 10 KB with its colours; a clock that moves is a few cells.
    assert len(first) > 5000
    assert max(len(frame) for frame in later) < len(first)
    assert sum(len(frame) for frame in later) < len(first) * len(later) / 4, "a quarter of whole screens at most"
    assert "Canary failed! Scaling down" in "\n".join(screen), "the changes add up to the right screen"
