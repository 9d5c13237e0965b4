"""Scale: 1,000 canaries in 100 namespaces, 50 changes a second, canaryscope -A with the overview open.

The stand-ins (API server and Prometheus) run in a helper process (bench/standin_process.py). Half the changes
are Canary status writes (phase, weight, iterations), half core Events about Canaries. canaryscope's CPU
(user + system over the window) and RSS are read through psutil. Key press to frame: `]` moves the overview's
sort to the next column; the clock stops when the pty shows "sorted by <that column>" (the title and the
re-sorted rows come in the same frame).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import commands, screens
from bench.result import Result
from bench.stats import Spread, percentile
from bench.terminal import Terminal
from tui.screens.overview import COLUMNS

NAME = "scale"
TITLE = "scale"
BUDGET = "CPU < 25 % of one core over 60 s, RSS < 250 MB, key press to frame p95 < 100 ms"
MB = 1_000_000


class Helper:
    def __init__(self, canaries: int, namespaces: int, tmp: Path, *extra: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.standin_process",
                "--canaries",
                str(canaries),
                "--namespaces",
                str(namespaces),
                "--kubeconfig",
                str(tmp / "kubeconfig"),
                *extra,
            ],
            cwd=str(commands.REPO),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if not ready:
            raise RuntimeError(f"the stand-in helper ended with exit code {self.process.wait()}")
        info = json.loads(ready)
        self.kubeconfig, self.prometheus = Path(info["kubeconfig"]), info["prometheus"]

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def probe(self, phase: str, weight: int) -> float:
        """Write the probe canary's status (needs --probe); the monotonic time just before the write."""
        self.send(f"probe {phase} {weight}")
        assert self.process.stdout is not None
        return float(json.loads(self.process.stdout.readline())["at"])

    def stats(self) -> dict[str, int]:
        self.send("stats")
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())

    def change(self, kind: str, value: object) -> float:
        """A targeted write (bench/standin_process.py); the monotonic time just before it was made."""
        self.send(f"change {kind} {value}")
        assert self.process.stdout is not None
        return float(json.loads(self.process.stdout.readline())["at"])

    def close(self) -> None:
        try:
            self.send("quit")
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def press_keys(term: Terminal, presses: int) -> list[tuple[str, float]]:
    """Key press to frame: `]` (the rows re-sorted on the next column), `?` (help opens), `?` (help closes).
    A sort whose rows happen to be in that order already is not timed (nothing would change)."""
    timed: list[tuple[str, float]] = []
    # `]` steps from the triage order (None, where the overview starts) through each column in turn, and round.
    order: list[int | None] = [None, *range(len(COLUMNS))]
    place = 0
    while len(timed) < presses:
        time.sleep(0.4)
        kind = ("sort", "help", "close")[len(timed) % 3]
        if kind == "sort":
            place = (place + 1) % len(order)
            column = order[place]
            text = term.screen_text()
            if column is None:
                term.send("]")  # back to the triage order: no column to read it by, so not timed
                time.sleep(0.6)
                continue
            shown = screens.overview_sorted_on(column)
            if column + 1 >= len(screens.overview_rows(text)[0]) or shown(text):
                term.send("]")  # out of view, or in that order already: nothing to see, so not timed
                time.sleep(0.6)
                continue
            pressed = term.send("]")
            at = term.wait_for(shown, 10)
        elif kind == "help":
            pressed = term.send("?")
            at = term.wait_for(screens.help_open, 10)
        else:
            pressed = term.send("?")
            at = term.wait_for(screens.overview_open, 10)
        timed.append((kind, at - pressed))
    return timed


def escape_keys(term: Terminal, presses: int) -> list[float]:
    """Escape closing help: Textual waits ESCDELAY (100 ms) to tell a lone Escape from an escape sequence."""
    timed = []
    for _ in range(presses):
        time.sleep(0.4)
        term.send("?")
        term.wait_for(screens.help_open, 10)
        time.sleep(0.2)
        pressed = term.send("escape")
        timed.append(term.wait_for(screens.overview_open, 10) - pressed)
    return timed


def minimal_keys(presses: int) -> dict[str, float]:
    """The same measurement on the minimal Textual app: `t` and Escape toggle its text."""
    with Terminal(commands.minimal_app(), cwd=str(commands.REPO)) as term:
        term.wait_for(screens.minimal_complete, 30)
        out: dict[str, list[float]] = {"t": [], "escape": []}
        for _ in range(presses):
            for key in out:
                time.sleep(0.3)
                before = screens.minimal_shown(term.screen_text())
                pressed = term.send(key)
                out[key].append(term.wait_for(lambda text, b=before: screens.minimal_shown(text) != b, 10) - pressed)
        return {f"minimal_{key}_p50_ms": percentile(v, 50) * 1000 for key, v in out.items()}


