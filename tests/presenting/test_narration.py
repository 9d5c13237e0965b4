"""The narration line says what Flagger is doing and why, for every phase and halt reason."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.simkit import EXAMINER, run_until, simulation
from tui.domain.model import Analysis, CanaryInfo, CanaryKey, DeploymentInfo, FlaggerEvent, MetricSample, RouterInfo
from tui.domain.narration import Narration, narrate, narration
from tui.domain.observations import (
    CanaryObserved,
    ClockTick,
    DeploymentObserved,
    EventObserved,
    MetricsObserved,
    RouterObserved,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState

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
            "Canary at 10 %: rollout check load-test failed 1 of 2; one more failure rolls back.",
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


# --- the narration tells the truth -------------------------------------------------------------------------

RATE = re.compile(r"success rate (\d+(?:\.\d+)?) % (meets|is below)")


def narrations_until(sim, done, state: AppState | None = None) -> tuple[AppState, list[tuple[AppState, str]]]:  # type: ignore[no-untyped-def]
    """Advance a second at a time until done(sim); every state and its sentence on the way."""
    state = reduce_all(state or AppState(), sim.drain())
    seen = []
    deadline = sim.now + 1800
    while not done(sim):
        assert sim.now < deadline, "the simulation never got there"
        sim.advance(1)
        state = reduce_all(state, sim.drain())
        seen.append((state, narrate(state)))
    return state, seen


def test_a_faulty_release_is_never_said_to_meet_its_threshold() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=True)
    _, seen = narrations_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    claims = [RATE.search(text) for _, text in seen]
    assert not [text for _, text in seen if " meets " in text]
    # Before Flagger's first check the sentence says what the next check will find, with two decimals.
    forecasts = [text for _, text in seen if "is below 99 % now, so the check at the next tick" in text]
    assert forecasts
    assert all(re.search(r"success rate \d+\.\d\d %", text) for text in forecasts)
    assert all(re.fullmatch(r"\d+\.\d\d", match.group(1)) for match in claims if match is not None)


def test_a_halt_quotes_the_value_flagger_compared_not_the_latest_sample() -> None:
    sim = simulation("seed")
    sim.release(EXAMINER, faulty=True)
    state, _ = narrations_until(sim, lambda s: any("Halt" in r.message for r in s.flagger.history))
    sim.advance(10)  # newer samples arrive; Flagger's value stays the one it halted on
    state = reduce_all(state, sim.drain())
    halt = state.selected_view.last_halt  # type: ignore[union-attr]
    compared = halt.message.split("success rate ")[1].split("%")[0]  # type: ignore[union-attr]
    assert narrate(state).startswith(f"Canary at 10 %: success rate {compared} % is below 99 %, failed check 1 of 2")
    assert "next step" not in narrate(state)


def test_a_second_revision_mid_analysis_announces_the_restart_and_the_restart_scales_nothing_up() -> None:
    sim = simulation("demo")
    sim.release(EXAMINER, faulty=False)
    state, _ = narrations_until(sim, lambda s: s.weights(EXAMINER) == (70, 30))
    sim.release(EXAMINER, faulty=False)
    state, seen = narrations_until(
        sim, lambda s: any("Restarting analysis" in r.message for r in s.flagger.history), state
    )
    before_restart = [text for _, text in seen[:-1]]
    assert before_restart and all(
        text.startswith("A newer revision of examiner was applied: Flagger restarts") for text in before_restart
    )
    assert not [text for text in before_restart if "next step" in text]
    after = seen[-1][1]
    assert after.startswith("Flagger restarted the analysis for a newer revision of examiner")
    assert "scaled up" not in after


def test_after_r_the_line_says_flagger_picks_the_revision_up_instead_of_press_r() -> None:
    sim = simulation("seed")
    state = reduce_all(AppState(), sim.drain())
    assert "(press r)" in narrate(state)
    sim.release(EXAMINER, faulty=False)
    state, seen = narrations_until(sim, lambda s: s.phase(EXAMINER) == "Progressing", state)
    waiting = [text for _, text in seen[:-1]]
    assert waiting and all(text.startswith("examiner's pod template changed: Flagger picks up") for text in waiting)
    assert narrate(state).startswith("New revision detected: Flagger has scaled up examiner")


def test_a_change_flagger_ignores_is_not_announced_past_its_next_tick() -> None:
    template = DeploymentInfo("apps", "examiner", template_hash="one")
    state = reduce_all(
        AppState(),
        [
            CanaryObserved(replace(INFO, phase="Succeeded", last_transition_time=100.0), 100.0),
            DeploymentObserved(template),
            ClockTick(105.0),
            # A revert to the promoted spec: Flagger leaves it alone, its ticks stay quiet.
            DeploymentObserved(replace(template, template_hash="two")),
        ],
    )
    assert "Flagger picks up the new revision at its next tick in 25s" in narrate(state)
    later = reduce_all(state, [ClockTick(100.0 + 30 + 15 + 1)])
    assert narrate(later) == "Promoted: examiner-primary now runs the new version."


def failed_state(halt: str | None, failed: int, *extra: str) -> AppState:
    observations: list = [
        CanaryObserved(replace(INFO, phase="Progressing", canary_weight=10, failed_checks=failed), 100.0)
    ]
    if halt is not None:
        observations.append(EventObserved(FlaggerEvent(100.0, "apps", "examiner", "Warning", halt)))
    for i, message in enumerate(extra):
        observations.append(EventObserved(FlaggerEvent(130.0 + i, "apps", "examiner", "Warning", message)))
    observations.append(CanaryObserved(replace(INFO, phase="Failed", canary_weight=0, failed_checks=0), 130.0))
    return reduce_all(AppState(), observations)


def test_a_rollback_after_one_failed_check_says_check_not_checks() -> None:
    state = failed_state(
        "Halt examiner.apps advancement success rate 97.3% < 99%",
        1,
        "Rolling back examiner.apps failed checks threshold reached 1",
        "Canary failed! Scaling down examiner.apps",
    )
    assert narrate(state) == (
        "Rolled back after 1 failed check (success rate 97.30 % is below 99 %): "
        "examiner-primary keeps serving the previous version."
    )


def test_an_abort_is_not_blamed_on_an_earlier_failed_check() -> None:
    state = failed_state(
        "Halt examiner.apps advancement success rate 97.30% < 99%",
        1,
        "Rollback check rollback passed",
        "Rolling back examiner.apps manual webhook invoked",
        "Canary failed! Scaling down examiner.apps",
    )
    assert narrate(state) == "Rolled back by the rollback webhook: examiner-primary keeps serving the previous version."


@pytest.mark.parametrize(
    ("phase", "kwargs"),
    [
        ("WaitingPromotion", {"router": 50}),
        ("Initialized", {}),
        ("Progressing", {"weight": 20, "router": 20, "suspend": True}),
    ],
)
def test_read_only_never_asks_for_a_key_press(phase: str, kwargs: dict) -> None:
    state = state_for(phase, **kwargs)
    assert "press" in narrate(state)
    assert not [form for form in narration(state, read_only=True).forms if "press" in form or "(s resumes)" in form]


def test_read_only_says_what_a_person_with_rights_would_do_to_promote() -> None:
    text = narrate(state_for("WaitingPromotion", router=50), read_only=True)
    assert text == (
        "Canary at 50 % passed its checks and waits for promotion approval (its confirm-promotion gate must be "
        "opened). Flagger reports weight 0 meanwhile, but traffic still flows."
    )


# --- one line, whole sentences ------------------------------------------------------------------------------


def test_the_line_takes_the_longest_form_that_fits() -> None:
    sentence = Narration(("a long sentence here.", "short one.", "tiny."))
    assert sentence.fitted(80) == "a long sentence here."
    assert sentence.fitted(12) == "short one."
    assert sentence.fitted(5) == "tiny."


def test_when_nothing_fits_the_shortest_form_ends_with_an_ellipsis_after_its_claim() -> None:
    state = state_for(
        "Progressing", weight=20, router=20, failed=1, halt="Halt examiner.apps advancement success rate 91.60% < 99%"
    )
    sentence = narration(state)
    assert sentence.forms[-1] == "20 %: success rate 91.60 % is below 99 % (1/2 failed)"
    assert sentence.fitted(46) == "20 %: success rate 91.60 % is below 99 % (1/2…"
    assert sentence.fitted(42) == "20 %: success rate 91.60 % is below 99 %…"


@pytest.mark.parametrize(
    ("phase", "kwargs"),
    [
        (
            "Progressing",
            {
                "weight": 20,
                "router": 20,
                "failed": 1,
                "halt": "Halt examiner.apps advancement success rate 91.60% < 99%",
            },
        ),
        ("Progressing", {"weight": 20, "router": 20, "canary_rate": 97.0}),
        ("WaitingPromotion", {"router": 50}),
        ("Progressing", {"router": 0}),
        ("Initialized", {}),
        ("Finalising", {"router": 0}),
    ],
)
def test_every_sentence_has_a_whole_form_for_an_80_column_terminal(phase: str, kwargs: dict) -> None:
    # 80 columns, less the prompt: the compact layout has no padding.
    line = narration(state_for(phase, **kwargs)).fitted(80 - 2)
    assert not line.endswith("…")
    assert line.endswith((".", ")"))


def test_the_form_chosen_holds_while_the_countdown_shrinks() -> None:
    halt = "Halt examiner.apps advancement success rate 91.60% < 99%"
    early = state_for("Progressing", weight=20, router=20, failed=2, halt=halt)  # next tick in 18s
    late = reduce_all(early, [ClockTick(125.0)])  # next tick in 5s: the sentence is a cell shorter
    width = len(narration(late).forms[0])
    assert narration(late).forms[0].endswith("in 5s.")
    assert narration(late).fitted(width) == narration(late).forms[1]
    assert narration(early).fitted(width) == narration(early).forms[1]
