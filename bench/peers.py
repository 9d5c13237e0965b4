"""canaryscope side by side with the tools an SRE would use instead, over the same API stand-in, on real ptys.

At 1 and 1,000 Canaries (the second with 50 changes a second to the others, half status writes, half Events), each
tool in turn on a 120x40 pty: `canaryscope watch -A`, k9s (`-A -c canaries`), `kubectl get canaries -A -w` and
`watch -n1 kubectl get canaries -A`. The order of the tools rotates from run to run. Measured per tool:

- first screen listing canaries: from Popen to the pty read after which the screen (a pyte VT parser) names
  min(N, 20) different canaries;
- status change -> on screen: the first canary (`app-0000`, which every tool lists first) is kept out of the
  writer's changes; the bench writes its status to a new phase (consecutive phases always differ) and the clock
  runs from just before that write (time.monotonic() in the stand-in's process) to the pty read after which the
  row naming it shows the new phase (for `kubectl -w`, its newest line about it);
- CPU % of a core (user + system over the window, children included: `watch` runs a kubectl every second),
  peak RSS of the process tree (sampled every 0.2 s), bytes written to the terminal per second.

The peers are built from Go modules (bench/peer_builds.py); one that cannot be built is reported with the error.
"""

from __future__ import annotations

import contextlib
import random
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench import commands, peer_builds, screens
from bench.peer_builds import Built
from bench.result import Result
from bench.scale import Helper
from bench.stats import percentile
from bench.terminal import Terminal, Timeout

NAME = "peers"
TITLE = "side by side with k9s and kubectl"
BUDGET = "every tool measured, a peer that cannot be built reported with its error (issue 15, goal 1)"
MB = 1_000_000
PROBE = "app-0000"
# Consecutive probe writes always change the phase, so each one is a new word on the probe's row.
PHASES = ("Progressing", "Promoting", "Finalising", "Succeeded", "Progressing", "Failed", "Waiting")
CANARY_NAME = re.compile(r"\bapp-\d{4}\b")
LISTED = 20
PROBE_TIMEOUT_S = 8.0
FIRST_SCREEN_TIMEOUT_S = 60.0
K9S_CONFIG = "k9s:\n  skipLatestRevCheck: true\n"


@dataclass(frozen=True)
class Tool:
    key: str
    heading: str
    binary: Built | None = None  # None: canaryscope itself
    newest_line: bool = False  # the probe's newest line counts (kubectl -w appends a line per change)

    @property
    def error(self) -> str:
        if self.binary is not None and self.binary.path is None:
            return f"not built: {self.binary.error}"
        return ""

    def argv(self, kubeconfig: Path, prometheus: str) -> list[str]:
        if self.binary is None:
            return commands.watch(kubeconfig, "-A", prometheus=prometheus)
        binary = str(self.binary.path)
        kubectl = [binary, "--kubeconfig", str(kubeconfig), "get", "canaries", "-A"]
        return {
            "k9s": [binary, "--kubeconfig", str(kubeconfig), "-A", "-c", "canaries", "--readonly"],
            "kubectl-w": [*kubectl, "-w"],
            "watch-kubectl": ["watch", "-n1", *kubectl],
        }[self.key]

    def env(self, home: Path) -> dict[str, str]:
        if self.key != "k9s":
            return {}
        config = home / "k9s"
        config.mkdir(parents=True, exist_ok=True)
        (config / "config.yaml").write_text(K9S_CONFIG)  # no release check against GitHub
        return {
            "K9S_CONFIG_DIR": str(config),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"),
        }


def tools(log: Callable[[str], None] = print) -> list[Tool]:
    k9s, kubectl = peer_builds.k9s(log), peer_builds.kubectl(log)
    return [
        Tool("canaryscope", "canaryscope `watch -A`"),
        Tool("k9s", f"k9s {k9s.version} (`-A -c canaries`)", k9s),
        Tool("kubectl-w", f"`kubectl get canaries -A -w` ({kubectl.version})", kubectl, newest_line=True),
        Tool("watch-kubectl", "`watch -n1 kubectl get canaries -A`", kubectl),
    ]


# --- what the screen shows ------------------------------------------------------------------------------------------


def listing(canaries: int) -> Callable[[str], bool]:
    wanted = min(canaries, LISTED)
    return lambda text: len(set(CANARY_NAME.findall(text))) >= wanted


def _probe_row_first(text: str) -> bool:
    rows = screens.overview_rows(text)
    return bool(rows) and rows[0][1] == PROBE


def shows_phase(phase: str, newest_line: bool) -> Callable[[str], bool]:
    """The probe's row shows `phase` (for a tool that appends lines, the newest line naming the probe)."""
    name = re.compile(rf"(?<![\w-]){re.escape(PROBE)}(?![\w-])")
    word = re.compile(rf"(?<![\w-]){re.escape(phase)}(?![\w-])")

    def shown(text: str) -> bool:
        rows = [line for line in text.splitlines() if name.search(line)]
        if newest_line:
            rows = rows[-1:]
        return any(word.search(row) for row in rows)

    return shown


