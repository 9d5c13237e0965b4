"""Flagger's wording: Go formatting, message builders and the classifier that reads messages back."""

from __future__ import annotations

import pytest

from tui.domain.flagger import messages as msg
from tui.domain.flagger.gofmt import go_duration_ms, go_float, parse_go_duration_ms
from tui.domain.flagger.weights import ladder, max_weight, next_step, step_position


@pytest.mark.parametrize(
    ("value", "text"), [(99.0, "99"), (99.5, "99.5"), (0.0, "0"), (500.0, "500"), (1e21, "1e+21"), (0.1, "0.1")]
)
def test_go_float(value: float, text: str) -> None:
    assert go_float(value) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0s"),
        (500, "500ms"),
        (999, "999ms"),
        (1000, "1s"),
        (1200, "1.2s"),
        (2450, "2.45s"),
        (60_000, "1m0s"),
        (61_500, "1m1.5s"),
        (3_600_000, "1h0m0s"),
    ],
)
def test_go_duration(ms: int, text: str) -> None:
    assert go_duration_ms(ms) == text
    assert parse_go_duration_ms(text) == pytest.approx(ms)


def test_parse_go_duration_rejects_garbage() -> None:
    assert parse_go_duration_ms("fast") is None
    assert parse_go_duration_ms("") is None
    assert parse_go_duration_ms("12parsecs") is None


def test_metric_halt_wording() -> None:
    assert (
        msg.success_rate_below("examiner.apps", 91.6, 99) == "Halt examiner.apps advancement success rate 91.60% < 99%"
    )
    assert (
        msg.duration_above("examiner.apps", 1200, 500) == "Halt examiner.apps advancement request duration 1.2s > 500ms"
    )


@pytest.mark.parametrize(
    ("message", "kind", "obj", "values"),
    [
        ("Advance examiner.apps canary weight 10", "canary-weight", "examiner.apps", {"weight": "10"}),
        ("Advance examiner.apps primary weight 67", "primary-weight", "examiner.apps", {"weight": "67"}),
        (
            "Halt examiner.apps advancement success rate 91.60% < 99%",
            "success-rate-halt",
            "examiner.apps",
            {"value": "91.60", "op": "<", "bound": "99"},
        ),
        (
            "Halt examiner.apps advancement request duration 1.2s > 500ms",
            "duration-halt",
            "examiner.apps",
            {"value": "1.2s", "op": ">", "bound": "500ms"},
        ),
        (
            "Rolling back examiner.apps failed checks threshold reached 2",
            "threshold-rollback",
            "examiner.apps",
            {"n": "2"},
        ),
        (
            "(combined from similar events): Rolling back podinfo.test failed checks threshold reached 5",
            "threshold-rollback",
            "podinfo.test",
            {"n": "5"},
        ),
        ("New revision detected! Scaling up examiner.apps", "new-revision", "examiner.apps", {}),
        (
            "Halt examiner.apps advancement waiting for promotion approval gate",
            "promotion-halt",
            "examiner.apps",
            {"hook": "gate"},
        ),
        (
            "canary deployment examiner.apps not ready: waiting for rollout to finish: 0 of 1 (readyThreshold 100%) "
            "updated replicas are available",
            "canary-not-ready",
            "examiner.apps",
            {"reason": "waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available"},
        ),
        ("something Flagger never says", "other", None, {}),
    ],
)
def test_classify(message: str, kind: str, obj: str | None, values: dict[str, str]) -> None:
    classified = msg.classify(message)
    assert classified.kind == kind
    assert classified.obj == obj
    assert classified.values == values


def test_split_dotted_uses_the_last_dot() -> None:
    assert msg.split_dotted("my.app.v2.apps") == ("my.app.v2", "apps")
    assert msg.split_dotted("nodot") is None


def test_weights_follow_flaggers_rules() -> None:
    assert ladder(10, [], 50) == [10, 20, 30, 40, 50]
    assert ladder(20, [], 50) == [20, 40, 60]
    assert ladder(None, [1, 2, 10, 80], None) == [1, 2, 10, 80]
    assert ladder(5, [1, 2, 30], 50) == [5, 10, 15, 20, 25, 30], "stepWeight wins for the step"
    assert ladder(5, [1, 2], 30) == [5], "stepWeights win for the max weight"
    assert max_weight(30, [1, 2, 10]) == 10, "stepWeights win for the max weight"
    assert max_weight(None, []) == 100
    assert next_step(100, None, [10, 50]) == 1
    assert next_step(33, None, [10, 50]) == 67
    assert step_position(20, [10, 20, 30]) == 2
    assert step_position(25, [10, 20, 30]) is None
    assert step_position(0, [10, 20]) == 0
