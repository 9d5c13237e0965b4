"""Each check as the analysis view lists it, the failed checks Flagger's messages name, and the builtin queries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.analysis_states import (
    KEY,
    NOW,
    OBJ,
    TEMPLATE,
    builtin_canary,
    canary_state,
    custom_canary,
    halt,
    halted_custom_observations,
    release_start,
    state_of,
    succeeded_builtin_observations,
)
from tui.domain.analysis_checks import VALUES_SHOWN, analysis_checks
from tui.domain.check_failures import HOOK, counts_by_check, counts_text, read_failure
from tui.domain.flagger import messages
from tui.domain.flagger.builtin_query import TEMPLATES, builtin_query
from tui.domain.flagger.query_template import TemplateModel
from tui.domain.model import Check, CheckKind, CheckSample, FlaggerEvent, MetricTemplateInfo
from tui.domain.observations import CheckValueObserved, MetricTemplateObserved


def entries(state):  # type: ignore[no-untyped-def]
    view = state.selected_view
    assert view is not None
    return {entry.check.name: entry for entry in analysis_checks(state, view)}


def test_a_custom_check_shows_its_source_range_query_values_and_failures() -> None:
    listed = entries(state_of(halted_custom_observations()))
    error_rate = listed["error-rate"]
    assert error_rate.source == "templateRef test/error-rate (prometheus)"
    assert error_rate.range == "max 1"
    assert error_rate.query.startswith('sum(rate(http_requests_total{namespace="test", pod=~"podinfo-')
    assert "{{" not in error_rate.query and error_rate.query_note == "as last sent"
    assert [(v.text, v.fails) for v in error_rate.values] == [
        ("0.42", False),
        ("0.61", False),
        ("0.93", False),
        ("1.12", True),
        ("1.30", True),
    ]
    assert error_rate.failures == 2
    latency = listed["latency"]
    assert latency.source == "inline query" and latency.failures == 0
    assert latency.query_note == "inline query, rendered"


def test_without_samples_there_are_no_values_and_the_template_query_is_rendered() -> None:
    state = canary_state(custom_canary(), [*release_start()], extra=[MetricTemplateObserved(TEMPLATE)])
    error_rate = entries(state)["error-rate"]
    assert error_rate.values == ()
    assert error_rate.query_note == "MetricTemplate test/error-rate, rendered"
    assert 'namespace="test"' in error_rate.query and "[1m]" in error_rate.query


def test_a_missing_template_a_foreign_provider_and_a_bad_template_each_say_so() -> None:
    missing = entries(canary_state(custom_canary(), []))["error-rate"]
    assert (missing.query, missing.query_note) == ("", "MetricTemplate test/error-rate not found")
    datadog = MetricTemplateInfo("test", "error-rate", "datadog", None, "avg:errors{*}")
    foreign = entries(canary_state(custom_canary(), [], extra=[MetricTemplateObserved(datadog)]))["error-rate"]
    assert foreign.query == "avg:errors{*}"
    assert foreign.query_note == "datadog provider: not queried by canaryscope"
    assert foreign.source == "templateRef test/error-rate (datadog)"
    bad = replace(TEMPLATE, query="sum(x{ns={{ variables.missing }}})")
    broken = entries(canary_state(custom_canary(), [], extra=[MetricTemplateObserved(bad)]))["error-rate"]
    assert broken.query == "sum(x{ns={{ variables.missing }}})"
    assert 'map has no entry for key "missing"' in broken.query_note


def test_an_errored_sample_shows_its_error_and_no_verdict() -> None:
    sample = CheckSample(NOW - 5, None, "no values found", "q")
    state = canary_state(custom_canary(), [*release_start()], extra=[CheckValueObserved(KEY, "latency", sample)])
    latency = entries(state)["latency"]
    assert [(v.text, v.fails) for v in latency.values] == [("no values found", None)]
    assert latency.query == "q"


def test_values_are_bounded_and_from_the_current_release() -> None:
    samples = [CheckValueObserved(KEY, "latency", CheckSample(NOW - 290 + i, 0.1 + i / 100, None)) for i in range(40)]
    state = canary_state(custom_canary(), [*release_start(NOW - 270)], extra=samples)
    values = entries(state)["latency"].values
    assert len(values) == VALUES_SHOWN
    assert all(v.at >= NOW - 270 for v in values) and values[-1].text == "0.49"


def test_builtin_checks_show_flaggers_query_for_the_provider_and_the_metric_series() -> None:
    listed = entries(state_of(succeeded_builtin_observations()))
    success = listed["request-success-rate"]
    assert success.source == "builtin istio" and success.range == "min 99%"
    assert success.query.startswith('sum(rate(istio_requests_total{reporter="destination", ')
    assert 'destination_workload=~"podinfo"' in success.query and "[1m]" in success.query
    assert success.values and all(v.text.endswith("%") and v.fails is False for v in success.values)
    # One value per analysis interval (30 s), although the series has one every 10 s.
    assert all(b.at - a.at >= 30 for a, b in zip(success.values, success.values[1:], strict=False))
    duration = listed["request-duration"]
    assert duration.range == "max 500ms" and "[30s]" in duration.query
    assert all(v.text.endswith("ms") for v in duration.values)


def test_a_builtin_check_with_the_provider_unknown_says_why_there_is_no_query() -> None:
    canary = builtin_canary()
    del canary["spec"]["provider"]
    success = entries(canary_state(canary, []))["request-success-rate"]
    assert success.query == "" and "provider is unknown" in success.query_note
    assert success.values == ()


def test_a_check_with_min_above_max_shows_the_problem_as_its_range() -> None:
    canary = custom_canary()
    canary["spec"]["analysis"]["metrics"][1]["thresholdRange"] = {"min": 2, "max": 1}
    latency = entries(canary_state(canary, []))["latency"]
    assert latency.range.startswith("thresholdRange min 2 is above max 1")


# --- failed checks read back from Flagger's messages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "check", "text"),
    [
        (messages.metric_halt(OBJ, "error-rate", 1.3, ">", 1), "error-rate", "error-rate 1.30 > 1 (max 1)"),
        (messages.metric_halt(OBJ, "latency", 0.1, "<", 0.2), "latency", "latency 0.10 < 0.2 (min 0.2)"),
        (
            messages.success_rate_below(OBJ, 91.6, 99),
            "request-success-rate",
            "request-success-rate 91.60% < 99% (min 99%)",
        ),
        (messages.duration_above(OBJ, 1200, 500), "request-duration", "request-duration 1.2s > 500ms (max 500ms)"),
        ("Halt advancement no values found for custom metric: error-rate: no values found", "error-rate", None),
        ("Halt advancement no values found for metric: latency", "latency", "latency: no values found"),
        (messages.no_values_duration("linkerd", OBJ), "request-duration", "request-duration: no values found"),
        ("Prometheus query failed for latency: x", "latency", "latency: query failed: x"),
        (
            "Metric template error-rate.test provider prometheus error: bad",
            "error-rate",
            "error-rate: query failed: bad",
        ),
        (
            "Halt podinfo.test advancement external check load-test failed 500",
            "load-test",
            "rollout hook load-test failed: 500",
        ),
    ],
)
def test_a_failed_check_message_names_its_check(message: str, check: str, text: str | None) -> None:
    failure = read_failure(message)
    assert failure is not None and failure.check == check
    if text is not None:
        assert failure.text() == text


def test_a_failure_s_range_is_the_check_s_own_when_known() -> None:
    failure = read_failure(messages.metric_halt(OBJ, "error-rate", 1.3, ">", 1))
    check = Check("error-rate", CheckKind.TEMPLATE, min=0.1, max=1)
    assert failure is not None and failure.text(check) == "error-rate 1.30 > 1 (0.1–1)"


def test_messages_that_are_no_failed_check_name_none() -> None:
    for message in (
        messages.advance_canary(OBJ, 20),
        messages.promotion_waiting(OBJ, "gate"),
        messages.threshold_reached(OBJ, 5),
        "Metric query failed for no usable metrics template and query were configured",
        "Prometheus query failed: connection refused",  # a builtin check, unnamed
    ):
        assert read_failure(message) is None, message


def test_a_hook_failure_keeps_its_label_and_error() -> None:
    failure = read_failure("Halt podinfo.test advancement pre-rollout check smoke failed POST x giving up")
    assert failure is not None
    assert (failure.what, failure.hook_label, failure.detail) == (HOOK, "pre-rollout hook", "POST x giving up")


def test_counts_put_the_most_first_and_ties_in_order_of_first_failure() -> None:
    names = ["latency", "error-rate", "error-rate", "slo", "latency", "error-rate"]
    found = []
    for i, name in enumerate(names):
        message = messages.metric_halt(OBJ, name, 2.0, ">", 1)
        found.append((FlaggerEvent(float(i), "test", "podinfo", "Warning", message), read_failure(message)))
    counts = counts_by_check(found)  # type: ignore[arg-type]
    assert counts_text(counts) == "error-rate 3, latency 2, slo 1"


def test_halts_are_counted_per_check_in_the_view() -> None:
    events = [
        *release_start(),
        halt(NOW - 85, messages.metric_halt(OBJ, "latency", 0.95, ">", 0.8)),
        halt(NOW - 55, messages.metric_halt(OBJ, "error-rate", 1.2, ">", 1)),
        halt(NOW - 25, messages.metric_halt(OBJ, "error-rate", 1.3, ">", 1)),
    ]
    listed = entries(canary_state(custom_canary(threshold=5), events, failed=3))
    assert (listed["error-rate"].failures, listed["latency"].failures) == (2, 1)


# --- builtin queries -----------------------------------------------------------------------------------------

MODEL = TemplateModel.for_canary(name="podinfo", namespace="test", target="podinfo", interval="1m")


@pytest.mark.parametrize("family", sorted(TEMPLATES))
def test_every_family_renders_both_builtin_queries_completely(family: str) -> None:
    for check in ("request-success-rate", "request-duration"):
        query = builtin_query(family, check, MODEL)
        assert query is not None and "{{" not in query and "[1m]" in query, (family, check)
        assert query.count("(") == query.count(")") and query.count("{") == query.count("}"), (family, check)


def test_builtin_queries_match_flaggers_selectors() -> None:
    linkerd = builtin_query("linkerd", "request-success-rate", MODEL)
    assert linkerd == (
        'sum(rate(response_total{namespace="test", deployment=~"podinfo", direction="inbound", '
        'classification!="failure"}[1m])) / sum(rate(response_total{namespace="test", deployment=~"podinfo", '
        'direction="inbound"}[1m])) * 100'
    )
    nginx = builtin_query("nginx", "request-duration", replace(MODEL, ingress="web"))
    assert nginx is not None and 'ingress="web"' in nginx and nginx.endswith("* 1000")
    skipper = builtin_query("skipper", "request-success-rate", replace(MODEL, namespace="my-ns"))
    assert skipper is not None and 'route=~"kube(ew)?_my_ns__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"' in skipper
    assert builtin_query("linkerd", "error-rate", MODEL) is None
    assert builtin_query(None, "request-duration", MODEL) is None
