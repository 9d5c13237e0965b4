"""Bytes to the terminal: a 120x40 screen during a running rollout with updates every second.

`canaryscope demo --speed 1` (virtual time = real time, so the simulation updates every second) gets `r` on
its pty; once the rollout shows Progressing, every byte it writes is counted for the window. The baseline
redraws the same information every second the way `watch` does: clear the screen, print the full text of
each frame canaryscope showed in that window (taken once a second off the same pty), measured the same way.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench import commands, screens
from bench.result import Result
from bench.stats import Spread
from bench.terminal import Terminal

NAME = "bandwidth"
TITLE = "bytes to the terminal"
BUDGET = "< 3 KB/s (and the ratio to a redraw-everything baseline)"
KB = 1000


def canaryscope_window(seconds: float, speed: float) -> tuple[float, list[str]]:
    """Bytes per second during a rollout, and one screen text per second of the window."""
    with Terminal(commands.demo(speed=speed, seed=1), cwd=str(commands.REPO)) as term:
        term.wait_for(screens.rollout_complete, 30)
        term.send("r")
        term.wait_for(screens.shows_phase("apps/examiner", "Progressing"), 30)
        start = time.monotonic()
        frames: list[str] = []
        for tick in range(1, int(seconds) + 1):
            time.sleep(max(0.0, start + tick - time.monotonic()))
            frames.append(term.screen_text())
        still_progressing = "Progressing" in frames[-1]
        if not still_progressing:
            raise RuntimeError("the rollout ended inside the window; the window must cover a running rollout")
        return term.bytes_between(start, start + seconds) / seconds, frames


def baseline_window(frames: list[str], seconds: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "frames.json"
        path.write_text(json.dumps(frames))
        with Terminal(commands.redraw_baseline(path), cwd=str(commands.REPO), parse=False) as term:
            while not term.total_bytes:
                time.sleep(0.01)
            start = time.monotonic()
            time.sleep(seconds + 0.05)
            return term.bytes_between(start, start + seconds) / seconds


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 3)
    # The smoke run speeds the simulation up: at speed 1 the first analysis tick can be 30 s away.
    seconds, speed = (2.0, 10.0) if quick else (30.0, 1.0)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        rate, frames = canaryscope_window(seconds, speed)
        ours.append(rate / KB)
        theirs.append(baseline_window(frames, seconds) / KB)
    a, b = Spread.of(ours), Spread.of(theirs)
    ratio = a.median / b.median
    return Result(
        name=NAME,
        title=TITLE,
        measured=f"{a.text('{:.2f}', ' KB/s')}; baseline {b.median:.2f} KB/s; ratio {ratio:.2f}",
        budget=BUDGET,
        passed=a.median < 3.0,
        command=commands.reproduce(NAME),
        details=[
            f"{seconds:g} s windows of `canaryscope demo --speed {speed:g} --seed 1` after `r`, while Progressing",
            f"redraw-everything baseline (clear + full text once a second, no colour): {b.text('{:.2f}', ' KB/s')}",
            "1 KB = 1000 bytes, counted as read from the pty master",
        ],
        values={"canaryscope_kb_s": ours, "baseline_kb_s": theirs, "ratio": ratio, "window_s": seconds, "speed": speed},
    )
