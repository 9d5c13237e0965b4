"""canaryscope drives real Flagger in the lab: a good release is promoted, a faulty one is rolled back, and the
simulation decides both exactly as the real Flagger did.

Each release runs once per module (about a minute each with the lab's 10 s interval; the faulty one first, so
that the good one starts from Failed, where Flagger re-syncs the status on every tick; then one promoted at once
with `p`): canaryscope, headless, presses the keys a presenter would (`l` for the seed's background load, `r` /
`R` to release, `e` to inject errors, `p` to promote, each confirmed with `y`), while an independent trace
records what Flagger itself did (its webhook payloads, the Canary's status and the TrafficSplit's weights).

With CANARYSCOPE_RECORD_LAB=DIR each run is also written to DIR as a recording that tests/cluster/test_replay.py
replays (tests/cluster/recordings/lab-*.json were made this way).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.lab.drive import SIZE, Driver, Shown, connected, phase
from tests.lab.fidelity import Sequences, initialisation, reduce, simulate, simulated_initialisation
from tests.lab.trace import FlaggerTrace, payloads, read_log, to_recording
from tui.domain.model import CanaryKey
from tui.domain.state import AppState
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo

pytestmark = pytest.mark.lab

STEADY = ("Initialized", "Succeeded", "Failed")
KEY_NAMES = ("apps", "examiner")
KEY = CanaryKey(*KEY_NAMES)
RELEASE_TIMEOUT_S = 240.0
LAB_INTERVAL_S = 10.0
GOOD_RELEASE = [
    "New revision detected! Scaling up examiner.apps",
    "Starting canary analysis for examiner.apps",
    "Advance examiner.apps canary weight 25",
    "Advance examiner.apps canary weight 50",
    "Copying examiner.apps template spec to examiner-primary.apps",
    "Advance examiner.apps primary weight 75",
    "Advance examiner.apps primary weight 100",
    "Promotion completed! Scaling down examiner.apps",
]


def on_screen(panel: str, messages: list[str]) -> list[str]:
    """The last len(messages) of `messages` in the order the events panel shows them (earlier releases' events come
    first; a long event wraps onto lines without a time of their own)."""
    entries: list[str] = []
    for line in panel.splitlines():
        if re.match(r"\d\d:\d\d:\d\d ", line) or not entries:
            entries.append(line.strip())
        else:
            entries[-1] += " " + line.strip()
    wanted = list(dict.fromkeys(messages))
    shown = [next(m for m in wanted if m in entry) for entry in entries if any(m in entry for m in wanted)]
    return shown[-len(messages) :]


def canary_window_empty(state: AppState) -> bool:
    """canaryscope's latest sample of the canary Deployment says it served nothing in the window (NaN)."""
    series = state.series(*KEY_NAMES)
    return bool(series) and series[-1].success_rate is None


@dataclass
class Run:
    shown: Shown
    trace: FlaggerTrace
    real: Sequences
    seconds: float


FINAL = {
    "faulty": "Canary failed! Scaling down examiner.apps",
    "good": GOOD_RELEASE[-1],
    "promoted": "Promotion completed! Canary analysis was skipped for examiner.apps",
}


