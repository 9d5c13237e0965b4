"""Change to screen at scale: a Canary's status, its TrafficSplit or its Deployment changes; how long until the pty
shows it, on the overview and on that canary's rollout screen, with 1 and with 1,000 canaries.

The stand-ins run in a helper process (bench/standin_process.py), which makes the timed write and reports the
monotonic time just before it (one clock for both processes). With 1,000 canaries a writer changes the others
at 50 a second meanwhile (half status writes, half Events), never the timed canary. `canaryscope watch -A` shows
the overview; the timed canary is the first row, and Enter opens its rollout screen. The overview has no column
for Deployments, so Deployment changes are timed on the rollout screen only. CPU (user + system) is read over a
window with the writer running and no timed change, and over a quiet window (no writer) once start-up is over (the
success rates shown, and 3 s more).

    make bench ARGS=change-latency
    python -m bench.change_latency [--repo PATH] [--runs N] [--json PATH]   (PATH: another checkout to run the
        application from, for before/after comparisons; the bench and the stand-ins stay this checkout's)
"""

from __future__ import annotations

import random
import re
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench import commands, screens
from bench.cluster import CanaryRef, names
from bench.result import Result
from bench.scale import Helper
from bench.stats import Spread, percentile
from bench.terminal import Terminal

NAME = "change-latency"
TITLE = "change to screen at scale"
BUDGET = "p95 < 150 ms at 1,000 canaries and 50 changes/s, < 50 ms with one canary"
KINDS = {"overview": ("status", "router"), "rollout": ("status", "router", "deployment")}


def _overview_cell(first: CanaryRef, column: int, wanted: Callable[[str], bool]) -> Callable[[str], bool]:
    def shown(text: str) -> bool:
        return any(
            row[:2] == [first.namespace, first.name] and wanted(row[column]) for row in screens.overview_rows(text)
        )

    return shown


def _first_row(first: CanaryRef) -> Callable[[str], bool]:
    def shown(text: str) -> bool:
        rows = screens.overview_rows(text)
        return bool(rows) and rows[0][:2] == [first.namespace, first.name]

    return shown


def shown_on(first: CanaryRef, screen: str, kind: str, value: str) -> Callable[[str], bool]:
    """The screen text shows the first canary with the changed value."""
    if screen == "overview":
        if kind == "status":
            return _overview_cell(first, 2, lambda cell: cell.endswith(f" {value}"))
        return _overview_cell(first, 3, lambda cell: cell.startswith(f"{value}%"))
    if kind == "status":
        return screens.shows_phase(f"{first.namespace}/{first.name}", value)
    if kind == "router":
        return screens.shows_weight(int(value))
    line = re.compile(rf"{first.name} +canary +{value} +{value}\b")
    return lambda text: line.search(text) is not None


def next_value(kind: str, current: str | None, rng: random.Random) -> str:
    if kind == "status":
        return "Promoting" if current == "Progressing" else "Progressing"
    choices = [str(v) for v in (range(5, 51, 5) if kind == "router" else range(1, 10)) if str(v) != current]
    return rng.choice(choices)


def timed_changes(
    term: Terminal, helper: Helper, first: CanaryRef, screen: str, samples: int, rng: random.Random
) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS[screen]}
    current: dict[str, str | None] = {"status": "Progressing"}
    for index in range(samples):
        kind = KINDS[screen][index % len(KINDS[screen])]
        value = next_value(kind, current.get(kind), rng)
        current[kind] = value
        time.sleep(rng.uniform(0.2, 0.6))  # not in step with the clock tick or the writer
        written: list[float] = []
        # The write runs beside the wait, so the waiter is in place before the change can reach the screen.
        writer = threading.Thread(target=lambda k=kind, v=value, out=written: out.append(helper.change(k, v)))
        writer.start()
        shown_at = term.wait_for(shown_on(first, screen, kind, value), 20)
        writer.join()
        latencies[kind].append(shown_at - written[0])
    return latencies


def cpu_percent(term: Terminal, seconds: float) -> float:
    cpu0, t0 = term.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return 100 * (term.cpu_seconds() - cpu0) / (time.monotonic() - t0)


