"""Idle CPU: canaryscope watching one canary on the API stand-in while nothing changes, against the minimal app.

The stand-in holds a finished rollout (Canary, Deployments, TrafficSplit) and a Prometheus stand-in answers
with constant values; only the clock on the top line moves. Both programs run side by side on their own ptys;
their CPU time (user + system) over the window is read from /proc through psutil.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench import commands, screens
from bench.cluster import CanaryRef, standin
from bench.result import Result
from bench.stats import Spread
from bench.terminal import Terminal
from tests.cluster.recorded_prometheus import RecordedPrometheus

NAME = "idle-cpu"
TITLE = "idle CPU"
BUDGET = "< 2 % of one core"
CANARY = CanaryRef("test", "examiner")
SETTLE_S = 3.0


def one_run(seconds: float, settle: float) -> tuple[float, float]:
    prom = RecordedPrometheus().start()
    fixed = {"success_rate": 99.9, "rps": 5.0, "p99_ms": 230.0}
    prom.set_samples(
        time.time(),
        [{"namespace": CANARY.namespace, "deployment": d, **fixed} for d in (CANARY.name, f"{CANARY.name}-primary")],
    )
    try:
        with tempfile.TemporaryDirectory() as tmp, standin([CANARY], Path(tmp)) as (_api, kubeconfig):
            argv = commands.watch(kubeconfig, "-n", CANARY.namespace, CANARY.name, prometheus=prom.url)
            with (
                Terminal(argv, cwd=str(commands.REPO)) as ours,
                Terminal(commands.minimal_app(), cwd=str(commands.REPO)) as theirs,
            ):
                ours.wait_for(lambda text: "99.90% ✔" in text and "Succeeded" in text, 30)
                theirs.wait_for(screens.minimal_complete, 30)
                time.sleep(settle)
                start = time.monotonic()
                cpu_ours, cpu_theirs = ours.cpu_seconds(), theirs.cpu_seconds()
                time.sleep(seconds)
                wall = time.monotonic() - start
                return (
                    100 * (ours.cpu_seconds() - cpu_ours) / wall,
                    100 * (theirs.cpu_seconds() - cpu_theirs) / wall,
                )
    finally:
        prom.stop()


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 3)
    seconds, settle = (1.5, 0.5) if quick else (60.0, SETTLE_S)
    pairs = [one_run(seconds, settle) for _ in range(runs)]
    a, b = Spread.of([p[0] for p in pairs]), Spread.of([p[1] for p in pairs])
    return Result(
        name=NAME,
        title=TITLE,
        measured=f"{a.text('{:.2f}', ' %')}; minimal app {b.median:.2f} %",
        budget=BUDGET,
        passed=a.median < 2.0,
        command=commands.reproduce(NAME),
        details=[
            f"{seconds:g} s after {settle:g} s of settling; canaryscope watch -n test examiner with a Prometheus "
            "stand-in (refresh 5 s), --logger none",
            f"minimal Textual app idle alongside: {b.text('{:.2f}', ' %')}",
        ],
        values={"canaryscope_pct": [p[0] for p in pairs], "minimal_pct": [p[1] for p in pairs], "window_s": seconds},
    )
