"""Real Flagger v1.44 halts a release on a MetricTemplate check and rolls it back (run by
tests/lab/template_checks.py).

The Canary's checks are its own: a MetricTemplate `error-rate` (provider prometheus, the lab's Prometheus) over the
mesh emulator's Linkerd series, and an inline query `latency-p99`. A faulty release raises the canary's error rate:
Flagger halts twice naming error-rate, then rolls back. The simulation, given the same Canary and MetricTemplate,
decides every step as real Flagger did: the same events (the measured values aside), revisions, statuses and router
weights, from the initialisation on. canaryscope, watching the real run, names the Canary's checks with their
ranges and draws none of the builtin checks' thresholds.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.lab.drive import SIZE, Driver, connected
from tests.lab.fidelity import initialisation, reduce
from tests.lab.template_checks import (
    KEY,
    NAMESPACE,
    CheckRuns,
    normalise_checks,
    simulate_faulty,
    simulated_initialisation,
)
from tests.lab.trace import payloads, read_log
from tests.waiting import settle
from tui.domain.state import AppState
from tui.lab.controlplane import LabInfo

pytestmark = pytest.mark.lab

WAIT_S = 600.0
TARGET = f"examiner.{NAMESPACE}"


def test_a_metric_template_halts_the_release_and_flagger_rolls_back(check_runs: CheckRuns) -> None:
    run = check_runs.wait(WAIT_S)
    assert run.trace is not None
    real = reduce(run.trace.events(), run.trace.statuses(), run.trace.router())
    messages = [m for _, _, m in real.events]
    halts = [m for m in messages if m.startswith("Halt ")]
    assert len(halts) == 2, messages
    for halt in halts:
        assert halt.startswith(f"Halt {TARGET} advancement error-rate ") and halt.endswith(" > 1"), halt
        assert float(halt.split()[4]) > 1
    assert messages == [
        f"New revision detected! Scaling up {TARGET}",
        f"Starting canary analysis for {TARGET}",
        f"Advance {TARGET} canary weight 25",
        *halts,
        f"Rolling back {TARGET} failed checks threshold reached 2",
        f"Canary failed! Scaling down {TARGET}",
    ]
    assert real.router == [0, 25, 0]
    assert [s for s in real.statuses if s[0] == "Progressing"] == [
        ("Progressing", 0, 0),
        ("Progressing", 25, 0),
        ("Progressing", 25, 1),
        ("Progressing", 25, 2),
    ]
    assert run.load_answers.get(200, 0) > 0 and run.load_answers.get(500, 0) > 0


def test_initialisation_simulation_matches_real_flagger(check_runs: CheckRuns) -> None:
    run = check_runs.wait(WAIT_S)
    logged = payloads(read_log(check_runs.log_file, run.initial_log_offset))
    real = initialisation([(p.event_type, p.phase, p.message) for p in logged if p.namespace == NAMESPACE])
    # Flagger read the MetricTemplate and found its Prometheus online.
    assert "all the metrics providers are available!" in [m for _, _, m in real]
    assert real == initialisation(simulated_initialisation())


def test_release_simulation_matches_real_flagger(check_runs: CheckRuns) -> None:
    run = check_runs.wait(WAIT_S)
    assert run.trace is not None
    real = reduce(run.trace.events(), run.trace.statuses(), run.trace.router())
    simulated = simulate_faulty()
    assert normalise_checks(real.events) == normalise_checks(simulated.events)
    assert real.releases == simulated.releases
    assert real.statuses == simulated.statuses
    assert real.router == simulated.router


async def _watch(lab: LabInfo) -> dict[str, str]:
    """canaryscope on the finished run: the panels once the Canary and Flagger's halts are in."""
    driver = Driver(lab, KEY)

    def halted(state: AppState) -> bool:
        view = state.canaries.get(KEY)
        messages = [e.event.message for e in state.events_for(KEY)]
        return (
            view is not None
            and view.info.phase == "Failed"
            and connected(state, "kubernetes")
            and any(" advancement error-rate " in m for m in messages)
        )

    try:
        async with driver.app.run_test(size=SIZE) as pilot:
            await driver.wait(pilot, halted, "the failed canary and its halts", 120)
            # The panels draw the state the wait saw: the checks panel names both checks, the narration the halt.
            await settle(
                pilot,
                lambda: "latency-p99" in driver.panel("#metrics") and "error-rate" in driver.panel("#narration"),
                "the checks panel and the narration drawn",
            )
            driver.snapshot_panels()
            panels = dict(driver.shown.panels)
            panels["metrics"] = driver.panel("#metrics")
            panels["narration"] = driver.panel("#narration")
            checks = driver.app.state.canaries[KEY].info.analysis.checks
            panels["checks"] = " ".join(f"{c.name}:{c.kind.value}:{c.min}:{c.max}" for c in checks)
    finally:
        driver.close()
    return panels


def test_canaryscope_names_the_real_checks_and_no_builtin_threshold(lab: LabInfo, check_runs: CheckRuns) -> None:
    check_runs.wait(WAIT_S)
    panels = asyncio.run(_watch(lab))
    assert panels["checks"] == "error-rate:templateRef:None:1.0 latency-p99:query:None:0.8"
    metrics = panels["metrics"]
    assert "error-rate" in metrics and "latency-p99" in metrics, metrics
    assert "max 1" in metrics and "max 0.8" in metrics, metrics
    # No default of the builtin checks, which this Canary does not have.
    for builtin in ("99%", "500ms", "500 ms", "success rate"):
        assert builtin not in metrics, metrics
    assert "error-rate" in panels["narration"], panels["narration"]
    assert " advancement error-rate " in panels["events"].replace("\n", " "), panels["events"]
