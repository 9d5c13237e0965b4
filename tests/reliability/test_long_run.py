"""Long runs: a simulated day through the whole app in a process of its own, and hundreds of screen changes; memory
stays flat once warmed up and every history stays within its bound."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from textual.widget import Widget

from tests.reliability.apps import key_latency
from tests.reliability.report import Report
from tests.simkit import sim_app
from tui.domain.state import EVENT_LOG_LIMIT, FINISHED_LOADS_LIMIT, METRIC_SAMPLES_LIMIT
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.sim.flagger import HISTORY_LIMIT
from tui.sim.logger_pod import LOG_LINES_LIMIT
from tui.sim.traffic import WINDOW_LIMIT_S

SECTION = "Long runs"
ROOT = Path(__file__).resolve().parents[2]
HOURS = 24
GROWTH_BUDGET_MIB = 10.0

BOUNDS = {
    "events": EVENT_LOG_LIMIT,
    "event_log_lines": EVENT_LOG_LIMIT,
    "metric_series_max": METRIC_SAMPLES_LIMIT,
    "metric_series": 4,  # primary and canary of two canaries
    "loads": FINISHED_LOADS_LIMIT + 4,  # the finished ones kept, and at most two backgrounds and two injections
    "health": 1,
    "notifications": 0,  # cleared each hour: toasts expire in real time, and this day lasts a minute
    "sim_logger_lines": LOG_LINES_LIMIT,
    "sim_logger_unread": 0,
    "sim_flagger_history": HISTORY_LIMIT,
    "sim_traffic_window_max": WINDOW_LIMIT_S,
    "sim_loads": 4,
    "sim_follow_ups": 2,
    "sim_pending": 0,
}


def test_a_simulated_day_keeps_memory_and_every_history_bounded(report: Report) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.long_run", "--hours", str(HOURS)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    hourly = result["hourly"]
    over = [
        f"hour {h['hour']}: {name} = {h[name]} > {bound}"
        for h in hourly
        for name, bound in BOUNDS.items()
        if h[name] > bound
    ]
    widgets = {h["widgets"] for h in hourly}
    last = hourly[-1]
    growth = result["rss_growth_mib"]
    ok = report.figure(
        SECTION,
        "day-memory",
        f"{HOURS} virtual hours of the simulation through the headless app in {result['elapsed_s']:.0f} s: hourly "
        "releases, faulty releases, a promotion gate, an abort, suspend/resume, error injection, load on/off, the "
        "detail charts",
        f"resident memory growth after a {result['warmup_hours']} h warm-up "
        f"({result['rss_after_warmup_mib']:.0f} MiB then, {result['rss_end_mib']:.0f} MiB at the end)",
        growth,
        GROWTH_BUDGET_MIB,
        "MiB",
    )
    report.outcome(
        SECTION,
        "day-bounds",
        f"the same {HOURS} simulated hours",
        "every history within its bound each hour: "
        + ", ".join(f"{k} ≤ {v}" for k, v in BOUNDS.items())
        + "; the number of widgets constant",
        f"at the end: {last['events']} events, {last['event_log_lines']} log lines, series of "
        f"{last['metric_series_max']} samples, {last['loads']} loads, {last['sim_logger_lines']} logger pod lines, "
        f"{last['sim_flagger_history']} Flagger records; {widgets.pop() if len(widgets) == 1 else widgets} widgets",
        not over and len({h["widgets"] for h in hourly}) == 1,
    )
    assert not over, over
    assert len({h["widgets"] for h in hourly}) == 1, [h["widgets"] for h in hourly]
    assert {"Succeeded", "Failed", "WaitingPromotion"} <= set(result["phases_seen"])
    assert ok, f"resident memory grew by {growth} MiB after the warm-up: {[h['rss_mib'] for h in hourly]}"


def live_widgets() -> int:
    gc.collect()
    return sum(isinstance(o, Widget) for o in gc.get_objects())


async def test_opening_and_closing_screens_hundreds_of_times_keeps_no_widget(report: Report) -> None:
    app, source, sim = sim_app("demo")
    cycles = 150
    async with app.run_test(size=(120, 40)) as pilot:
        source.advance(300)
        for _ in range(5):
            await key_latency(app, "question_mark", "?", HelpScreen, "KeyTable")
            await pilot.press("escape")
            await key_latency(app, "d", "d", DetailScreen, "#chart-success")
            await pilot.press("escape")
        await pilot.pause()
        before = live_widgets()
        for _ in range(cycles):
            await key_latency(app, "question_mark", "?", HelpScreen, "KeyTable")
            await pilot.press("escape")
            await key_latency(app, "d", "d", DetailScreen, "#chart-success")
            await pilot.press("escape")
        await pilot.pause()
        after = live_widgets()
        await pilot.press("q")
    ok = report.outcome(
        SECTION,
        "screens-memory",
        f"help and detail charts opened and closed {cycles} times each",
        "widgets alive before and after (closed screens and footer keys must not be kept)",
        f"{before} widgets before, {after} after",
        after <= before,
    )
    assert ok, f"{after - before} widgets more after {cycles} cycles"
