"""Scale with custom checks: the scale figure's fleet (1,000 canaries in 100 namespaces, 50 changes a second) with
three custom checks on every canary, asked of a real Prometheus.

Each canary has two `templateRef` checks (MetricTemplates whose provider address is the real Prometheus) and one
inline `query:` (sent to `--prometheus`, the same Prometheus), all on `{{ target }}`, `{{ namespace }}` and
`{{ interval }}` (bench/check_fleet.py). Debian's prometheus scrapes an exporter serving every canary's series,
Linkerd's for the builtin checks as well (bench/check_exporter.py), so per-canary and grouped queries both get true
answers. The same measurements as scale (CPU over 60 s, peak RSS, key press to frame for `]`, `?`, `?`), the
queries Prometheus received (its query log) per check interval, and at the end Enter on the overview's first row
must bring a rollout screen whose checks panel shows a value for each of the three checks.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import commands, screens
from bench.check_fleet import CHECKS, INTERVAL, INTERVAL_S, is_check_query
from bench.check_prometheus import SCRAPE_INTERVAL, CheckBackend
from bench.cluster import names
from bench.result import Result
from bench.scale import BUDGET, MB, Helper, press_keys
from bench.stats import Spread, percentile
from bench.terminal import Terminal

NAME = "scale-checks"
TITLE = "scale, 3 custom checks each"
CHECK_NAMES = tuple(str(c["name"]) for c in CHECKS)


def one_run(canaries: int, namespaces: int, rate: float, seconds: float, presses: int, settle: float) -> dict[str, Any]:
    refs = names(canaries, namespaces)
    with tempfile.TemporaryDirectory() as tmp, CheckBackend(refs, Path(tmp) / "prometheus") as backend:
        helper = Helper(canaries, namespaces, Path(tmp), "--checks", backend.url)
        try:
            argv = commands.watch(helper.kubeconfig, "-A", prometheus=backend.url)
            with Terminal(argv, cwd=str(commands.REPO)) as term:
                started = term.started
                loaded_at = term.wait_for(lambda text: len(screens.overview_rows(text)) >= min(canaries, 30), 60)
                helper.send(f"rate {rate:g}")
                time.sleep(settle)  # past the first answers and the writer's start
                before = helper.stats()
                log_from = backend.prometheus.log_offset()
                cpu0, t0 = term.cpu_seconds(), time.monotonic()
                rss_peak = term.rss_bytes()
                while time.monotonic() - t0 < seconds:
                    time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - t0))))
                    rss_peak = max(rss_peak, term.rss_bytes())
                window = time.monotonic() - t0
                cpu = 100 * (term.cpu_seconds() - cpu0) / window
                after = helper.stats()
                asked = backend.prometheus.queries_since(log_from)
                keys = press_keys(term, presses)
                rss_peak = max(rss_peak, term.rss_bytes())
                # The overview's selected row (the first) opens on Enter: its checks must show values.
                pressed = term.send("enter")
                shown_at = term.wait_for(screens.check_values_shown(CHECK_NAMES), 60)
                rss_peak = max(rss_peak, term.rss_bytes())
                panel = [line.strip("│ ") for line in term.screen_text().splitlines() if _names_a_check(line)]
                checks = [q for q in asked if is_check_query(q)]
                rounds = window / INTERVAL_S
                return {
                    "cpu_pct": cpu,
                    "rss_mb": rss_peak / MB,
                    "key_p95_ms": percentile([v for _, v in keys], 95) * 1000,
                    "key_p50_ms": percentile([v for _, v in keys], 50) * 1000,
                    **{
                        f"{kind}_p50_ms": percentile([v for k, v in keys if k == kind], 50) * 1000
                        for kind in {k for k, _ in keys}
                    },
                    "keys_ms": [(kind, round(v * 1000)) for kind, v in keys],
                    "load_s": loaded_at - started,
                    "checks_shown_s": shown_at - pressed,
                    "changes_per_s": (after["written"] - before["written"]) / window,
                    "writer_late": after["late"],
                    "check_queries_per_round": len(checks) / rounds,
                    "distinct_check_queries": len(set(checks)),
                    "builtin_queries_per_round": (len(asked) - len(checks)) / rounds,
                    "check_query_kinds": dict(Counter(_kind(q) for q in checks)),
                    "exporter_scrapes": backend.exporter.scrapes,
                    "checks_panel": panel,
                }
        finally:
            helper.close()


def _names_a_check(line: str) -> bool:
    return any(f" {name} " in line or f"│{name} " in line for name in CHECK_NAMES)


def _kind(query: str) -> str:
    """Which check a query is (by the series and the shape it asks), and whether it was grouped."""
    check = (
        "p99-seconds"
        if "http_request_duration_seconds" in query
        else "error-rate"
        if 'status=~"5' in query
        else "throughput"
    )
    return f"{check} (grouped)" if "=~" in query.replace('status=~"5', "") else check


def run(quick: bool = False, runs: int | None = None) -> Result:
    runs = runs or (1 if quick else 3)
    if quick:
        canaries, namespaces, rate, seconds, presses, settle = 20, 4, 10.0, 1.5, 3, 0.5
    else:
        canaries, namespaces, rate, seconds, presses, settle = 1000, 100, 50.0, 60.0, 21, 3.0
    results = [one_run(canaries, namespaces, rate, seconds, presses, settle) for _ in range(runs)]

    def spread(key: str) -> Spread:
        return Spread.of([r[key] for r in results])

    cpu, rss, keys = spread("cpu_pct"), spread("rss_mb"), spread("key_p95_ms")
    passed = cpu.median < 25 and rss.median < 250 and keys.median < 100
    per_round = spread("check_queries_per_round")
    return Result(
        name=NAME,
        title=TITLE,
        measured=(
            f"CPU {cpu.text('{:.1f}', ' %')}; RSS {rss.text('{:.0f}', ' MB')}; key p95 {keys.text('{:.0f}', ' ms')}; "
            f"{per_round.text('{:.0f}', '')} check queries per {INTERVAL}"
        ),
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"{canaries} canaries in {namespaces} namespaces (Deployments and TrafficSplits), each with 3 custom "
            f"checks every {INTERVAL}: templates error-rate and throughput (provider prometheus, address the real "
            "Prometheus) and an inline p99 query, on {{ target }}, {{ namespace }} and {{ interval }}; "
            f"{rate:g} changes/s (measured {spread('changes_per_s').median:.1f}/s), {seconds:g} s window, then "
            f"{presses} key presses (`]` sort, `?` help opens, `?` help closes, in turn)",
            "canaryscope watch -A --read-only --logger none --prometheus <Debian's prometheus> scraping every "
            f"{SCRAPE_INTERVAL} an exporter of every canary's series (Linkerd's for the builtin checks, the app's "
            "for the custom ones)",
            f"Prometheus received {per_round.text('{:.0f}', '')} check queries per {INTERVAL} "
            f"({spread('distinct_check_queries').median:.0f} distinct in the window) and "
            f"{spread('builtin_queries_per_round').median:.0f} builtin ones (its query log)",
            f"first full overview after {spread('load_s').text('{:.2f}', ' s')}; key p50 "
            f"{spread('key_p50_ms').median:.0f} ms (sort {spread('sort_p50_ms').median:.0f}, help "
            f"{spread('help_p50_ms').median:.0f}, close {spread('close_p50_ms').median:.0f}); Enter on the first "
            f"canary: its 3 checks' values on screen after {spread('checks_shown_s').text('{:.2f}', ' s')}",
        ],
        values={"runs": results},
    )
