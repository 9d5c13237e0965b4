"""Real Flagger v1.44 with its real loadtester on the lab: gates opened by canaryscope's `p` and `a`, a failing
pre-rollout hook, a load test sent by the loadtester, and a canary whose pods never become ready.

The canaries run in their own namespaces from the lab's start (tests/lab/hooks.py), beside the seed's rollouts.
Each test asserts Flagger's own record of the release: the webhook payloads (type, phase, message) in order and
the Canary's (phase, canaryWeight, failedChecks) each time it changed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.lab.drive import SIZE, Driver, connected
from tests.lab.fidelity import DETECTED, FINAL, Event, Sequences, collapse, reduce, same_loadtester, simulate_canary
from tests.lab.hooks import (
    DEADLINE,
    GATE_PROMOTE,
    GATE_ROLLBACK,
    LOAD,
    PREFAIL,
    SIMULATED,
    SIMULATED_LOAD,
    HookRun,
    HookRuns,
)
from tui.domain.model import CanaryKey
from tui.domain.state import AppState
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo

pytestmark = pytest.mark.lab

WAIT_S = 600.0


def phases(statuses: list[tuple[str, int, int]]) -> list[str]:
    return [phase for i, (phase, _, _) in enumerate(statuses) if i == 0 or statuses[i - 1][0] != phase]


def comparable(seq: Sequences) -> tuple[list[Event], list[int], list[tuple[str, int, int]], list[int]]:
    """A run as the simulation is held to it: the loadtester's address as one, and consecutive repeats and the
    closed rollback gate's ticks in WaitingPromotion (as many as the key press takes) left out."""
    events = [(t, ph, same_loadtester(m)) for t, ph, m in seq.events]
    kept = [
        i
        for i, e in enumerate(events)
        if not (e[1] == "WaitingPromotion" and e[2].endswith("not signaling a rollback"))
    ]
    events, releases = [events[i] for i in kept], [seq.releases[i] for i in kept]
    keep = [i for i in range(len(events)) if i == 0 or events[i - 1] != events[i]]
    assert collapse(events) == [events[i] for i in keep]
    return [events[i] for i in keep], [releases[i] for i in keep], seq.statuses, seq.router


def assert_simulation_matches(
    namespace: str, real: Sequences, press: str | None = None, *, readiness: bool = False
) -> None:
    load = SIMULATED_LOAD.get(namespace)
    simulated = simulate_canary(namespace, SIMULATED[namespace], press=press, readiness=readiness, load=load)
    assert comparable(real) == comparable(simulated)
    if readiness:  # every tick counts: no repeat is collapsed
        assert real.events == simulated.events


def test_the_lab_runs_the_loadtester_on_loopback(lab: LabInfo) -> None:
    url = lab.extras[full_lab.LOADTESTER]
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{url}/healthz", timeout=5).text == "OK"
    st = full_lab.status(lab.lab_dir)
    assert st.running.get("loadtester") is True
    assert f"--loadtester {url}" in full_lab.describe(st)


async def _press(lab: LabInfo, run: HookRun, key: str, end: str) -> list[str]:
    """canaryscope on the waiting canary: press `key`, confirm, and wait for the canary to end in ``end``."""
    canary = CanaryKey(run.namespace, "examiner")
    driver = Driver(lab, canary, loadtester=lab.extras[full_lab.LOADTESTER])

    def phase(state: AppState) -> str | None:
        view = state.canaries.get(canary)
        return view.info.phase if view is not None else None

    try:
        async with driver.app.run_test(size=SIZE) as pilot:
            await driver.wait(
                pilot,
                lambda s: phase(s) == "WaitingPromotion" and connected(s, "kubernetes"),
                "the canary waiting for promotion",
                120,
            )
            await driver.press(pilot, key)
            await driver.wait(pilot, lambda s: phase(s) == end, f"the canary {end}", 180)
    finally:
        driver.close()
    return driver.shown.notes


