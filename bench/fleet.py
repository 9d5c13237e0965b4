"""Fleet: 5 contexts x 200 canaries, 50 changes a second in all, `canaryscope watch --all-contexts -A`; then one
context's outage.

Each context is its own API stand-in in its own helper process (bench/standin_process.py) with its own counting
Prometheus stand-in, reached through that API server's service proxy (`--prometheus svc/monitoring/prometheus:9090`,
as Flagger's -metrics-server is found in a cluster). One kubeconfig names the five contexts. The writers change
10 canaries a second in each context (half status writes, half Events); the first context's first canary is the
probe, which only the timed writes touch.

With every context up: CPU (user + system) over the window, peak RSS, Prometheus requests per refresh per context,
key press to frame (`]`, `?`, `?` as the scale figure), then change to screen for the probe's phase on the overview
(sorted by name, so that the probe's row stays in view while the writers fail other canaries). Then the last
context's stand-in refuses connections, its mark on the top line turns from ●, and the same figures are taken
again with it down; CPU and RSS once more when it is back (so that the outage's cost is told from the time into
the run). The first screen is the time from the process start until every context's summary line counts its 200
canaries and the rows fill the screen.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench import commands, screens
from bench.cluster import CanaryRef, names
from bench.result import Result
from bench.scale import Helper, press_keys
from bench.stats import Spread, percentile
from bench.terminal import Terminal
from tests.standin.kubeconfig import write_kubeconfig

NAME = "fleet"
TITLE = "fleet: 5 contexts x 200 canaries"
BUDGET = (
    "CPU < 25 % of one core over 60 s, RSS < 300 MB, key p95 < 100 ms, change to screen p95 < 150 ms, first screen "
    "< 1.0 s, ≤ 4 Prometheus requests per refresh per context; the same with one context down"
)
PROMETHEUS_SERVICE = "monitoring/prometheus:9090"
REFRESH_S = 5.0  # canaryscope's default Prometheus refresh
MB = 1_000_000
BUDGETS = {"cpu_pct": 25.0, "rss_mb": 300.0, "key_p95_ms": 100.0, "probe_p95_ms": 150.0}
FIRST_SCREEN_S = 1.0
PROMETHEUS_PER_REFRESH = 4.0
# Rows of the overview a 120x40 terminal shows at least with five summary lines above the table.
VISIBLE_ROWS = 20
NAME_COLUMN = 1
PHASE_COLUMN = 2


@dataclass(frozen=True)
class Size:
    contexts: int
    canaries: int  # per context
    namespaces: int  # per context
    rate: float  # changes a second over all contexts
    seconds: float  # each CPU window
    presses: int
    probes: int
    settle: float


FULL = Size(5, 200, 20, 50.0, 60.0, 21, 20, 3.0)
QUICK = Size(3, 10, 2, 6.0, 1.5, 3, 3, 0.5)


@dataclass
class Fleet:
    """The helpers, one per context, and the kubeconfig naming them all."""

    helpers: dict[str, Helper]
    kubeconfig: Path
    probe: CanaryRef  # the first context's first canary

    @classmethod
    def start(cls, size: Size, tmp: Path) -> Fleet:
        helpers: dict[str, Helper] = {}
        try:
            for index in range(size.contexts):
                where = tmp / f"ctx-{index + 1}"
                where.mkdir()
                extra = ["--prometheus-service", PROMETHEUS_SERVICE, "--seed", str(index + 1)]
                helpers[where.name] = Helper(
                    size.canaries, size.namespaces, where, *extra, *(["--probe"] * (index == 0))
                )
        except BaseException:
            for helper in helpers.values():
                helper.close()
            raise
        servers = {context: _server(helper.kubeconfig) for context, helper in helpers.items()}
        first, *rest = servers
        probe = names(size.canaries, size.namespaces)[0]
        kubeconfig = write_kubeconfig(
            tmp / "kubeconfig",
            servers[first],
            namespace=probe.namespace,
            context=first,
            extra_contexts={c: servers[c] for c in rest},
        )
        return cls(helpers, kubeconfig, probe)

    def send(self, line: str) -> None:
        for helper in self.helpers.values():
            helper.send(line)

    def prometheus_queries(self) -> dict[str, int]:
        return {context: helper.stats()["prometheus_queries"] for context, helper in self.helpers.items()}

    def written(self) -> int:
        return sum(helper.stats()["written"] for helper in self.helpers.values())

    def switch(self, context: str, command: str) -> float:
        """`down` or `up` for one context; the monotonic time just before."""
        helper = self.helpers[context]
        helper.send(command)
        assert helper.process.stdout is not None
        line = helper.process.stdout.readline()
        return float(json.loads(line)["at"])

    def close(self) -> None:
        for helper in self.helpers.values():
            helper.close()


def _server(kubeconfig: Path) -> str:
    return str(yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"])


SUMMARY = re.compile(r"^(?P<context>[\w.-]+): (?P<counts>(?:\d+ [a-z]+(?: · )?)+) *$", re.MULTILINE)


def summary_counts(text: str) -> dict[str, int]:
    """Each context's summary line above the table (`ctx-1: 3 failed · 197 ok`) -> the canaries it counts."""
    return {
        m["context"]: sum(int(part.split()[0]) for part in m["counts"].split(" · ")) for m in SUMMARY.finditer(text)
    }