async def _release(lab: LabInfo, kube_api: Any, *, kind: str) -> Run:
    """One release driven through canaryscope: `faulty` (R, then e), `good` (r) or `promoted` (r, then p)."""
    trace = FlaggerTrace(kube_api, Path(lab.extras[full_lab.LOGGER_LOG]))
    driver = Driver(lab)
    final, end_phase = FINAL[kind], "Failed" if kind == "faulty" else "Succeeded"
    try:
        async with driver.app.run_test(size=SIZE) as pilot:
            await driver.wait(
                pilot,
                lambda s: phase(s) in STEADY and connected(s, "kubernetes", "logger", "prometheus", "events"),
                "a steady canary and every source connected",
                120,
            )
            trace.start()
            await driver.press(pilot, "l")
            await driver.wait(pilot, lambda s: any(x.running for x in s.loads.values()), "the background load", 10)
            # Flagger judges the canary Deployment over the metric interval (30 s), whichever pods served: a
            # release starting sooner after the last one would inherit that one's last requests.
            await driver.wait(pilot, canary_window_empty, "no canary requests in the metric window", 90)
            await driver.press(pilot, "R" if kind == "faulty" else "r")
            if kind == "faulty":
                await driver.press(pilot, "e")
            if kind == "promoted":
                await driver.wait(pilot, lambda s: phase(s) == "Progressing", "the analysis", 30)
                await driver.press(pilot, "p")
            seconds = await driver.wait(
                pilot,
                lambda s: "Progressing" in driver.shown.phases and phase(s) == end_phase,
                "the end of the release",
                RELEASE_TIMEOUT_S,
            )
            await driver.wait(
                pilot,
                lambda s: (
                    final in driver.shown.messages("logger", trace.started)
                    and final in driver.shown.messages("events", trace.started)
                ),
                f"{final!r} from both the logger and the Events API",
                30,
            )
            if kind == "promoted":
                # canaryscope's follow-up: skipAnalysis is unset again once promoted.
                await driver.wait(pilot, lambda s: not s.canaries[KEY].info.skip_analysis, "skipAnalysis unset", 20)
            driver.snapshot_panels()
    finally:
        driver.close()
        trace.stop()
    record_to = os.environ.get("CANARYSCOPE_RECORD_LAB")
    if record_to and kind != "promoted":
        # Real Flagger, replayable by tests/cluster/test_replay.py.
        name = f"lab-{kind}-release-after-{trace.statuses()[0][0].lower()}"
        recording = to_recording(name, trace, driver.shown.samples, until=time.time())
        (Path(record_to) / f"{name}.json").write_text(recording.to_json(), encoding="utf-8")
    return Run(driver.shown, trace, reduce(trace.events(), trace.statuses(), trace.router()), seconds)


@pytest.fixture(scope="module")
def good_run(lab: LabInfo, kube_api: Any) -> Run:
    return asyncio.run(_release(lab, kube_api, kind="good"))


@pytest.fixture(scope="module")
def faulty_run(lab: LabInfo, kube_api: Any) -> Run:
    return asyncio.run(_release(lab, kube_api, kind="faulty"))


@pytest.fixture(scope="module")
def promoted_run(lab: LabInfo, kube_api: Any) -> Run:
    return asyncio.run(_release(lab, kube_api, kind="promoted"))


def assert_same(real: Sequences, simulated: Sequences) -> None:
    assert real.events == simulated.events
    assert real.releases == simulated.releases
    assert real.statuses == simulated.statuses
    assert real.router == simulated.router


def test_initialisation_simulation_matches_real_flagger(lab: LabInfo) -> None:
    log_file = Path(lab.extras[full_lab.LOGGER_LOG])
    logged = payloads(read_log(log_file))
    real = initialisation([(p.event_type, p.phase, p.message) for p in logged if (p.namespace, p.name) == KEY_NAMES])
    assert real == simulated_initialisation()
    assert [m for _, _, m in real][-1] == "Initialization done! examiner.apps"


def test_faulty_release_halts_and_rolls_back(faulty_run: Run) -> None:
    run = faulty_run
    shown = run.shown
    assert any(n.startswith("Released apps/examiner: ") and "SERVER_ERROR_RATE='10'" in n for n in shown.notes)
    assert any(n.startswith("Injecting errors:") for n in shown.notes), shown.notes
    assert shown.router_weights == [0, 25, 0]
    assert shown.phases[1:] == ["Progressing", "Failed"]
    logged = shown.messages("logger", run.trace.started)
    halts = [m for m in logged if m.startswith("Halt examiner.apps advancement success rate ")]
    assert len(halts) == 2 and all(m.endswith("% < 99%") for m in halts), logged
    assert logged[-2:] == [
        "Rolling back examiner.apps failed checks threshold reached 2",
        "Canary failed! Scaling down examiner.apps",
    ]
    # On screen in Flagger's order too, whichever of the logger and the Events API delivered first.
    assert on_screen(shown.panels["events"], logged) == logged, shown.panels["events"]
    # The failed checks as they grew, and kept after Flagger resets status.failedChecks to 0 on rollback.
    assert any("failed 1/2" in line for line in shown.failed_lines), shown.failed_lines
    assert any("failed 2/2" in line for line in shown.failed_lines), shown.failed_lines
    assert "failed 2/2 at rollback (status now reads 0)" in shown.panels["status"]
    assert "Failed" in shown.panels["status"]
    canary = [s for s in shown.samples if s.deployment == "examiner" and s.success_rate is not None]
    assert canary and min(s.success_rate for s in canary if s.success_rate is not None) < 99


