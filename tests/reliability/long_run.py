"""A day of the simulation through the whole app, headless, in a process of its own: releases, faulty releases,
aborts, promotions, loads and error injection on an hourly schedule, the action keys pressed as a user would.

    python -m tests.reliability.long_run --hours 24

Prints one JSON document: resident memory after each hour (after a full collection) and the size of every history
the app and the simulation keep. tests/reliability/test_long_run.py runs it and asserts the bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from typing import Any

from tui.app import CanaryscopeApp
from tui.domain.model import CanaryKey
from tui.sim.actions import SimActions
from tui.sim.engine import Simulation
from tui.sim.scenario import from_mapping
from tui.sim.source import SimulationSource
from widgets.line_log import LineLog

SCENARIO = {
    "canaries": [
        {"name": "examiner", "namespace": "apps", "gates": ["rollback"]},
        {"name": "podinfo", "namespace": "apps", "gates": ["confirm-promotion", "rollback"]},
    ]
}
EXAMINER = CanaryKey("apps", "examiner")
PODINFO = CanaryKey("apps", "podinfo")
CHUNK_S = 30  # virtual seconds between two screen updates (the app at speed 120 on a 0.25 s tick)

# Minute of the hour -> (canary, keys pressed). Odd hours leave the background load off for a while.
SCHEDULE: dict[int, tuple[CanaryKey, str]] = {
    0: (EXAMINER, "r"),  # a release that promotes
    12: (EXAMINER, "R"),  # a faulty one that rolls back
    24: (EXAMINER, "e"),  # 4 minutes of injected errors
    30: (PODINFO, "r"),  # waits at the promotion gate (a Halt event per tick)
    42: (PODINFO, "p"),  # opened
    50: (PODINFO, "R"),
    51: (PODINFO, "a"),  # aborted at the next tick
    52: (EXAMINER, "s"),  # suspended (a skip event per tick)
    59: (EXAMINER, "s"),  # resumed
}


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def sizes(app: CanaryscopeApp, sim: Simulation) -> dict[str, int]:
    state = app.state
    log = app.rollout_screen.query_one(LineLog)
    traffic = sim.traffic
    windows = [len(m._seconds) for m in traffic._metrics.values()] if hasattr(traffic, "_metrics") else [0]
    return {
        "events": len(state.events),
        "metric_series_max": max((len(s) for s in state.metrics.values()), default=0),
        "metric_series": len(state.metrics),
        "loads": len(state.loads),
        "health": len(state.health),
        "event_log_lines": len(log.lines),
        "widgets": len(list(app.query("*"))) + sum(len(list(s.query("*"))) for s in app.screen_stack),
        "notifications": len(app._notifications),
        "sim_logger_lines": len(sim.logger._lines),
        "sim_logger_unread": len(sim.logger._unread),
        "sim_flagger_history": len(sim.flagger.history),
        "sim_traffic_window_max": max(windows, default=0),
        "sim_loads": len(sim._loads),
        "sim_follow_ups": len(sim._follow_ups),
        "sim_pending": len(sim._pending),
        "gc_objects": len(gc.get_objects()),
    }


async def run(hours: int, warmup_hours: int) -> dict[str, Any]:
    sim = Simulation(from_mapping(SCENARIO), seed=11)
    source = SimulationSource(sim, speed=120, autorun=False)
    app = CanaryscopeApp(source, SimActions(sim))
    hourly: list[dict[str, Any]] = []
    started = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        start = sim.now
        for hour in range(hours):
            for chunk in range(3600 // CHUNK_S):
                minute = chunk * CHUNK_S // 60
                if chunk * CHUNK_S % 60 == 0 and minute in SCHEDULE:
                    key, keys = SCHEDULE[minute]
                    if app.state.selected != key:
                        await pilot.press("n")
                    await pilot.press(*keys)
                    if minute == 30 and hour % 2:
                        await pilot.press("l")  # background load off for odd hours' second half...
                if minute == 58 and chunk * CHUNK_S % 60 == 0 and hour % 2:
                    await pilot.press("l")  # ...and on again
                source.advance(CHUNK_S)
                await asyncio.sleep(0)
                if chunk % 20 == 0:
                    await pilot.pause()  # let the screen catch up now and then, as the real timer would
                    if hour % 6 == 5 and chunk == 0:
                        await pilot.press("d")
                        await pilot.press("escape")
            await pilot.pause()
            app.clear_notifications()  # toasts expire after seconds of real time; this run compresses a day
            gc.collect()
            hourly.append(
                {
                    "hour": hour + 1,
                    "virtual_s": sim.now - start,
                    "rss_mib": round(rss_mib(), 2),
                    "elapsed_s": round(time.monotonic() - started, 1),
                    **sizes(app, sim),
                }
            )
        await pilot.press("q")
    warm = hourly[warmup_hours - 1]["rss_mib"]
    return {
        "hours": hours,
        "warmup_hours": warmup_hours,
        "rss_after_warmup_mib": warm,
        "rss_end_mib": hourly[-1]["rss_mib"],
        "rss_growth_mib": round(max(h["rss_mib"] for h in hourly[warmup_hours:]) - warm, 2),
        "elapsed_s": round(time.monotonic() - started, 1),
        "hourly": hourly,
        "phases_seen": sorted({r.phase for r in sim.flagger.history if r.phase}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.long_run")
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--warmup-hours", type=int, default=2)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.hours, args.warmup_hours))
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