def _released(payloads: list[Any]) -> bool:
    """A release's last event (promotion completed, or canary failed) came after its detection."""
    messages = [p.message for p in payloads]
    starts = [i for i, m in enumerate(messages) if m.startswith(DETECTED)]
    return bool(starts) and any(m.startswith(FINAL) for m in messages[starts[-1] :])


def _finish(runs: HookRuns, run: HookRun, end: str) -> None:
    assert run.trace is not None
    trace = run.trace
    runs.until(f"{run.namespace} {end}", lambda: trace.statuses()[-1][0] == end, 60)
    # Flagger writes the phase before it records the release's last event: wait for that event too.
    runs.until(f"{run.namespace} final event", lambda: _released(trace.events()), 60)
    trace.stop()
    run.done.set()


def test_p_opens_the_loadtesters_promotion_gate_and_flagger_promotes(lab: LabInfo, hook_runs: HookRuns) -> None:
    run = hook_runs.wait_ready(GATE_PROMOTE, WAIT_S)
    asyncio.run(_press(lab, run, "p", "Succeeded"))
    _finish(hook_runs, run, "Succeeded")
    assert run.trace is not None
    real = reduce(run.trace.events(), run.trace.statuses(), run.trace.router())
    target = f"examiner.{GATE_PROMOTE}"
    assert [m for _, _, m in real.events] == [
        f"New revision detected! Scaling up {target}",
        f"Starting canary analysis for {target}",
        f"Advance {target} canary weight 25",
        f"Advance {target} canary weight 50",
        f"Halt {target} advancement waiting for promotion approval confirm-promotion",
        "Confirm-promotion check confirm-promotion passed",
        f"Copying {target} template spec to examiner-primary.{GATE_PROMOTE}",
        f"Advance {target} primary weight 75",
        f"Advance {target} primary weight 100",
        f"Promotion completed! Scaling down {target}",
    ]
    assert phases(real.statuses) == ["Progressing", "WaitingPromotion", "Promoting", "Finalising", "Succeeded"]
    assert real.router == [0, 25, 50, 25, 0]
    assert_simulation_matches(GATE_PROMOTE, real, press="p")


def test_a_opens_the_loadtesters_rollback_gate_and_flagger_rolls_back(lab: LabInfo, hook_runs: HookRuns) -> None:
    run = hook_runs.wait_ready(GATE_ROLLBACK, WAIT_S)
    asyncio.run(_press(lab, run, "a", "Failed"))
    _finish(hook_runs, run, "Failed")
    assert run.trace is not None
    real = reduce(run.trace.events(), run.trace.statuses(), run.trace.router())
    target = f"examiner.{GATE_ROLLBACK}"
    events = [m for _, _, m in real.events]
    closed = "Rollback hook rollback not signaling a rollback"
    # While the gate is closed, every tick in Progressing and WaitingPromotion says so first.
    assert events[:4] == [
        f"New revision detected! Scaling up {target}",
        closed,
        f"Starting canary analysis for {target}",
        f"Advance {target} canary weight 25",
    ], events
    assert f"Halt {target} advancement waiting for promotion approval confirm-promotion" in events
    assert events[-3:] == [
        "Rollback check rollback passed",
        f"Rolling back {target} manual webhook invoked",
        f"Canary failed! Scaling down {target}",
    ]
    assert [t for t, _, m in real.events if m == "Rollback check rollback passed"] == ["Warning"]
    assert phases(real.statuses) == ["Progressing", "WaitingPromotion", "Failed"]
    assert real.router[-1] == 0 and 50 in real.router
    assert_simulation_matches(GATE_ROLLBACK, real, press="a")