# --- one tool, one size ---------------------------------------------------------------------------------------------


def _tree_cpu_seconds(process: psutil.Process) -> float:
    """User + system of the process, its reaped children and its live descendants."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        t = process.cpu_times()
        total += t.user + t.system + t.children_user + t.children_system
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                c = child.cpu_times()
                total += c.user + c.system
    return total


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    with contextlib.suppress(psutil.Error):
        total += process.memory_info().rss
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
    return total


class PeakRss(threading.Thread):
    def __init__(self, process: psutil.Process, every: float = 0.2) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.process, self.every, self.peak = process, every, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, _tree_rss(self.process))
            self._halt.wait(self.every)

    def stop(self) -> int:
        self._halt.set()
        self.join(2.0)
        return self.peak


@dataclass
class Measured:
    first_s: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    missed: int = 0
    cpu_pct: float | None = None
    rss_mb: float | None = None
    bytes_per_s: float | None = None
    error: str = ""


def measure(tool: Tool, helper: Helper, canaries: int, seconds: float, home: Path, rng: random.Random) -> Measured:
    out = Measured()
    argv = tool.argv(helper.kubeconfig, helper.prometheus)
    with Terminal(argv, cwd=str(commands.REPO), env=tool.env(home), controlling=True) as term:
        sampler = PeakRss(term.ps)
        sampler.start()
        try:
            try:
                out.first_s = term.wait_for(listing(canaries), FIRST_SCREEN_TIMEOUT_S) - term.started
            except Timeout as exc:
                lines = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()]
                out.error = f"no canaries on screen within {FIRST_SCREEN_TIMEOUT_S:g} s; screen: " + " / ".join(
                    lines[:3]
                )
                return out
            if tool.binary is None and canaries > 1:
                # Sorted by name, as the peers list: in triage order the rows the writer fails come first and
                # reshuffle the top of the table, pushing the probe's row off the screen. Home follows it there.
                for key in ("]", "]", "home"):
                    term.send(key)
                term.wait_for(_probe_row_first, FIRST_SCREEN_TIMEOUT_S)
            time.sleep(1.0)  # past the first screen's follow-up work
            cpu0, t0 = _tree_cpu_seconds(term.ps), time.monotonic()
            phase_index = 0
            while time.monotonic() - t0 < seconds:
                phase_index = (phase_index + 1) % len(PHASES)
                phase = PHASES[phase_index]
                written = helper.probe(phase, 10 * phase_index)
                try:
                    seen = term.wait_for(shows_phase(phase, tool.newest_line), PROBE_TIMEOUT_S)
                    out.latencies_ms.append(max(0.0, seen - written) * 1000)
                except Timeout:
                    out.missed += 1
                time.sleep(rng.uniform(0.2, 0.6))
            elapsed = time.monotonic() - t0
            out.cpu_pct = 100 * (_tree_cpu_seconds(term.ps) - cpu0) / elapsed
            out.bytes_per_s = term.bytes_between(t0, t0 + elapsed) / elapsed
        finally:
            out.rss_mb = sampler.stop() / MB
    return out


# --- the table ------------------------------------------------------------------------------------------------------


def summarise(runs: list[Measured]) -> dict[str, Any]:
    """Medians over runs of each figure (p50 and p95 taken per run first); the error of a run that had none."""
    good = [m for m in runs if not m.error]
    if not good:
        return {"error": runs[0].error if runs else "not run"}

    def median(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    with_latency = [m for m in good if m.latencies_ms]
    return {
        "first_s": median([m.first_s for m in good]),
        "p50_ms": median([percentile(m.latencies_ms, 50) for m in with_latency]),
        "p95_ms": median([percentile(m.latencies_ms, 95) for m in with_latency]),
        "changes": sum(len(m.latencies_ms) for m in good),
        "missed": sum(m.missed for m in good),
        "cpu_pct": median([m.cpu_pct for m in good]),
        "rss_mb": median([m.rss_mb for m in good]),
        "kb_per_s": median([None if m.bytes_per_s is None else m.bytes_per_s / 1000 for m in good]),
        "runs": len(good),
        "failed_runs": [m.error for m in runs if m.error],
    }


ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("first screen listing canaries", ("first_s",), "{:.2f} s"),
    ("status change → on screen, p50 / p95", ("p50_ms", "p95_ms"), "{:,.0f}"),
    ("CPU, % of a core", ("cpu_pct",), "{:.1f} %"),
    ("peak RSS", ("rss_mb",), "{:.0f} MB"),
    ("bytes to the terminal", ("kb_per_s",), "{:.2f} KB/s"),
)


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs <= 0:
        return "–"
    return f"{ours / theirs:.2f}"


def _cell(summary: dict[str, Any], keys: tuple[str, ...], fmt: str, base: dict[str, Any] | None) -> str:
    values = [summary.get(k) for k in keys]
    if any(v is None for v in values):
        shown = "–"
    elif len(keys) == 2:
        shown = " / ".join(fmt.format(v) for v in values) + " ms"
    else:
        shown = fmt.format(values[0])
    if base is None or "error" in base:
        return shown
    ratios = " / ".join(_ratio(base.get(k), summary.get(k)) for k in keys)
    return f"{shown} (×{ratios})"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(canaries: int, tool_list: list[Tool], summaries: dict[str, dict[str, Any]]) -> list[str]:
    """The issue's table for one size: a column per tool, each peer's figure with canaryscope's ratio to it."""
    label = f"{canaries:,} {'canary' if canaries == 1 else 'canaries'}"
    lines = [
        "| " + " | ".join([_escape(label), *(_escape(t.heading) for t in tool_list)]) + " |",
        "|---" * (len(tool_list) + 1) + "|",
    ]
    base = summaries.get(tool_list[0].key)
    for title, keys, fmt in ROWS:
        cells = [title]
        for i, tool in enumerate(tool_list):
            summary = summaries.get(tool.key, {"error": "not run"})
            if "error" in summary:
                cells.append("❌ " + summary["error"] if title == ROWS[0][0] else "–")
            else:
                cells.append(_cell(summary, keys, fmt, None if i == 0 else base))
        lines.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    return lines


