"""The peers figure's own logic, without building or running a peer: what counts as on screen, medians, the
table with ratios and an error row for a peer that could not be built, and the build cache."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("psutil") is None or importlib.util.find_spec("pyte") is None,
    reason="needs the bench extra (pip install -e '.[bench]')",
)


def test_the_newest_line_counts_for_a_tool_that_appends() -> None:
    from bench.peers import shows_phase

    screen = "team-00  app-0000  Progressing  10\nteam-01  app-0001  Failed  0\nteam-00  app-0000  Promoting  20\n"
    assert shows_phase("Promoting", newest_line=True)(screen)
    assert not shows_phase("Progressing", newest_line=True)(screen)
    assert shows_phase("Progressing", newest_line=False)(screen)
    # Another canary's row, or a longer name that contains the probe's, does not count.
    assert not shows_phase("Failed", newest_line=False)(screen)
    assert not shows_phase("Failed", newest_line=False)("team-00  app-0000-primary  Failed")


def test_a_listing_needs_enough_different_canaries() -> None:
    from bench.peers import listing

    rows = "\n".join(f"team-00 app-{i:04d} Succeeded" for i in range(25))
    assert listing(1000)(rows)
    assert not listing(1000)("\n".join(f"app-0001 event {i}" for i in range(40)))
    assert listing(1)("canaryscope · team-00/app-0000 ◐ Progressing")


def test_summaries_are_medians_of_runs_and_keep_the_error_of_a_tool_that_never_ran() -> None:
    from bench.peers import Measured, summarise

    runs = [
        Measured(1.0, [10, 20, 30, 40], 0, 5.0, 100.0, 200.0),
        Measured(3.0, [50, 60], 1, 7.0, 120.0, 400.0),
        Measured(error="no canaries on screen within 60 s"),
    ]
    summary = summarise(runs)
    assert summary["first_s"] == 2.0 and summary["cpu_pct"] == 6.0 and summary["kb_per_s"] == pytest.approx(0.3)
    assert summary["p50_ms"] == (20 + 50) / 2 and summary["p95_ms"] == (40 + 60) / 2
    assert summary["changes"] == 6 and summary["missed"] == 1 and summary["runs"] == 2
    assert summary["failed_runs"] == ["no canaries on screen within 60 s"]
    assert summarise([Measured(error="not built: go build failed")]) == {"error": "not built: go build failed"}


def test_the_table_gives_ratios_and_the_exact_build_error(tmp_path: Path) -> None:
    from bench.peer_builds import Built
    from bench.peers import Tool, render_table

    failure = "go build failed (exit 1):\nmain.go:3: undefined: x | y"
    tools = [
        Tool("canaryscope", "canaryscope `watch -A`"),
        Tool("k9s", "k9s v0.50.16", Built("k9s", "v0.50.16", None, failure)),
        Tool("kubectl-w", "`kubectl get canaries -A -w`", Built("kubectl", "v1.36.3", tmp_path / "kubectl")),
    ]
    assert tools[1].error == f"not built: {failure}" and not tools[2].error
    figures = {"first_s": 2.0, "p50_ms": 200.0, "p95_ms": 500.0, "cpu_pct": 8.0, "rss_mb": 110.0, "kb_per_s": 0.2}
    kubectl = {"first_s": 0.25, "p50_ms": 2.0, "p95_ms": 5.0, "cpu_pct": 2.0, "rss_mb": 55.0, "kb_per_s": 1.6}
    lines = render_table(1000, tools, {"canaryscope": figures, "k9s": {"error": tools[1].error}, "kubectl-w": kubectl})
    assert lines[0] == "| 1,000 canaries | canaryscope `watch -A` | k9s v0.50.16 | `kubectl get canaries -A -w` |"
    assert lines[1] == "|---|---|---|---|"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert rows["first screen listing canaries"] == (
        "| first screen listing canaries | 2.00 s "
        "| ❌ not built: go build failed (exit 1): main.go:3: undefined: x \\| y | 0.25 s (×8.00) |"
    )
    assert rows["status change → on screen, p50 / p95"].endswith("| 200 / 500 ms | – | 2 / 5 ms (×100.00 / 100.00) |")
    assert rows["peak RSS"].endswith("| 110 MB | – | 55 MB (×2.00) |")
    assert rows["bytes to the terminal"].endswith("| 0.20 KB/s | – | 1.60 KB/s (×0.12) |")


def test_a_build_is_cached_by_version_and_its_error_is_kept(tmp_path: Path) -> None:
    from bench import peer_builds
    from tui.lab import binaries

    if binaries.find_go() is None:
        pytest.skip("needs a Go toolchain")
    calls: list[Path] = []

    def build(go: str, work: Path, out: Path) -> None:
        calls.append(work)
        out.write_text("#!/bin/sh\n")

    first = peer_builds._cached("tool", "v1.2.3", build, lambda _: None, tmp_path)
    again = peer_builds._cached("tool", "v1.2.3", build, lambda _: None, tmp_path)
    assert first == again and first.path is not None and first.path.is_file() and len(calls) == 1
    assert first.path.parent.parent == tmp_path / "peers" and first.path.parent.name.startswith("tool-v1.2.3-go")

    def broken(go: str, work: Path, out: Path) -> None:
        raise binaries.BuildError("go build failed (exit 1):\ncannot find module providing package x")

    failed = peer_builds._cached("other", "v0.1.0", broken, lambda _: None, tmp_path)
    assert failed.path is None and failed.error == "go build failed (exit 1):\ncannot find module providing package x"
