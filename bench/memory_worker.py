"""24 virtual hours of the simulation folded through the reducer, reporting memory every virtual hour.

    python -m bench.memory_worker --hours 24 --seed 1 [--tracemalloc]

A release every 10 virtual minutes (every third one faulty, with errors injected), as a busy demo would see.
Prints one JSON line per virtual hour: {"hour", "rss", "traced", "events", "history"}; rss after gc.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tracemalloc

import psutil

from tui.reducer import reduce_all
from tui.sim.engine import Simulation
from tui.sim.scenario import load_scenario
from tui.state import AppState

RELEASE_EVERY_S = 600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--report-minutes", type=int, default=60, help="virtual minutes between reports")
    args = parser.parse_args()
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
