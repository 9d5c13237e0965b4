"""Time to the first screen listing canaries: `canaryscope watch -A` against the API stand-in, 1 and 1,000 canaries.

The stand-ins run in a helper process (bench/standin_process.py, with Deployments, TrafficSplits and a Prometheus
stand-in), so their CPU is not the measured process's. The clock runs from the process start (as for
first-frame) until the overview on the 120x40 pty lists the canaries: the table's rows fill the screen (or all
canaries are shown) and the title counts every one of them. The two sizes are interleaved so both see the same load.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import commands, screens
from bench.cluster import names
from bench.result import Result
from bench.scale import Helper
from bench.stats import Spread
from bench.terminal import Terminal

NAME = "first-screen"
TITLE = "first screen listing canaries (cluster)"
BUDGET = "< 0.6 s with 1 canary, < 1.0 s with 1,000"
BUDGETS_S = {1: 0.6, 1000: 1.0}
# Rows of the overview a 120x40 terminal shows at least: the screen is "full" with this many.
VISIBLE_ROWS = 25


def listed(canaries: int) -> Callable[[str], bool]:
    """The overview's rows fill the screen (or show every canary); a lone canary opens on its own screen instead:
    listed when its status shows its phase. (The title's count is not waited for: while sources are still
    connecting, the top bar cuts it short with an ellipsis.)"""
    rows = min(canaries, VISIBLE_ROWS)
    alone = screens.shows_phase(f"{names(1, 1)[0].namespace}/{names(1, 1)[0].name}", "Succeeded")

    def shown(text: str) -> bool:
        if canaries == 1 and alone(text):
            return True
        return len(screens.overview_rows(text)) >= rows

    return shown


def time_to_listed(helper: Helper, canaries: int, timeout: float = 60.0) -> float:
    argv = commands.watch(helper.kubeconfig, "-A", prometheus=helper.prometheus)
    with Terminal(argv, cwd=str(commands.REPO)) as term:
        return term.wait_for(listed(canaries), timeout) - term.started


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 7)
    sizes = (1, 20) if quick else (1, 1000)
    times: dict[int, list[float]] = {size: [] for size in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        helpers = {}
        try:
            for size in sizes:
                where = Path(tmp) / str(size)
                where.mkdir()
                helpers[size] = Helper(size, max(1, size // 10), where)
            if not quick:
                for size in sizes:  # warm the OS file cache
                    time_to_listed(helpers[size], size)
            for _ in range(runs):
                for size in sizes:
                    times[size].append(time_to_listed(helpers[size], size))
        finally:
            for helper in helpers.values():
                helper.close()
    spreads = {size: Spread.of(values) for size, values in times.items()}
    passed = all(spreads[size].median < BUDGETS_S.get(size, 1.0) for size in sizes)
    measured = "; ".join(
        f"{size} canar{'y' if size == 1 else 'ies'} {spreads[size].text('{:.3f}', ' s')}" for size in sizes
    )
    return Result(
        name=NAME,
        title=TITLE,
        measured=measured,
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"{' '.join(commands.watch(Path('KUBECONFIG'), '-A', prometheus='URL')[1:])} on a 120x40 pty; each size "
            "in its own stand-in process (Canaries with their Deployments and TrafficSplits, a Prometheus stand-in)",
            "listed = the overview's rows fill the screen (or show every canary); a lone canary opens on its own "
            "screen: listed when its status shows its phase",
            *(f"{size}: {', '.join(f'{v:.3f}' for v in values)} s" for size, values in times.items()),
        ],
        values={f"canaries_{size}_s": values for size, values in times.items()},
    )
