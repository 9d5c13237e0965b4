"""The narration line says what Flagger is doing and why, for every phase and halt reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.simkit import EXAMINER, run_until, simulation
from tui.model import Analysis, CanaryInfo, CanaryKey, FlaggerEvent, MetricSample, RouterInfo
from tui.narration import narrate
from tui.observations import CanaryObserved, ClockTick, EventObserved, MetricsObserved, RouterObserved
from tui.reducer import reduce_all
from tui.state import AppState

KEY = CanaryKey("apps", "examiner")
INFO = CanaryInfo(
    key=KEY,
    target="examiner",
    analysis=Analysis(
        interval_s=30, threshold=2, max_weight=50, step_weight=10, success_rate_min=99, duration_max_ms=500
    ),
)


def state_for(
    phase: str,
    *,
    weight: int = 0,
    router: int | None = None,
    failed: int = 0,
    halt: str | None = None,
    suspend: bool = False,
    canary_rate: float | None = None,
) -> AppState:
    observations = [
        CanaryObserved(
            replace(
                INFO,
                phase=phase,
                canary_weight=weight,
                failed_checks=failed,
                suspend=suspend,
                last_transition_time=100.0,
            ),
            100.0,
        ),
        ClockTick(112.0),
    ]
    if router is not None:
        observations.append(
            RouterObserved(RouterInfo("apps", "examiner", "TrafficSplit", "v1alpha1", 100 - router, router))
        )
    if halt is not None:
        observations.append(EventObserved(FlaggerEvent(100.0, "apps", "examiner", "Warning", halt)))
    if canary_rate is not None:
        observations.append(MetricsObserved((MetricSample("apps", "examiner", 110.0, canary_rate, 2.5, 240.0),)))
    return reduce_all(AppState(), observations)


def test_the_issue_s_own_example() -> None:
    state = state_for(
        "Progressing", weight=20, router=20, failed=1, halt="Halt examiner.apps advancement success rate 91.60% < 99%"
    )
    assert narrate(state) == (
        "Canary at 20 %: success rate 91.60 % is below 99 %, failed check 1 of 2 — one more and Flagger rolls back."
    )


@pytest.mark.parametrize(
    ("halt", "failed", "expected"),
    [
        (
            "Halt examiner.apps advancement request duration 1.2s > 500ms",
            1,
            "Canary at 10 %: p99 latency 1.2s is above 500ms, failed check 1 of 2 — one more and Flagger rolls back.",
        ),
        (
            "Halt advancement no values found for linkerd metric request-success-rate probably examiner.apps is not "
            "receiving traffic: running query failed: no values found",
            2,
            "Canary at 10 %: no traffic reached the canary (Flagger found no metric values), failed check 2 of 2 — "
            "Flagger rolls back at its next tick in 18s.",
        ),
        (
            "Halt examiner.apps advancement external check load-test failed 500 Internal Server Error",
            1,
            "Canary at 10 %: the load-test webhook check failed, failed check 1 of 2 — "
            "one more and Flagger rolls back.",
        ),
    ],
)
def test_halt_reasons(halt: str, failed: int, expected: str) -> None:
    assert narrate(state_for("Progressing", weight=10, router=10, failed=failed, halt=halt)) == expected


@pytest.mark.parametrize(
    ("phase", "kwargs", "expected"),
    [
        ("Initializing", {}, "Flagger is creating examiner-primary and taking over the traffic for examiner."),
        (
            "Initialized",
            {},
            "examiner-primary serves all traffic. A change to examiner's pod template starts a canary "
            "analysis (press r).",
        ),
        (
            "Waiting",
            {},
            "A new revision of examiner waits for approval before the analysis starts (confirm-rollout gate).",
        ),
        (
            "Progressing",
            {"router": 0},
            "New revision detected: Flagger has scaled up examiner and starts the analysis at its next tick in 18s.",
        ),
        (
            "Progressing",
            {"weight": 20, "router": 20, "canary_rate": 100.0},
            "Canary at 20 %: success rate 100.00 % meets 99 % now; next step to 30 % in 18s if it holds.",
        ),
        (
            "Progressing",
            {"weight": 50, "router": 50},
            "Canary at 50 %: promotion follows at the next tick in 18s if the checks pass.",
        ),
        (
            "WaitingPromotion",
            {"router": 50},
            "Canary at 50 % passed its checks and waits for promotion approval: "
            "press p. Flagger reports weight 0 meanwhile, but traffic still flows.",
        ),
        (
            "Promoting",
            {"weight": 33, "router": 33},
            "Analysis passed: the new version is copied to examiner-primary "
            "and traffic moves back to it (primary at 67 %).",
        ),
        (
            "Finalising",
            {"router": 0},
            "All traffic is back on examiner-primary; Flagger scales examiner down at its next tick in 18s.",
        ),
        ("Succeeded", {"router": 0}, "Promoted: examiner-primary now runs the new version."),
        (
            "Progressing",
            {"weight": 20, "router": 20, "suspend": True},
            "Suspended: Flagger skips examiner every tick and traffic stays at 80/20 (press s to resume).",
        ),
    ],
)
def test_every_phase(phase: str, kwargs: dict, expected: str) -> None:
    assert narrate(state_for(phase, **kwargs)) == expected


def test_a_rollback_is_explained_with_the_checks_that_caused_it() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=True)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    state = reduce_all(AppState(), sim.drain())
    text = narrate(state)
    assert text.startswith("Rolled back after 2 failed checks (success rate ")
    assert text.endswith("% is below 99 %): examiner-primary keeps serving the previous version.")


def test_nothing_in_scope() -> None:
    assert narrate(AppState()) == "No canary in scope yet."