def one_run(
    canaries: int, namespaces: int, rate: float, seconds: float, presses: int, settle: float, providers: str = "linkerd"
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        helper = Helper(canaries, namespaces, Path(tmp), "--providers", providers)
        try:
            argv = commands.watch(helper.kubeconfig, "-A", prometheus=helper.prometheus)
            with Terminal(argv, cwd=str(commands.REPO)) as term:
                started = term.started
                loaded_at = term.wait_for(lambda text: len(screens.overview_rows(text)) >= min(canaries, 30), 60)
                helper.send(f"rate {rate:g}")
                time.sleep(settle)  # past the first Prometheus answers and the writer's start
                before = helper.stats()
                cpu0, t0 = term.cpu_seconds(), time.monotonic()
                rss_peak = term.rss_bytes()
                while time.monotonic() - t0 < seconds:
                    time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - t0))))
                    rss_peak = max(rss_peak, term.rss_bytes())
                cpu = 100 * (term.cpu_seconds() - cpu0) / (time.monotonic() - t0)
                after = helper.stats()
                keys = press_keys(term, presses)
                escapes = escape_keys(term, max(2, presses // 4))
                minimal = minimal_keys(max(2, presses // 4))
                rss_peak = max(rss_peak, term.rss_bytes())
                return {
                    "cpu_pct": cpu,
                    "rss_mb": rss_peak / MB,
                    "key_p95_ms": percentile([v for _, v in keys], 95) * 1000,
                    "key_p50_ms": percentile([v for _, v in keys], 50) * 1000,
                    **{
                        f"{kind}_p50_ms": percentile([v for k, v in keys if k == kind], 50) * 1000
                        for kind in {k for k, _ in keys}
                    },
                    "escape_p50_ms": percentile(escapes, 50) * 1000,
                    "keys_ms": [(kind, round(v * 1000)) for kind, v in keys],
                    **minimal,
                    "load_s": loaded_at - started,
                    "changes_per_s": (after["written"] - before["written"]) / seconds,
                    "writer_late": after["late"],
                    "prometheus_queries": after["prometheus_queries"],
                }
        finally:
            helper.close()


def run(quick: bool = False, runs: int | None = None) -> Result:
    return measure(NAME, TITLE, "linkerd", quick, runs)


def measure(name: str, title: str, providers: str, quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 3)
    if quick:
        canaries, namespaces, rate, seconds, presses, settle = 20, 4, 10.0, 1.5, 3, 0.5
    else:
        canaries, namespaces, rate, seconds, presses, settle = 1000, 100, 50.0, 60.0, 21, 3.0
    results = [one_run(canaries, namespaces, rate, seconds, presses, settle, providers) for _ in range(runs)]

    def spread(key: str) -> Spread:
        return Spread.of([r[key] for r in results])

    cpu, rss, keys = spread("cpu_pct"), spread("rss_mb"), spread("key_p95_ms")
    passed = cpu.median < 25 and rss.median < 250 and keys.median < 100
    routers = (
        "Deployments and TrafficSplits"
        if providers == "linkerd"
        else "providers linkerd, istio, gatewayapi:v1 and kubernetes in turn, each with the router Flagger writes"
    )
    return Result(
        name=name,
        title=title,
        measured=(
            f"CPU {cpu.text('{:.1f}', ' %')}; RSS {rss.text('{:.0f}', ' MB')}; key p95 {keys.text('{:.0f}', ' ms')}"
        ),
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(name),
        details=[
            f"{canaries} canaries in {namespaces} namespaces ({routers}), {rate:g} changes/s "
            f"(measured {spread('changes_per_s').median:.1f}/s), {seconds:g} s window, then {presses} key presses "
            "(`]` sort, `?` help opens, `?` help closes, in turn)",
            "canaryscope watch -A --read-only --logger none with a Prometheus stand-in answering for every "
            "deployment (refresh 5 s)",
            f"first full overview after {spread('load_s').text('{:.2f}', ' s')}; key p50 "
            f"{spread('key_p50_ms').median:.0f} ms (sort {spread('sort_p50_ms').median:.0f}, help "
            f"{spread('help_p50_ms').median:.0f}, close {spread('close_p50_ms').median:.0f})",
            f"Escape (not in the p95): closing help with Escape takes {spread('escape_p50_ms').median:.0f} ms (p50): "
            "Textual holds a lone Escape for ESCDELAY (100 ms) in case an escape sequence follows. The minimal "
            f"Textual app alongside: `t` {spread('minimal_t_p50_ms').median:.0f} ms, Escape "
            f"{spread('minimal_escape_p50_ms').median:.0f} ms",
        ],
        values={"runs": results},
    )
