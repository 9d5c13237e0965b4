"""Memory over time: 24 virtual hours of the simulation folded through the reducer (tui/sim + tui/reducer).

Each run is a fresh process (bench/memory_worker.py) with its own seed: RSS after garbage collection at the
end of warm-up vs at the end. One more run under tracemalloc counts the Python objects themselves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench import commands
from bench.result import Result
from bench.stats import Spread

NAME = "memory"
TITLE = "memory over time"
BUDGET = "growth < 10 MB after warm-up"
MB = 1_000_000


def worker(hours: float, seed: int, traced: bool, every: int) -> list[dict[str, Any]]:
    argv = [
        sys.executable,
        "-m",
        "bench.memory_worker",
        "--hours",
        f"{hours:g}",
        "--seed",
        str(seed),
        "--report-minutes",
        str(every),
    ]
    if traced:
        argv.append("--tracemalloc")
    done = subprocess.run(argv, cwd=str(commands.REPO), capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def metrics_worker(canaries: int, hours: float) -> list[dict[str, Any]]:
    argv = [
        sys.executable,
        "-m",
        "bench.memory_worker",
        "--metrics-canaries",
        str(canaries),
        "--hours",
        f"{hours:g}",
        "--report-minutes",
        "15",
    ]
    done = subprocess.run(argv, cwd=str(commands.REPO), capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 3)
    # Reports every `every` virtual minutes; warm-up ends at report number `warmup`.
    hours, warmup, every = (0.5, 1, 10) if quick else (24, 2, 60)
    growth: list[float] = []
    for seed in range(1, runs + 1):
        reports = worker(hours, seed, traced=False, every=every)
        growth.append((reports[-1]["rss"] - reports[warmup - 1]["rss"]) / MB)
    traced = worker(hours, 1, traced=True, every=every)
    metric_canaries, metric_hours = (50, 0.25) if quick else (1000, 1.0)
    history = metrics_worker(metric_canaries, metric_hours)
    traced_growth = (traced[-1]["traced"] - traced[warmup - 1]["traced"]) / MB
    spread = Spread.of(growth)
    events_full = next((r["hour"] for r in traced if r["events"] >= 2000), None)
    return Result(
        name=NAME,
        title=TITLE,
        measured=f"RSS +{spread.text('{:.2f}', ' MB')}; Python objects (tracemalloc) +{traced_growth:.2f} MB",
        budget=BUDGET,
        passed=spread.median < 10 and traced_growth < 10,
        command=commands.reproduce(NAME),
        details=[
            f"{hours:g} virtual hours, warm-up {warmup * every / 60:.2g} h, a release every 10 virtual minutes "
            "(every third faulty with errors injected); "
            "python -m bench.memory_worker --hours 24 --seed N [--tracemalloc]",
            f"RSS at the end of warm-up {traced[warmup - 1]['rss'] / MB:.1f} MB (tracemalloc run); the event log "
            + (
                f"reached its bound (2000) at hour {events_full}"
                if events_full
                else f"held {traced[-1]['events']} events at the end (bound 2000)"
            ),
            f"metric history at {metric_canaries} canaries (a Prometheus refresh every 5 s, "
            "python -m bench.memory_worker --metrics-canaries 1000 --hours 1): "
            + ", ".join(
                f"+{r['rss'] / MB:.0f} MB and {r['samples']} samples at {r['hour'] * 60:.0f} min" for r in history
            )
            + " (bounded by the 15 minutes the detail charts show)",
        ],
        values={
            "rss_growth_mb": growth,
            "traced_growth_mb": traced_growth,
            "traced_hours": traced,
            "metric_history": history,
        },
    )
