"""canaryscope export: the example talk (examples/talk.yaml, 6 min 20 s of the demo) at 120x40, to GIF and MP4.

The talk is recorded once on a 120x40 pty at --speed 5 (76 s of recording), then exported at --speed 0.2, which
gives the same frames on the talk's own 6 min 20 s timeline (a recording at --speed 1 has the same frames, five
times further apart). Each export is its own process; its peak memory is sampled with its ffmpeg child.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import commands
from bench.result import Result
from bench.terminal import Terminal

NAME = "export"
TITLE = "export the example talk (120x40) to GIF and MP4"
BUDGET = "each < 60 s and < 1 GB; GIF < 5 MB"
MB = 1_000_000


def record(cast: Path, script: Path, speed: float) -> None:
    argv = [*commands.demo(speed=speed, seed=3), "--script", str(script), "--record", str(cast)]
    with Terminal(argv, cwd=str(commands.REPO), parse=False) as term:
        term.process.wait(timeout=600)


def export(cast: Path, out: Path, speed: float) -> tuple[float, int, float]:
    """Seconds, peak RSS (bytes, the export and its children together) and CPU seconds (on a busy machine the
    wall-clock time says more about the other processes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    argv = [sys.executable, "-m", "tui", "export", str(cast), str(out), "--speed", f"{speed:g}"]
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=str(commands.REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            rss = watched.memory_info().rss + sum(c.memory_info().rss for c in watched.children(recursive=True))
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        time.sleep(0.05)  # a sampling period, not a synchronisation
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if process.returncode != 0:
        raise RuntimeError(f"export to {out.suffix} failed: {process.stderr.read().decode()[-300:]}")
    return seconds, peak, cpu


QUICK_SCRIPT = "steps:\n  - {at: 5s, do: release}\n  - {at: 1m, do: quit}\n"


def run(quick: bool = False, runs: int | None = None) -> Result:
    speed = 30.0 if quick else 5.0
    with tempfile.TemporaryDirectory() as folder:
        script = commands.REPO / "examples" / "talk.yaml"
        if quick:  # a minute of the demo instead of the talk
            script = Path(folder) / "quick.yaml"
            script.write_text(QUICK_SCRIPT)
        cast = Path(folder) / "talk.cast"
        record(cast, script, speed)
        events = sum(1 for _ in cast.open(encoding="utf-8")) - 1
        replay = 1 / speed
        gif_s, gif_rss, gif_cpu = export(cast, Path(folder) / "talk.gif", replay)
        mp4_s, mp4_rss, mp4_cpu = export(cast, Path(folder) / "talk.mp4", replay)
        gif_bytes = (Path(folder) / "talk.gif").stat().st_size
        mp4_bytes = (Path(folder) / "talk.mp4").stat().st_size
    passed = gif_s < 60 and mp4_s < 60 and max(gif_rss, mp4_rss) < 1000 * MB and gif_bytes < 5 * MB
    return Result(
        name=NAME,
        title=TITLE,
        measured=(
            f"GIF {gif_s:.1f} s, {gif_rss / MB:.0f} MB peak, {gif_bytes / MB:.2f} MB; "
            f"MP4 {mp4_s:.1f} s, {mp4_rss / MB:.0f} MB peak, {mp4_bytes / MB:.2f} MB"
        ),
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"recording: demo --seed 3 --speed {speed:g} --script {script.name} at 120x40, {events} events",
            f"export: python -m tui export talk.cast talk.gif|talk.mp4 --speed {replay:g} (10 fps, font 14 px)",
            f"CPU time (the export and ffmpeg): GIF {gif_cpu:.1f} s, MP4 {mp4_cpu:.1f} s",
        ],
        values={
            "gif_s": gif_s,
            "gif_rss": gif_rss,
            "gif_bytes": gif_bytes,
            "gif_cpu_s": gif_cpu,
            "mp4_s": mp4_s,
            "mp4_cpu_s": mp4_cpu,
            "mp4_rss": mp4_rss,
            "mp4_bytes": mp4_bytes,
            "events": events,
        },
    )