def test_faulty_release_simulation_matches_real_flagger(faulty_run: Run) -> None:
    simulated = simulate(kind="faulty", after=faulty_run.trace.statuses()[0][0])
    assert_same(faulty_run.real, simulated)


def test_good_release_is_promoted_and_canaryscope_shows_every_step(good_run: Run) -> None:
    run = good_run
    shown = run.shown
    assert any(n.startswith("Released apps/examiner: ECHO_VALUE=") for n in shown.notes), shown.notes
    # The router's canary weight as canaryscope showed it: 25, 50, back through 25 to 0 while promoting.
    assert shown.router_weights == [0, 25, 50, 25, 0]
    assert shown.phases[1:] == ["Progressing", "Promoting", "Finalising", "Succeeded"]
    assert shown.status_weights[-5:] == [0, 25, 50, 25, 0]
    assert "Succeeded" in shown.panels["status"]
    # Flagger's own words, from the logger pod's log (through kwok and the pods/log API) and from Events.
    assert [m for m in shown.messages("logger", run.trace.started) if m in GOOD_RELEASE] == GOOD_RELEASE
    from_events = shown.messages("events", run.trace.started)
    assert set(GOOD_RELEASE) <= set(from_events), from_events
    assert on_screen(shown.panels["events"], GOOD_RELEASE) == GOOD_RELEASE, shown.panels["events"]
    # The metrics canaryscope read from the lab's Prometheus: the canary served, and served well, once the 30 s
    # window holds only this release's canary (the faulty one before it may still be in earlier windows).
    first_step = max(e.t for e in shown.received if e.message == "Advance examiner.apps canary weight 25")
    canary = [
        s for s in shown.samples if s.deployment == "examiner" and s.success_rate is not None and s.t >= first_step + 30
    ]
    assert canary and all(s.success_rate == 100.0 for s in canary), canary
    assert max(s.p99_ms or 0 for s in canary) < 500


def test_good_release_promotion_forecast_is_within_one_interval(good_run: Run) -> None:
    """Every forecast canaryscope made from the Canary while the release was in flight (all checks passing, as they
    did) put Succeeded within one analysis interval (the lab's 10 s) of when real Flagger wrote it."""
    succeeded = good_run.shown.succeeded_at
    timed = [f for f in good_run.shown.forecasts if f.promotion_at is not None]
    assert succeeded is not None and len(timed) >= 3, (succeeded, good_run.shown.forecasts)
    for forecast in timed:
        assert forecast.promotion_at is not None
        assert abs(forecast.promotion_at - succeeded) <= LAB_INTERVAL_S, (forecast, succeeded)


def test_good_release_simulation_matches_real_flagger(good_run: Run) -> None:
    simulated = simulate(kind="good", after=good_run.trace.statuses()[0][0])
    assert_same(good_run.real, simulated)
    assert [m for _, _, m in good_run.real.events] == GOOD_RELEASE


def test_promote_key_skips_the_analysis(promoted_run: Run) -> None:
    run = promoted_run
    shown = run.shown
    assert any("spec.skipAnalysis=true" in n for n in shown.notes), shown.notes
    logged = shown.messages("logger", run.trace.started)
    assert logged[-2:] == [
        "Copying examiner.apps template spec to examiner-primary.apps",
        "Promotion completed! Canary analysis was skipped for examiner.apps",
    ]
    assert on_screen(shown.panels["events"], logged) == logged, shown.panels["events"]
    assert shown.router_weights == [0]  # never shifted: promoted before the first step
    assert shown.phases[-2:] == ["Progressing", "Succeeded"]


def test_promote_key_simulation_matches_real_flagger(promoted_run: Run) -> None:
    simulated = simulate(kind="promoted", after=promoted_run.trace.statuses()[0][0])
    assert_same(promoted_run.real, simulated)
