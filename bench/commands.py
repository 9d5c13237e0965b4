"""The programs the benchmarks start, each as a plain `python -m ...` process from the repository root."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZE = (120, 40)


def demo(speed: float = 5, seed: int = 1) -> list[str]:
    return [sys.executable, "-m", "tui", "demo", "--speed", f"{speed:g}", "--seed", str(seed)]


def watch(kubeconfig: Path, *args: str, prometheus: str = "none") -> list[str]:
    return [
        sys.executable,
        "-m",
        "tui",
        "watch",
        "--kubeconfig",
        str(kubeconfig),
        "--prometheus",
        prometheus,
        "--logger",
        "none",
        "--read-only",
        *args,
    ]


def minimal_app() -> list[str]:
    return [sys.executable, "-m", "bench.minimal_app"]


def redraw_baseline(frames: Path, interval: float = 1.0) -> list[str]:
    return [sys.executable, "-m", "bench.redraw_baseline", str(frames), "--interval", f"{interval:g}"]


def reproduce(name: str) -> str:
    return f"make bench ARGS={name}   (or .venv/bin/python -m bench {name})"