def one_run(
    repo: Path, canaries: int, rate: float, samples: int, cpu_s: float, seed: int, settle_s: float = 3.0
) -> dict:
    rng = random.Random(seed)
    namespaces = min(100, canaries)
    first = names(canaries, namespaces)[0]  # the first row, sorted by namespace
    with tempfile.TemporaryDirectory() as tmp:
        helper = Helper(canaries, namespaces, Path(tmp), "--spare-first")
        try:
            # The overview even for one canary (-A alone would open the rollout screen of the only one).
            helper.change("status", "Progressing")
            argv = commands.watch(helper.kubeconfig, "-A", prometheus=helper.prometheus)
            with Terminal(argv, cwd=str(repo)) as term:
                if canaries == 1:
                    term.wait_for(screens.rollout_panel("canary status"), 60)
                    term.send("o")
                term.wait_for(lambda text: len(screens.overview_rows(text)) >= min(canaries, 30), 60)
                # Quiet means after start-up: the other lists (Deployments, routers, Events) start once the canaries
                # are drawn, and Prometheus answers after them.
                term.wait_for(_overview_cell(first, 5, lambda cell: cell.endswith("%")), 60)
                time.sleep(settle_s)
                idle = cpu_percent(term, cpu_s / 2)
                if rate > 0:
                    helper.send(f"rate {rate:g}")
                time.sleep(2.0)  # past the writer's start
                busy = cpu_percent(term, cpu_s)
                rss = term.rss_bytes()
                # In triage order the rows the writer fails come first and push the probe's row off the screen;
                # sorted by name (`]` twice: namespace, then name) it is the first row, and stays there; Home
                # moves the cursor (and the view) to it from whichever failed row it was following.
                term.send("]")
                term.send("]")
                term.send("home")
                term.wait_for(_first_row(first), 20)
                overview = timed_changes(term, helper, first, "overview", samples, rng)
                term.wait_for(_overview_cell(first, 0, lambda cell: True), 10)
                # The cursor follows rows that newly fail (the writer fails others) until a key moves it: the filter
                # leaves the probe's row alone under it, and Enter in the box hands the keys back to the table.
                term.send("/")
                term.send(first.name)
                term.wait_for(lambda text: len(screens.overview_rows(text)) == 1, 20)
                term.send("enter")
                term.send("enter")
                term.wait_for(screens.rollout_panel("canary status"), 20)
                rollout = timed_changes(term, helper, first, "rollout", samples, rng)
                return {
                    "idle_cpu_pct": idle,
                    "cpu_pct": busy,
                    "rss_mb": rss / 1e6,
                    **{f"overview_{k}_ms": [round(v * 1000, 1) for v in vs] for k, vs in overview.items()},
                    **{f"rollout_{k}_ms": [round(v * 1000, 1) for v in vs] for k, vs in rollout.items()},
                    "writer_late": helper.stats()["late"],
                }
        finally:
            helper.close()


def summary(runs: list[dict], key: str) -> tuple[float, float]:
    """(median of the runs' p50s, median of the runs' p95s) in ms."""
    return (
        Spread.of([percentile(r[key], 50) for r in runs]).median,
        Spread.of([percentile(r[key], 95) for r in runs]).median,
    )


def run(quick: bool = False, runs: int | None = None, repo: Path = commands.REPO) -> Result:
    runs = runs or (1 if quick else 3)
    samples, cpu_s, settle_s = (4, 1.0, 0.5) if quick else (30, 20.0, 3.0)
    sizes = ((1, 0.0), (20, 10.0)) if quick else ((1, 0.0), (1000, 50.0))
    by_size = {
        n: [one_run(repo, n, rate, samples, cpu_s, seed, settle_s) for seed in range(1, runs + 1)] for n, rate in sizes
    }
    details, passed = [], True
    for (canaries, rate), results in zip(sizes, by_size.values(), strict=True):
        budget = 50 if canaries == 1 else 150
        cells = []
        for key in [k for k in results[0] if k.endswith("_ms")]:
            p50, p95 = summary(results, key)
            passed = passed and p95 < budget
            cells.append(f"{key.removesuffix('_ms').replace('_', ' ')} {p50:.0f}/{p95:.0f}")
        cpu, idle = Spread.of([r["cpu_pct"] for r in results]), Spread.of([r["idle_cpu_pct"] for r in results])
        rss = Spread.of([r["rss_mb"] for r in results])
        details.append(
            f"{canaries} canaries, {rate:g} changes/s: p50/p95 ms {'; '.join(cells)}; CPU {cpu.text('{:.1f}', ' %')} "
            f"(quiet {idle.text('{:.1f}', ' %')}); RSS {rss.text('{:.0f}', ' MB')}"
        )
    return Result(
        name=NAME,
        title=TITLE,
        measured=details[-1].split(":", 1)[0],
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=details,
        values={str(n): r for n, r in by_size.items()},
    )


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, default=commands.REPO)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.quick, args.runs, args.repo)
    print("\n".join(result.details))
    if args.json:
        args.json.write_text(json.dumps(result.values))
