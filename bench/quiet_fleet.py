"""Quiet fleet: canaryscope -A over 1,000 canaries in 100 namespaces while nothing changes but the metrics.

The stand-ins of `scale` (bench/standin_process.py), with no status writes: the Prometheus stand-in answers every
query with fresh values, as a scraping Prometheus would. The window is one whole-fleet refresh period
(tui/cluster/prometheus.py COLD_REFRESH_S) and a little more, so it holds exactly the one refresh that asks for every
canary besides the refreshes of the rows on screen. CPU (user + system) and RSS through psutil.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench import commands, screens
from bench.result import Result
from bench.scale import MB, Helper
from bench.stats import Spread
from bench.terminal import Terminal
from tui.cluster.prometheus import COLD_REFRESH_S

NAME = "quiet-fleet"
TITLE = "quiet fleet idle CPU"
BUDGET = "< 1 % of one core (issue 15, goal 4)"


def one_run(canaries: int, namespaces: int, seconds: float, settle: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        helper = Helper(canaries, namespaces, Path(tmp))
        try:
            argv = commands.watch(helper.kubeconfig, "-A", prometheus=helper.prometheus)
            with Terminal(argv, cwd=str(commands.REPO)) as term:
                term.wait_for(lambda text: len(screens.overview_rows(text)) >= min(canaries, 30), 60)
                time.sleep(settle)  # past the first refresh of every canary
                queries = helper.stats()["prometheus_queries"]
                cpu0, t0 = term.cpu_seconds(), time.monotonic()
                time.sleep(seconds)
                wall = time.monotonic() - t0
                return {
                    "cpu_pct": 100 * (term.cpu_seconds() - cpu0) / wall,
                    "rss_mb": term.rss_bytes() / MB,
                    "queries_per_min": (helper.stats()["prometheus_queries"] - queries) * 60 / wall,
                }
        finally:
            helper.close()


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or 1
    if quick:
        canaries, namespaces, seconds, settle = 20, 4, 1.5, 0.5
    else:
        canaries, namespaces, seconds, settle = 1000, 100, COLD_REFRESH_S + 10, 10.0
    results = [one_run(canaries, namespaces, seconds, settle) for _ in range(runs)]
    cpu, rss = Spread.of([r["cpu_pct"] for r in results]), Spread.of([r["rss_mb"] for r in results])
    return Result(
        name=NAME,
        title=TITLE,
        measured=f"{cpu.text('{:.2f}', ' %')}; RSS {rss.text('{:.0f}', ' MB')}",
        budget=BUDGET,
        passed=cpu.median < 1.0,
        command=commands.reproduce(NAME),
        details=[
            f"{canaries} canaries in {namespaces} namespaces, no status change, {seconds:g} s window after "
            f"{settle:g} s of settling; canaryscope watch -A --read-only --logger none, Prometheus stand-in with fresh "
            "values each answer (refresh 5 s)",
            f"Prometheus queries: {Spread.of([r['queries_per_min'] for r in results]).median:.0f} a minute (the rows "
            "on screen every refresh, every canary once in the window)",
        ],
        values={"runs": results},
    )
