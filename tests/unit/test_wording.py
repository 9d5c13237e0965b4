"""How durations, values and phases are worded: the edges (zero, unknown, negative, hours, days)."""

from __future__ import annotations

import pytest

from tui.domain import wording
from widgets.formatting import phase_label


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "?"),
        (0, "0s"),
        (-5, "0s"),  # a clock that ran backwards never reads negative
        (59.9, "59s"),
        (60, "1m00s"),
        (65, "1m05s"),
        (3599, "59m59s"),
        (3600, "1h00m"),
        (3600 + 180 + 59, "1h03m"),
        (86399, "23h59m"),
        (86400, "1d00h"),
        (3 * 86400 + 4 * 3600, "3d04h"),
    ],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert wording.duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (-1, "0s"), (59.4, "59s"), (59.6, "1m0s"), (125, "2m5s"), (3600, "1h0m0s"), (3725, "1h2m5s")],
)
def test_span_names_every_unit_down_to_seconds(seconds: float, text: str) -> None:
    assert wording.span(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "?"), (0, "0s"), (119, "119s"), (120, "2m"), (7199, "119m"), (7200, "2h"), (172799, "47h"), (172800, "2d")],
)
def test_age_as_kubectl_words_it(seconds: float | None, text: str) -> None:
    assert wording.age(seconds) == text


def test_clock_reads_the_time_of_day_and_survives_an_impossible_time() -> None:
    assert wording.clock(0) == "00:00:00"  # tests pin TZ=UTC
    assert wording.clock(3600 * 13 + 62) == "13:01:02"
    assert wording.clock(1e20) == "??:??:??"


def test_values_zero_and_unknown() -> None:
    assert (wording.number(0), wording.number(None)) == ("0", "?")
    assert (wording.weight(0), wording.weight(100), wording.weight(None)) == ("0%", "100%", "?%")
    assert (wording.percent(0.0), wording.percent(None), wording.percent(99.5, 0)) == ("0.00%", "?", "100%")
    assert (wording.rate(0.0), wording.rate(None), wording.rate(12.34)) == ("0.0/s", "?", "12.3/s")


@pytest.mark.parametrize(
    ("ms", "text"), [(None, "?"), (0, "0ms"), (250.4, "250ms"), (9999, "9999ms"), (10_000, "10.0s")]
)
def test_millis(ms: float | None, text: str) -> None:
    assert wording.millis(ms) == text


def test_failed_checks_count() -> None:
    assert [wording.checks(n) for n in (0, 1, 2)] == ["0 failed checks", "1 failed check", "2 failed checks"]


def test_values_in_sentences() -> None:
    assert wording.success_rate(0.0) == "0.00 %"
    assert wording.success_rate(87.366) == "87.37 %"
    assert wording.bound(99.0) == "99 %"
    assert wording.bound(99.5) == "99.5 %"
    assert wording.latency(250.9) == "250ms"  # Flagger compares whole milliseconds
    assert wording.latency(1500) == "1.5s"
    assert wording.latency(0) == "0s"


def test_a_failing_rate_never_rounds_up_onto_its_bound() -> None:
    assert wording.failing_rate(98.996, 99.0) == "98.99 %"
    assert wording.failing_rate(98.5, 99.0) == "98.50 %"
    assert wording.failing_rate(0.0, 0.001) == "0.00 %"


@pytest.mark.parametrize(
    ("phase", "short", "text"),
    [
        ("Progressing", False, "▶ Progressing"),
        ("WaitingPromotion", False, "◷ WaitingPromotion"),
        ("WaitingPromotion", True, "◷ WaitPromote"),
        ("Failed", True, "✖ Failed"),
        ("Unheard", False, "? Unheard"),
        (None, False, "? unknown"),
        ("", True, "? unknown"),
    ],
)
def test_phase_text_always_has_an_icon_and_a_name(phase: str | None, short: bool, text: str) -> None:
    assert wording.phase_text(phase, short=short) == text


def test_phase_label_pairs_the_words_with_a_colour() -> None:
    assert phase_label("Failed") == ("✖ Failed", "$error bold")
    assert phase_label("WaitingPromotion", short=True) == ("◷ WaitPromote", "$warning bold")
    assert phase_label("Unheard") == ("? Unheard", "$text")
    assert phase_label(None) == ("? unknown", "$text-muted")