def all_listed(contexts: list[str], canaries: int) -> Callable[[str], bool]:
    """Every context's summary line counts all its canaries and the rows fill the screen (or show them all)."""
    rows = min(len(contexts) * canaries, VISIBLE_ROWS)

    def listed(text: str) -> bool:
        counted = summary_counts(text)
        return all(counted.get(c) == canaries for c in contexts) and len(screens.overview_rows(text)) >= rows

    return listed


def context_mark(context: str, up: bool) -> Callable[[str], bool]:
    """The top line's health mark for `context`: ● while every source is connected, another mark when not."""
    pattern = re.compile(rf"\b{re.escape(context)} (\S)")

    def shown(text: str) -> bool:
        top = text.splitlines()[0] if text else ""
        match = pattern.search(top)
        return match is not None and (match[1] == "●") == up

    return shown


class SortSteps:
    """The terminal, counting the `]` presses sent to it, so that the sort's place is known: the overview starts in
    triage order and each `]` steps to the next column (triage, then each of the overview's columns, and round)."""

    ORDER: tuple[int | None, ...] = (None, *range(len(screens.OVERVIEW_COLUMNS)))

    def __init__(self, term: Terminal) -> None:
        self.term = term
        self.steps = 0

    def send(self, keys: str) -> float:
        if keys == "]":
            self.steps += 1
        return self.term.send(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.term, name)

    def sort_on(self, column: int | None) -> None:
        """Step on to `column` (None: triage), and wait until the rows are in a column's order."""
        wanted = self.ORDER.index(column)
        while self.steps % len(self.ORDER) != wanted:
            self.send("]")
            time.sleep(0.2)
        if column is not None:
            self.term.wait_for(screens.overview_sorted_on(column), 10)


def probe_shown(context: str, namespace: str, name: str, phase: str) -> Callable[[str], bool]:
    """The probe's row (the first context's canary, on the top rows sorted by name) shows `phase`. Every context has
    a canary of that name, changed by its own writer: the row is the probe's only with its context's cell."""
    row = re.compile(rf"(^|\s){re.escape(context)}\s+{re.escape(namespace)}\s+{re.escape(name)}\s+\S+ {phase}\b")

    def shown(text: str) -> bool:
        return any(row.search(line) for line in text.splitlines())

    return shown


def probe_latencies(term: Terminal, fleet: Fleet, samples: int, rng: random.Random) -> list[float]:
    context, probe = next(iter(fleet.helpers.items()))
    ref = fleet.probe
    latencies: list[float] = []
    for _ in range(samples):
        # The other phase than the one shown (the first write moves it off Succeeded).
        phase = (
            "Promoting"
            if probe_shown(context, ref.namespace, ref.name, "Progressing")(term.screen_text())
            else "Progressing"
        )
        time.sleep(rng.uniform(0.2, 0.6))  # not in step with the clock tick or the writers
        written: list[float] = []
        # The write runs beside the wait, so the waiter is in place before the change can reach the screen.
        writer = threading.Thread(target=lambda p=phase, out=written: out.append(probe.probe(p, 10)))
        writer.start()
        shown_at = term.wait_for(probe_shown(context, ref.namespace, ref.name, phase), 20)
        writer.join()
        latencies.append(shown_at - written[0])
    return latencies


