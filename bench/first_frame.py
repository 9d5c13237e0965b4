"""Time to first full frame: from process start until every panel shows data, against a minimal Textual app.

Both are started the same way (`python -m ...` on a 120x40 pty) and interleaved, so both see the same load.
A first, untimed start of each warms the OS file cache.
"""

from __future__ import annotations

from bench import commands, screens
from bench.result import Result
from bench.stats import Spread
from bench.terminal import Terminal

NAME = "first-frame"
TITLE = "time to first full frame"
BUDGET = "≤ 1.5 × the minimal app, and < 1 s"


def time_to(argv: list[str], complete, timeout: float = 30.0) -> float:  # type: ignore[no-untyped-def]
    with Terminal(argv, cwd=str(commands.REPO)) as term:
        at = term.wait_for(complete, timeout)
        return at - term.started


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 7)
    demo, minimal = commands.demo(speed=5, seed=1), commands.minimal_app()
    if not quick:
        time_to(demo, screens.rollout_complete)
        time_to(minimal, screens.minimal_complete)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        theirs.append(time_to(minimal, screens.minimal_complete))
        ours.append(time_to(demo, screens.rollout_complete))
    a, b = Spread.of(ours), Spread.of(theirs)
    ratio = a.median / b.median
    passed = ratio <= 1.5 and a.median < 1.0
    return Result(
        name=NAME,
        title=TITLE,
        measured=f"{a.text('{:.3f}', ' s')}; minimal app {b.median:.3f} s; ratio {ratio:.2f}",
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"canaryscope demo: {' '.join(demo[1:])} → {', '.join(f'{v:.3f}' for v in ours)} s",
            f"minimal app (Header, Static, Footer): {' '.join(minimal[1:])} → {b.text('{:.3f}', ' s')}",
            "complete = every panel matched: " + "; ".join(screens.ROLLOUT_PANELS),
        ],
        values={"canaryscope_s": ours, "minimal_s": theirs, "ratio": ratio},
    )
