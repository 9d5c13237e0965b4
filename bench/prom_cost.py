"""Prometheus cost: PromQL requests per refresh with 1, 10 and 1,000 canaries in scope.

A ClusterSource (the one `canaryscope -A` runs) watches the API stand-in and polls a counting Prometheus
stand-in over HTTP every 0.5 s (0.2 s in the smoke run). The stand-in counts the query requests it answers;
the poller counts its refreshes. Requests per refresh are taken after the source is stopped, so no refresh is
half counted.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench import commands
from bench.cluster import names, standin
from bench.live_prometheus import LivePrometheus
from bench.result import Result
from tests.cluster.harness import StateSink
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource

NAME = "prom-cost"
TITLE = "Prometheus cost"
BUDGET = "constant, ≤ 4 requests per refresh"
SIZES = (1, 10, 1000)


def per_refresh(canaries: int, refreshes: int, refresh_s: float) -> dict[str, float]:
    refs = names(canaries, max(1, canaries // 10))
    deployments = [(r.namespace, d) for r in refs for d in (r.name, f"{r.name}-primary")]
    prom = LivePrometheus(deployments).start()
    try:
        with tempfile.TemporaryDirectory() as tmp, standin(refs, Path(tmp)) as (_api, kubeconfig):
            connection = connect(str(kubeconfig), None)
            source = ClusterSource(
                connection,
                ClusterTarget(str(kubeconfig), connection.context, None, None),
                ClusterOptions(prometheus=prom.url, logger=None, read_timeout_s=10.0, refresh_s=refresh_s),
            )
            sink = StateSink()
            source.start(sink)
            deadline = time.monotonic() + 60
            while len(sink.state.canaries) < canaries or (source.poller is None or source.poller.refreshes == 0):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the source did not list {canaries} canaries and query Prometheus in 60 s")
                source.pump()
                time.sleep(0.05)
            first_requests, first_refreshes = prom.queries, source.poller.refreshes
            while source.poller.refreshes - first_refreshes < refreshes:
                source.pump()
                time.sleep(0.05)
            source.stop()
            source.join(5.0)
            source.pump()
            done = source.poller.refreshes - first_refreshes
            asked = prom.queries - first_requests
            samples = sum(len(series) for series in sink.state.metrics.values())
            return {
                "requests_per_refresh": asked / done,
                "poller_requests_per_refresh": source.poller.requests / source.poller.refreshes,
                "series_per_refresh": prom.answered_series / max(1, prom.queries) * (asked / done),
                "refreshes": done,
                "samples_kept": samples,
            }
    finally:
        prom.stop()


def run(quick: bool = False, runs: int | None = None) -> Result:
    refreshes = runs or (3 if quick else 10)
    sizes, refresh_s = ((1, 10, 50), 0.2) if quick else (SIZES, 0.5)
    rows = {size: per_refresh(size, refreshes, refresh_s) for size in sizes}
    counts = [rows[s]["requests_per_refresh"] for s in sizes]
    constant = max(counts) == min(counts)
    passed = constant and max(counts) <= 4
    return Result(
        name=NAME,
        title=TITLE,
        measured=", ".join(f"{s} → {rows[s]['requests_per_refresh']:g}" for s in sizes)
        + (" (constant)" if constant else " (NOT constant)"),
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"canaries → requests per refresh, counted at the Prometheus stand-in over {refreshes} refreshes each",
            "series answered per refresh: "
            + ", ".join(f"{s} → {rows[s]['series_per_refresh']:.0f}" for s in sizes)
            + " (two deployments per canary, three queries)",
        ],
        values={str(s): rows[s] for s in sizes},
    )
