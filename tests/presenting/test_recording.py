"""Recordings: asciicast v2, one frame per step of virtual time, the same file for the same seed and script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
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


def replay(cast: Path) -> tuple[dict, list[list], list[str]]:
    """Play the recording back: the header, the events, and the final screen as plain text."""
    lines = cast.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    events = [json.loads(line) for line in lines[1:]]
    screen: list[str] = []
    for _t, kind, data in events:
        if kind == "o":
            # Every frame is a whole screen drawn from the top-left corner.
            screen = ANSI.sub("", data).split("\r\n")
    return header, events, screen


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