def window(term: Terminal, fleet: Fleet, seconds: float) -> dict[str, Any]:
    """CPU, peak RSS, changes written and Prometheus requests per refresh per context over `seconds`."""
    queries0, written0 = fleet.prometheus_queries(), fleet.written()
    cpu0, t0 = term.cpu_seconds(), time.monotonic()
    rss_peak = term.rss_bytes()
    while time.monotonic() - t0 < seconds:
        time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - t0))))
        rss_peak = max(rss_peak, term.rss_bytes())
    elapsed = time.monotonic() - t0
    cpu = 100 * (term.cpu_seconds() - cpu0) / elapsed
    queries1, written1 = fleet.prometheus_queries(), fleet.written()
    refreshes = elapsed / REFRESH_S
    return {
        "cpu_pct": cpu,
        "rss_mb": rss_peak / MB,
        "changes_per_s": (written1 - written0) / elapsed,
        "prometheus_per_refresh": {c: (queries1[c] - queries0[c]) / refreshes for c in queries1},
    }


def phase_figures(term: SortSteps, fleet: Fleet, size: Size, rng: random.Random) -> dict[str, Any]:
    """One window's figures: CPU and RSS in the overview's triage order, keys, then the probe sorted by name."""
    term.sort_on(None)
    figures = window(term.term, fleet, size.seconds)
    keys = press_keys(term, size.presses)  # type: ignore[arg-type]  # it only sends keys and reads the screen
    figures["key_p95_ms"] = percentile([v for _, v in keys], 95) * 1000
    figures["key_p50_ms"] = percentile([v for _, v in keys], 50) * 1000
    figures["keys_ms"] = [(kind, round(v * 1000)) for kind, v in keys]
    term.sort_on(NAME_COLUMN)
    # The cursor may sit on a row that failed meanwhile (the first screen follows those): Home shows the top rows.
    term.send("home")
    probe = probe_latencies(term.term, fleet, size.probes, rng)
    figures["probe_ms"] = [round(v * 1000, 1) for v in probe]
    figures["probe_p50_ms"] = percentile(probe, 50) * 1000
    figures["probe_p95_ms"] = percentile(probe, 95) * 1000
    return figures