def run(quick: bool = False, runs: int | None = None, seconds: float | None = None) -> Result:
    runs = runs or (1 if quick else 3)
    window = seconds or (3.0 if quick else 60.0)
    sizes = (1, 20) if quick else (1, 1000)
    rate = 10.0 if quick else 50.0
    tool_list = tools()
    rng = random.Random(1)
    per_size: dict[int, dict[str, list[Measured]]] = {}
    for canaries in sizes:
        collected: dict[str, list[Measured]] = {t.key: [] for t in tool_list}
        with tempfile.TemporaryDirectory() as tmp:
            namespaces = max(1, min(100, canaries // 10))
            helper = Helper(canaries, namespaces, Path(tmp), "--probe", "--peer-support")
            try:
                helper.send(f"rate {rate:g}")
                for run_index in range(runs):
                    shift = run_index % len(tool_list)
                    for tool in tool_list[shift:] + tool_list[:shift]:  # alternate who goes first
                        if tool.error:
                            collected[tool.key].append(Measured(error=tool.error))
                            continue
                        home = Path(tmp) / f"{tool.key}-{run_index}"
                        measured = measure(tool, helper, canaries, window, home, rng)
                        print(f"  {canaries} canaries, {tool.key}: {measured}", flush=True)
                        collected[tool.key].append(measured)
                written = helper.stats()
            finally:
                helper.close()
        per_size[canaries] = collected
    summaries = {n: {k: summarise(v) for k, v in c.items()} for n, c in per_size.items()}
    markdown: list[str] = []
    for canaries, summary in summaries.items():
        markdown += [*render_table(canaries, tool_list, summary), ""]
    big = summaries[sizes[-1]]
    ours = big.get("canaryscope", {})
    headline = ", ".join(
        f"{t.key} {_ratio(ours.get('p95_ms'), big[t.key].get('p95_ms'))}"
        if "error" not in big[t.key]
        else f"{t.key} not measured"
        for t in tool_list[1:]
    )
    missing = [t.key for t in tool_list if "error" in big.get(t.key, {"error": ""})]
    return Result(
        name=NAME,
        title=TITLE,
        measured=(
            f"{sizes[-1]:,} canaries: change → screen p95 {ours.get('p95_ms') or 0:,.0f} ms; "
            f"canaryscope ÷ peer, p95: {headline}"
        ),
        budget=BUDGET,
        passed=not missing,
        command=commands.reproduce(NAME) + " [--seconds S] [--runs N]",
        details=[
            f"{window:g} s per tool and size, {runs} run(s), tools alternated; {rate:g} changes/s to the other "
            f"canaries at every size (measured {written.get('written', 0)} writes in the last size's block); "
            "with one canary there is nothing else to change, so only the probe's status moves",
            "in brackets: canaryscope's figure ÷ the peer's (above 1: canaryscope is slower or heavier)",
            "canaryscope watch -A --read-only --logger none with a Prometheus stand-in (refresh 5 s); k9s with its "
            "default 2 s refresh; the stand-in runs without a token (kubectl and k9s send none over plain HTTP)",
            "probe changes seen / missed (8 s): "
            + "; ".join(
                f"{n}: " + ", ".join(f"{k} {s.get('changes', 0)}/{s.get('missed', 0)}" for k, s in sm.items())
                for n, sm in summaries.items()
            ),
        ],
        values={"summaries": {str(n): s for n, s in summaries.items()}, "markdown": markdown},
    )
