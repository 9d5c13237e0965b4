"""Over generated states, every claim the narration makes about a value and its threshold is Flagger's comparison."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from tui.domain.flagger import messages as msg
from tui.domain.flagger.checks import duration_fails, success_rate_fails
from tui.domain.model import Analysis, CanaryInfo, CanaryKey, FlaggerEvent, MetricSample, RouterInfo
from tui.domain.narration import narration
from tui.domain.observations import (
    CanaryObserved,
    ClockTick,
    EventObserved,
    MetricsObserved,
    Observation,
    RouterObserved,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState

KEY = CanaryKey("apps", "examiner")
T0 = 1_000.0
INTERVAL = 30.0
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RATE_CLAIM = re.compile(r"success rate (\d+\.\d\d) % (meets|is below|is above) (\d+(?:\.\d+)?) %")
LATENCY_CLAIM = re.compile(r"p99 latency (\S+) is (above|within|below) (\S+?)[,;.)]? ")
CHECK_NAMES = ("success rate", "p99 latency", "no traffic", "webhook check", "rollout check")


@dataclass(frozen=True)
class Case:
    state: AppState
    sample: MetricSample | None
    halted_now: bool
    rate_min: float | None
    latency_max: float | None


def go_ms(text: str) -> float:
    """Milliseconds of a Go duration as Flagger prints them (500ms, 1.2s, 1m2s)."""
    total = 0.0
    for number, unit in re.findall(r"([\d.]+)(ms|s|m|h)", text):
        total += float(number) * {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000}[unit]
    return total


@st.composite
def cases(draw: st.DrawFn) -> Case:
    rate_min = draw(st.sampled_from([None, 90.0, 95.5, 99.0, 99.9]))
    latency_max = draw(st.sampled_from([None, 250.0, 500.0]))
    threshold = draw(st.integers(1, 5))
    weight = draw(st.sampled_from([0, 10, 20, 30, 40, 50]))
    failed = draw(st.integers(0, threshold))
    phase = draw(st.sampled_from(["Progressing", "WaitingPromotion"]))
    info = CanaryInfo(
        key=KEY,
        target="examiner",
        analysis=Analysis(
            interval_s=INTERVAL,
            threshold=threshold,
            max_weight=50,
            step_weight=10,
            success_rate_min=rate_min,
            duration_max_ms=latency_max,
            metric_interval_s=INTERVAL,
        ),
        phase=phase,
        canary_weight=0 if phase == "WaitingPromotion" else weight,
        failed_checks=failed,
        last_transition_time=T0,
    )
    observations: list[Observation] = [
        CanaryObserved(info, T0),
        RouterObserved(RouterInfo("apps", "examiner", "TrafficSplit", "v1alpha1", 100 - weight, weight)),
    ]
    # The halt, if any, came at the latest tick (T0) or at an earlier one.
    halt_at = draw(st.sampled_from([None, T0, T0 - INTERVAL, T0 - 3 * INTERVAL]))
    if halt_at is not None:
        # Halts as Flagger writes them: only for a value that fails its bound, printed rounded.
        bound = draw(st.sampled_from([90.0, 99.0, 99.5]))
        low = draw(st.floats(0, bound, exclude_max=True, allow_nan=False))
        high = draw(st.floats(bound, 100, exclude_min=True, allow_nan=False))
        message = draw(
            st.sampled_from(
                [
                    msg.success_rate_below("examiner.apps", low, bound),
                    msg.success_rate_above("examiner.apps", high, bound),
                    msg.duration_above("examiner.apps", 501 + high * 20, 500),
                    msg.no_values_success_rate("linkerd", "examiner.apps"),
                    "Halt examiner.apps advancement external check load-test failed 500 Internal Server Error",
                ]
            )
        )
        observations.append(EventObserved(FlaggerEvent(halt_at, "apps", "examiner", "Warning", message)))
    sample = None
    if draw(st.booleans()):
        rate = draw(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)))
        p99 = draw(st.one_of(st.none(), st.floats(1, 3_000, allow_nan=False)))
        sample_at = T0 + draw(st.sampled_from([-5.0, 1.0, 5.0, 20.0]))
        sample = MetricSample("apps", "examiner", sample_at, rate, None if rate is None else 2.0, p99)
        observations.append(MetricsObserved((sample,)))
    now = T0 + draw(st.integers(0, int(INTERVAL) - 1)) + 25.0 * (sample is not None and sample.t > T0)
    observations.append(ClockTick(now))
    state = reduce_all(AppState(), observations)
    return Case(state, sample, halt_at == T0 and failed > 0, rate_min, latency_max)


def forms_of(case: Case) -> tuple[str, ...]:
    return narration(case.state).forms + narration(case.state, read_only=True).forms


@PROPERTY
@given(cases())
def test_a_value_is_said_to_meet_its_threshold_only_when_flagger_would_pass_it(case: Case) -> None:
    for form in forms_of(case):
        for value, verb, bound in RATE_CLAIM.findall(form):
            if verb == "meets":
                assert float(value) >= float(bound), form
            elif verb == "is below":
                assert float(value) < float(bound), form
            else:
                assert float(value) > float(bound), form
        for value, verb, bound in LATENCY_CLAIM.findall(form + " "):
            if verb == "above":
                assert go_ms(value) > go_ms(bound), form
            elif verb == "within":
                assert go_ms(value) <= go_ms(bound), form
        if " meets " in form or " is within " in form:
            # Only the latest sample is ever said to pass, and only when Flagger's comparison passes it.
            sample = case.sample
            assert sample is not None, form
            if sample.success_rate is not None and case.rate_min is not None:
                assert not success_rate_fails(sample.success_rate, case.rate_min), form
            if sample.p99_ms is not None:
                assert not duration_fails(sample.p99_ms, case.latency_max), form


@PROPERTY
@given(cases())
def test_a_failed_check_is_named_and_no_step_is_promised_right_after_it(case: Case) -> None:
    for form in forms_of(case):
        if case.halted_now:
            assert any(name in form for name in CHECK_NAMES), form
            assert "next step" not in form and "promotion follows" not in form, form
        if "is below" in form or "is above" in form or "no requests" in form or "no traffic" in form:
            assert "next step" not in form and "promotion follows" not in form, form


@PROPERTY
@given(cases(), st.integers(1, 160))
def test_the_line_is_one_line_that_fits_and_keeps_the_claim(case: Case, width: int) -> None:
    sentence = narration(case.state)
    line = sentence.fitted(width)
    assert "\n" not in line
    assert cell_len(line) <= width
    if line.endswith("…") and width > sentence.keep:
        assert line.startswith(sentence.forms[-1][: sentence.keep]), (line, sentence)
