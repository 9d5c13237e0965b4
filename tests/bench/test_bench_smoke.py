"""Each benchmark runs end to end in its --quick form (tiny sizes, short windows) and reports a figure.

Budgets are not asserted here: smoke sizes say nothing about them, and the real figures come from `make bench`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MISSING = [name for name in ("pyte", "psutil") if importlib.util.find_spec(name) is None]
if MISSING and os.environ.get("CI"):
    raise RuntimeError(f"the bench extra is required in CI (pip install -e '.[test,bench]'): missing {MISSING}")
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"needs the bench extra (pip install -e '.[bench]'): missing {', '.join(MISSING)}"
)

NAMES = (
    "first-frame",
    "first-screen",
    "latency",
    "bandwidth",
    "idle-cpu",
    "quiet-fleet",
    "scale",
    "scale-mixed",
    "scale-checks",
    "fleet",
    "change-latency",
    "prom-cost",
    "check-cost",
    "memory",
    "export",
)
# Not run here: the peers figure builds k9s and kubectl from Go modules (tests/bench/test_peers.py tests its logic).
KNOWN = (*NAMES, "peers")


@pytest.mark.parametrize("name", NAMES)
def test_quick_run_reports_a_figure(name: str, tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", name, "--quick", "--output", str(output)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(output.with_suffix(".json").read_text())["results"][name]
    assert result["quick"] is True
    assert not result["values"].get("error"), result["measured"]
    assert any(ch.isdigit() for ch in result["measured"]), result["measured"]
    report = output.read_text()
    assert f"| {result['title']} | {result['measured']}" in report.replace("\\|", "|")
    assert "| Textual |" in report and "| cores |" in report


def test_unknown_benchmark_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "no-such-figure", "--quick"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"python -m bench: unknown benchmark no-such-figure; known: {', '.join(KNOWN)}"
    ]
