"""Event-to-screen latency: the API stand-in changes a Canary's weight or phase; how long until the terminal shows it.

canaryscope watches one canary on the stand-in (in this process) over HTTP, as it would a cluster. The clock
starts just before the change is written to the stand-in's store and stops when the pty delivers the output
that puts the new value on screen. Changes come 0.2 to 0.6 s apart at random, so they do not line up with the
once-a-second clock tick.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import commands, screens
from bench.cluster import CanaryRef, standin
from bench.result import Result
from bench.stats import Spread, percentile
from bench.terminal import Terminal
from tests.standin.store import rfc3339

NAME = "latency"
TITLE = "event-to-screen latency"
BUDGET = "p95 < 150 ms"
CANARY = CanaryRef("test", "examiner")


def one_run(samples: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp, standin([CANARY], Path(tmp), routers=False) as (api, kubeconfig):
        api.patch_status(
            "canaries.flagger.app", CANARY.name, CANARY.namespace, {"phase": "Progressing", "canaryWeight": 10}
        )
        argv = commands.watch(kubeconfig, "-n", CANARY.namespace, CANARY.name)
        with Terminal(argv, cwd=str(commands.REPO)) as term:
            term.wait_for(screens.shows_weight(10), 30)
            weight, phase = 10, "Progressing"
            key = f"{CANARY.namespace}/{CANARY.name}"
            latencies: list[float] = []
            for index in range(samples):
                time.sleep(rng.uniform(0.2, 0.6))
                if index % 2:
                    phase = "Promoting" if phase == "Progressing" else "Progressing"
                    status, shown = {"phase": phase}, screens.shows_phase(key, phase)
                else:
                    weight = rng.choice([w for w in range(0, 51, 5) if w != weight])
                    status, shown = {"canaryWeight": weight}, screens.shows_weight(weight)
                status["lastTransitionTime"] = rfc3339(datetime.now(UTC))
                changed_at = time.monotonic()
                api.patch_status("canaries.flagger.app", CANARY.name, CANARY.namespace, status)
                latencies.append(term.wait_for(shown, 10) - changed_at)
            return latencies


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 3)
    samples = 6 if quick else 60
    per_run = [one_run(samples, seed) for seed in range(1, runs + 1)]
    p95s = [percentile(r, 95) * 1000 for r in per_run]
    p50s = [percentile(r, 50) * 1000 for r in per_run]
    spread = Spread.of(p95s)
    everything = [v * 1000 for r in per_run for v in r]
    return Result(
        name=NAME,
        title=TITLE,
        measured=f"p95 {spread.text('{:.0f}', ' ms')}",
        budget=BUDGET,
        passed=spread.median < 150,
        command=commands.reproduce(NAME),
        details=[
            f"{samples} changes per run (weight and phase alternately), canaryscope watch -n test examiner "
            "--prometheus none --logger none --read-only",
            f"p50 per run: {', '.join(f'{v:.0f}' for v in p50s)} ms; max over all runs {max(everything):.0f} ms",
        ],
        values={"p95_ms": p95s, "p50_ms": p50s, "max_ms": max(everything)},
    )