def test_a_failing_pre_rollout_hook_fails_checks_at_weight_0_and_rolls_back(hook_runs: HookRuns) -> None:
    run = hook_runs.wait_done(PREFAIL, WAIT_S)
    assert run.trace is not None
    real = reduce(run.trace.events(), run.trace.statuses(), run.trace.router())
    target = f"examiner.{PREFAIL}"
    url = f"{hook_runs.loadtester}/"
    halt = f"Halt {target} advancement pre-rollout check smoke failed POST {url} giving up after 1 attempt(s)"
    assert real.events == [
        ("Normal", "Progressing", f"New revision detected! Scaling up {target}"),
        ("Normal", "Progressing", f"Starting canary analysis for {target}"),
        ("Warning", "Progressing", halt),
        ("Normal", "Progressing", f"Starting canary analysis for {target}"),
        ("Warning", "Progressing", halt),
        ("Warning", "Progressing", f"Rolling back {target} failed checks threshold reached 2"),
        ("Warning", "Failed", f"Canary failed! Scaling down {target}"),
    ]
    assert real.statuses == [
        ("Progressing", 0, 0),
        ("Progressing", 0, 1),
        ("Progressing", 0, 2),
        ("Failed", 0, 0),
    ]
    assert real.router == [0]
    assert_simulation_matches(PREFAIL, real)


def test_a_load_test_hook_sends_the_canarys_only_traffic_and_it_is_promoted(hook_runs: HookRuns) -> None:
    run = hook_runs.wait_done(LOAD, WAIT_S)
    assert run.trace is not None
    real = reduce(run.trace.events(), run.trace.statuses(), run.trace.router())
    target = f"examiner.{LOAD}"
    assert [m for _, _, m in real.events] == [
        f"New revision detected! Scaling up {target}",
        f"Starting canary analysis for {target}",
        "Pre-rollout check load-test passed",
        f"Advance {target} canary weight 25",
        f"Advance {target} canary weight 50",
        f"Copying {target} template spec to examiner-primary.{LOAD}",
        f"Advance {target} primary weight 75",
        f"Advance {target} primary weight 100",
        f"Promotion completed! Scaling down {target}",
    ]
    assert phases(real.statuses) == ["Progressing", "Promoting", "Finalising", "Succeeded"]
    assert real.router == [0, 25, 50, 25, 0]
    # The simulation runs the same curl loop as the load, through the Ingress by its host.
    assert_simulation_matches(LOAD, real)


def test_a_canary_that_never_becomes_ready_is_rolled_back_at_its_progress_deadline(hook_runs: HookRuns) -> None:
    run = hook_runs.wait_done(DEADLINE, WAIT_S)
    assert run.trace is not None
    target = f"examiner.{DEADLINE}"
    events: list[Any] = [(p.event_type, p.message) for p in run.trace.events()]
    start = next(i for i, e in enumerate(events) if e[1].startswith("New revision detected!"))
    events = events[start:]
    not_ready = f"canary deployment {target} not ready: waiting for rollout to finish: "
    waiting = [m for t, m in events if m.startswith(not_ready)]
    assert events[0] == ("Normal", f"New revision detected! Scaling up {target}")
    assert events[-1] == ("Warning", f"Canary failed! Scaling down {target}")
    # Every tick in between only says the canary is not ready; the last one is past the deadline and rolls back.
    assert len(waiting) == len(events) - 2 and len(waiting) >= 5, events
    assert events[-2] == ("Warning", f"{not_ready}0 of 1 (readyThreshold 100%) updated replicas are available")
    assert not any("progress deadline" in m or "failed checks threshold" in m for _, m in events)
    statuses = run.trace.statuses()
    assert phases(statuses[next(i for i, s in enumerate(statuses) if s[0] == "Progressing") :]) == [
        "Progressing",
        "Failed",
    ]
    assert statuses[-1] == ("Failed", 0, 0)
    # The simulation decides the same, tick for tick: one readiness warning per tick until the tick whose `now` is
    # past the condition's whole second plus the deadline (progressDeadlineSeconds 95 at 10 s: ten of them).
    assert len(waiting) == 10
    real = reduce(run.trace.events(), statuses, run.trace.router(), readiness=True)
    assert_simulation_matches(DEADLINE, real, readiness=True)
