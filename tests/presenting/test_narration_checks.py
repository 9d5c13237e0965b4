"""Narration on a Canary whose checks are a MetricTemplate and an inline query: it names the check that halted,
never promises the next step after a halt, and never mentions a builtin check the Canary does not have."""

from __future__ import annotations

from tui.domain.flagger.messages import classify, metric_halt
from tui.domain.model import Analysis, CanaryInfo, FlaggerEvent, MetricSample, RouterInfo
from tui.domain.narration import halt_reason, narrate
from tui.domain.observations import CanaryObserved, ClockTick, EventObserved, MetricsObserved, RouterObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary

CUSTOM = {
    "metadata": {"namespace": "test", "name": "podinfo"},
    "spec": {
        "targetRef": {"name": "podinfo"},
        "analysis": {
            "interval": "30s",
            "threshold": 2,
            "maxWeight": 50,
            "stepWeight": 20,
            "metrics": [
                {"name": "error-rate", "templateRef": {"name": "error-rate"}, "thresholdRange": {"max": 1}},
                {"name": "latency", "query": "histogram_quantile(0.99, rate(x[1m]))", "thresholdRange": {"max": 0.8}},
            ],
        },
    },
}


def _state(halt: str | None, failed: int) -> AppState:
    info = parse_canary(CUSTOM)
    assert info is not None
    progressing = CanaryInfo(**{**info.__dict__, "phase": "Progressing", "canary_weight": 20, "failed_checks": failed})
    observations = [
        CanaryObserved(progressing, 100.0),
        ClockTick(112.0),
        RouterObserved(RouterInfo("test", "podinfo", "TrafficSplit", "v1alpha1", 80, 20)),
        # Samples of the builtin request metrics exist (the mesh exports them) but the Canary does not check them.
        MetricsObserved((MetricSample("test", "podinfo", 110.0, 98.7, 2.5, 240.0),)),
    ]
    if halt is not None:
        observations.append(EventObserved(FlaggerEvent(100.0, "test", "podinfo", "Warning", halt)))
    return reduce_all(AppState(), observations)


def test_flaggers_halt_on_a_custom_check_is_read_back() -> None:
    message = metric_halt("podinfo.test", "error-rate", 1.3, ">", 1)
    assert message == "Halt podinfo.test advancement error-rate 1.30 > 1"
    found = classify(message)
    assert (found.kind, found.values["check"], found.values["value"], found.values["bound"]) == (
        "metric-halt",
        "error-rate",
        "1.30",
        "1",
    )
    assert classify("Halt podinfo.test advancement request duration 1.2s > 500ms").kind == "duration-halt"
    assert classify("Halt podinfo.test advancement waiting for approval gate").kind == "approval-halt"


def test_the_halt_names_the_check_and_never_says_next_step() -> None:
    line = narrate(_state("Halt podinfo.test advancement error-rate 1.30 > 1", 1))
    assert line == "Canary at 20 %: error-rate 1.30 is above 1, failed check 1 of 2 — one more and Flagger rolls back."
    assert "next step" not in line


def test_a_check_below_its_minimum_and_a_custom_check_without_values() -> None:
    below = FlaggerEvent(0, "test", "podinfo", "Warning", "Halt podinfo.test advancement apdex 0.62 < 0.9")
    assert halt_reason(below) == "apdex 0.62 is below 0.9"
    empty = FlaggerEvent(
        0,
        "test",
        "podinfo",
        "Warning",
        "Halt advancement no values found for custom metric: error-rate: no values found",
    )
    assert halt_reason(empty) == "error-rate: no values found"


def test_an_inline_query_without_values_is_named_not_blamed_on_traffic() -> None:
    # Flagger's wording for an inline `query:` check differs from a templateRef's (scheduler_metrics.go:229).
    inline = FlaggerEvent(0, "test", "podinfo", "Warning", "Halt advancement no values found for metric: latency")
    assert halt_reason(inline) == "latency: no values found"
    builtin = FlaggerEvent(
        0,
        "test",
        "podinfo",
        "Warning",
        "Halt advancement no values found for linkerd metric request-success-rate probably podinfo.test is not "
        "receiving traffic",
    )
    assert halt_reason(builtin) == "no traffic reached the canary (Flagger found no metric values)"


def test_without_a_halt_no_builtin_check_the_canary_lacks_is_mentioned() -> None:
    line = narrate(_state(None, 0))
    assert "success rate" not in line and "p99" not in line and "99" not in line
    assert "next step to 40 %" in line


def test_builtin_fields_stay_empty_for_a_canary_with_custom_checks_only() -> None:
    info = parse_canary(CUSTOM)
    assert info is not None
    assert info.analysis == Analysis(**{**info.analysis.__dict__, "success_rate_min": None, "duration_max_ms": None})
    assert [c.name for c in info.analysis.checks] == ["error-rate", "latency"]