def one_run(size: Size, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        fleet = Fleet.start(size, Path(tmp))
        contexts = list(fleet.helpers)
        down = contexts[-1]
        try:
            argv = commands.watch(fleet.kubeconfig, "--all-contexts", "-A", prometheus=f"svc/{PROMETHEUS_SERVICE}")
            with Terminal(argv, cwd=str(commands.REPO)) as term:
                listed_at = term.wait_for(all_listed(contexts, size.canaries), 60)
                first_screen = listed_at - term.started
                # Past the first Prometheus answers: the probe's row has its success rates.
                term.wait_for(lambda text: any(r[5].endswith("%") for r in screens.overview_rows(text)), 60)
                fleet.send(f"rate {size.rate / size.contexts:g}")
                time.sleep(size.settle)
                steps = SortSteps(term)
                up = phase_figures(steps, fleet, size, rng)
                went_down = fleet.switch(down, "down")
                shown_down = term.wait_for(context_mark(down, up=False), 60) - went_down
                time.sleep(size.settle)
                outage = phase_figures(steps, fleet, size, rng)
                came_up = fleet.switch(down, "up")
                shown_up = term.wait_for(context_mark(down, up=True), 120) - came_up
                # All up again, in the same sort as the first window: what the run's later windows cost without an
                # outage, to tell the outage's cost from the time into the run.
                steps.sort_on(None)
                time.sleep(size.settle)
                after = window(term, fleet, size.seconds)
                return {
                    "first_screen_s": first_screen,
                    "up": up,
                    "outage": outage,
                    "outage_shown_s": shown_down,
                    "recovered_s": shown_up,
                    "after": after,
                }
        finally:
            fleet.close()


def _spread(runs: list[dict[str, Any]], phase: str, key: str) -> Spread:
    return Spread.of([r[phase][key] for r in runs])


def _per_refresh(runs: list[dict[str, Any]], phase: str, skip: str | None = None) -> Spread:
    """The most requests per refresh any (up) context made, over the runs."""
    return Spread.of([max(v for c, v in r[phase]["prometheus_per_refresh"].items() if c != skip) for r in runs])


def run(quick: bool = False, runs: int | None = None) -> Result:
    size = QUICK if quick else FULL
    runs = runs or (1 if quick else 3)
    results = [one_run(size, seed) for seed in range(1, runs + 1)]
    down = f"ctx-{size.contexts}"
    first = Spread.of([r["first_screen_s"] for r in results])
    passed = first.median < FIRST_SCREEN_S
    lines = []
    for phase in ("up", "outage"):
        cells = {key: _spread(results, phase, key) for key in BUDGETS}
        per_refresh = _per_refresh(results, phase, skip=down if phase == "outage" else None)
        passed = passed and all(cells[k].median < budget for k, budget in BUDGETS.items())
        passed = passed and per_refresh.median <= PROMETHEUS_PER_REFRESH
        lines.append(
            f"CPU {cells['cpu_pct'].text('{:.1f}', ' %')}; RSS {cells['rss_mb'].text('{:.0f}', ' MB')}; key p95 "
            f"{cells['key_p95_ms'].text('{:.0f}', ' ms')}; change to screen p95 "
            f"{cells['probe_p95_ms'].text('{:.0f}', ' ms')}; Prometheus ≤ {per_refresh.text('{:.1f}')} per refresh "
            "per context"
        )
    shown = Spread.of([r["outage_shown_s"] for r in results])
    recovered = Spread.of([r["recovered_s"] for r in results])
    outage_queries = Spread.of([r["outage"]["prometheus_per_refresh"][down] for r in results])
    return Result(
        name=NAME,
        title=TITLE,
        measured=f"all up: {lines[0].split('; change')[0]}; one down: {lines[1].split('; change')[0]}; first screen "
        f"{first.text('{:.2f}', ' s')}",
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"{size.contexts} contexts (an API stand-in each, in its own process, with its own Prometheus stand-in "
            f"behind the service proxy) x {size.canaries} canaries in {size.namespaces} namespaces, {size.rate:g} "
            f"changes/s in all (measured {_spread(results, 'up', 'changes_per_s').median:.1f}/s); "
            f"canaryscope watch --all-contexts -A --prometheus svc/{PROMETHEUS_SERVICE} --read-only --logger none "
            f"on a 120x40 pty; {size.seconds:g} s windows, {size.presses} key presses (`]`, `?`, `?` in turn), "
            f"{size.probes} probe phase writes",
            f"first screen (every context's summary counts its {size.canaries} canaries, rows fill the screen): "
            f"{first.text('{:.2f}', ' s')}",
            f"all up: {lines[0]}; change to screen p50 {_spread(results, 'up', 'probe_p50_ms').median:.0f} ms, key "
            f"p50 {_spread(results, 'up', 'key_p50_ms').median:.0f} ms",
            f"{down} down (connections refused): {lines[1]}; change to screen p50 "
            f"{_spread(results, 'outage', 'probe_p50_ms').median:.0f} ms, key p50 "
            f"{_spread(results, 'outage', 'key_p50_ms').median:.0f} ms; {down}'s own Prometheus "
            f"{outage_queries.text('{:.1f}')} per refresh",
            f"{down}'s mark on the top line left ● {shown.text('{:.1f}', ' s')} after it went down, and came back "
            f"{recovered.text('{:.1f}', ' s')} after it listened again; then all up again: CPU "
            f"{_spread(results, 'after', 'cpu_pct').text('{:.1f}', ' %')}, RSS "
            f"{_spread(results, 'after', 'rss_mb').text('{:.0f}', ' MB')}",
        ],
        values={"runs": results},
    )
