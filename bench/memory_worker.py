"""24 virtual hours of the simulation folded through the reducer, reporting memory every virtual hour.

    python -m bench.memory_worker --hours 24 --seed 1 [--tracemalloc]

A release every 10 virtual minutes (every third one faulty, with errors injected), as a busy demo would see.
Prints one JSON line per virtual hour: {"hour", "rss", "traced", "events", "history"}; rss after gc.

    python -m bench.memory_worker --metrics-canaries 1000 --hours 1 --report-minutes 15

folds an hour of Prometheus refreshes (every 5 s, two deployments per canary) and prints the RSS above the
start and the samples kept every 15 minutes.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tracemalloc

import psutil

from tui.domain.model import MetricSample
from tui.domain.observations import MetricsObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.sim.engine import Simulation
from tui.sim.scenario import load_scenario

RELEASE_EVERY_S = 600
REFRESH_S = 5


def metrics_history(canaries: int, hours: float, every_minutes: int, seed: int) -> int:
    """What the metric history costs at scale: a refresh every 5 s with a sample per deployment, as the
    Prometheus source emits them, folded through the reducer."""
    rng = random.Random(seed)
    process = psutil.Process()
    gc.collect()
    base = process.memory_info().rss
    deployments = [(f"team-{i % 100:02d}", f"app-{i:04d}{s}") for i in range(canaries) for s in ("", "-primary")]
    state = AppState()
    refreshes_per_report = every_minutes * 60 // REFRESH_S
    for refresh in range(1, int(hours * 3600 / REFRESH_S) + 1):
        t = float(refresh * REFRESH_S)
        samples = tuple(
            MetricSample(ns, dep, t, 100 - rng.random(), 5 + rng.random(), 200 + 50 * rng.random())
            for ns, dep in deployments
        )
        state = reduce_all(state, [MetricsObserved(samples)])
        if refresh % refreshes_per_report == 0:
            gc.collect()
            kept = sum(len(series) for series in state.metrics.values())
            report = {"hour": t / 3600, "rss": process.memory_info().rss - base, "samples": kept}
            print(json.dumps(report), flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--report-minutes", type=int, default=60, help="virtual minutes between reports")
    parser.add_argument(
        "--metrics-canaries", type=int, default=0, help="instead: Prometheus refreshes for this many canaries"
    )
    args = parser.parse_args()
    if args.metrics_canaries:
        return metrics_history(args.metrics_canaries, args.hours, args.report_minutes, args.seed)
    if args.tracemalloc:
        tracemalloc.start()
    process = psutil.Process()
    sim = Simulation(load_scenario(None), seed=args.seed)
    state = AppState()
    keys = sorted(sim.canaries)
    releases = 0
    for minute in range(1, int(args.hours * 60) + 1):
        sim.advance(60)
        state = reduce_all(state, sim.drain())
        if minute * 60 % RELEASE_EVERY_S == 0:
            releases += 1
            for key in keys:
                faulty = releases % 3 == 0
                sim.release(key, faulty=faulty)
                if faulty:
                    sim.inject_errors(key)
            state = reduce_all(state, sim.drain())
        if minute % args.report_minutes == 0:
            gc.collect()
            report = {
                "hour": minute / 60,
                "rss": process.memory_info().rss,
                "traced": tracemalloc.get_traced_memory()[0] if args.tracemalloc else None,
                "events": len(state.events),
                "history": len(sim.flagger.history),
            }
            print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
