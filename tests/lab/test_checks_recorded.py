"""The simulation against what real Flagger v1.44 did in the lab with a MetricTemplate check, without a lab:
tests/lab/recorded/checks.json holds a lab run of tests/lab/template_checks.py (`CANARYSCOPE_RECORD_LAB=DIR pytest
-m lab tests/lab/test_checks.py` writes DIR/checks.json). The lab test compares the same on every lab run; this one
keeps the comparison in the fast suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.lab.fidelity import initialisation
from tests.lab.template_checks import NAMESPACE, normalise_checks, simulate_faulty, simulated_initialisation

RECORDED = Path(__file__).parent / "recorded" / "checks.json"
TARGET = f"examiner.{NAMESPACE}"


def _tuples(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in rows]


def recorded() -> dict[str, Any]:
    data = json.loads(RECORDED.read_text())
    assert data["namespace"] == NAMESPACE and data["error"] is None
    return data


def test_real_flagger_halted_on_error_rate_as_recorded() -> None:
    release = recorded()["release"]
    halts = [m for _, _, m in release["events"] if m.startswith("Halt ")]
    assert len(halts) == 2
    for halt in halts:
        assert halt.startswith(f"Halt {TARGET} advancement error-rate ") and halt.endswith(" > 1")
        assert float(halt.split()[4]) > 1


def test_simulation_initialises_as_the_recorded_real_flagger() -> None:
    real = _tuples(recorded()["initialisation"])
    assert real == initialisation(simulated_initialisation())


def test_simulation_decides_the_release_as_the_recorded_real_flagger() -> None:
    real = recorded()["release"]
    simulated = simulate_faulty()
    assert normalise_checks(_tuples(real["events"])) == normalise_checks(simulated.events)
    assert real["releases"] == simulated.releases
    assert _tuples(real["statuses"]) == simulated.statuses
    assert real["router"] == simulated.router
