"""Random, partial and wrongly typed objects, log lines and webhook payloads, through the parsers, the reducer and
every panel: nothing raises, and whatever could not be read shows as `?`."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability import garbage
from tests.reliability.report import Report
from tui.domain.flagger.logger_stream import LoggerStreamParser
from tui.domain.flagger.messages import classify
from tui.domain.flagger.payload import EventPayload, PayloadError, decode
from tui.domain.model import (
    CanaryInfo,
    CanaryKey,
    DeploymentInfo,
    FlaggerEvent,
    Health,
    MetricSample,
    RouterInfo,
    SourceHealth,
)
from tui.domain.observations import (
    CanariesListed,
    CanaryDeleted,
    CanaryObserved,
    CanarySelected,
    ClockTick,
    DeploymentDeleted,
    DeploymentObserved,
    EventObserved,
    HealthObserved,
    MetricsObserved,
    Observation,
    RouterObserved,
    RoutersListed,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.events import EventTracker
from tui.kube.parse import parse_canary, parse_deployment, parse_router
from tui.screens.overview import row_for
from widgets.deployments_panel import DeploymentsPanel
from widgets.events_panel import LogColours, event_line
from widgets.metrics_panel import MetricsPanel
from widgets.status_panel import StatusPanel
from widgets.topbar import TopBar
from widgets.traffic_panel import TrafficPanel

SECTION = "Bad input"
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
examples: Counter[str] = Counter()


@contextmanager
def recorded(report: Report, key: str, fault: str, checked: str) -> Iterator[None]:
    """Count the examples of a property; a failing example is written down as a failure before it is raised."""
    examples[key] += 1
    try:
        yield
    except BaseException as exc:
        report.outcome(SECTION, key, fault, checked, f"failed: {exc.__class__.__name__}: {exc}"[:160], False)
        raise
    report.outcome(SECTION, key, fault, checked, f"{examples[key]} random inputs, none raised", True)


def finite_or_none(value: float | None) -> bool:
    return value is None or (isinstance(value, float | int) and math.isfinite(value))


def optional(value: Any, kind: type | tuple[type, ...]) -> bool:
    return value is None or (isinstance(value, kind) and not isinstance(value, bool))


def check_canary(info: CanaryInfo) -> None:
    assert isinstance(info.key.namespace, str) and isinstance(info.key.name, str) and isinstance(info.target, str)
    for value in (info.canary_weight, info.failed_checks, info.iterations, info.progress_deadline_s):
        assert optional(value, int)
    assert optional(info.phase, str)
    a = info.analysis
    for value in (a.threshold, a.max_weight, a.step_weight, a.step_weight_promotion, a.iterations):
        assert optional(value, int)
    for number in (a.interval_s, a.success_rate_min, a.duration_max_ms, a.metric_interval_s):
        assert finite_or_none(number), a
    assert all(isinstance(w, int) for w in a.step_weights)
    assert finite_or_none(info.last_transition_time) and finite_or_none(info.created)


def check_deployment(info: DeploymentInfo) -> None:
    for value in (info.desired, info.ready, info.updated, info.available):
        assert optional(value, int)
    for text in (info.image, info.echo_value, info.error_rate, info.release, info.template_hash):
        assert optional(text, str)


def check_router(info: RouterInfo) -> None:
    assert isinstance(info.kind, str) and isinstance(info.api_version, str)
    assert optional(info.primary_weight, int) and optional(info.canary_weight, int)
    assert optional(info.problem, str) and optional(info.family, str)
    assert all(isinstance(rule, str) and len(rule) <= 80 for rule in info.matches)


def check_event(event: FlaggerEvent) -> None:
    assert isinstance(event.message, str) and isinstance(event.namespace, str) and isinstance(event.name, str)
    assert event.type in ("Normal", "Warning") or isinstance(event.type, str)
    assert math.isfinite(event.t)


def check_payload(payload: EventPayload) -> None:
    assert isinstance(payload.name, str) and payload.name and isinstance(payload.message, str)
    assert isinstance(payload.timestamp_ms, int)


@FAST
@given(garbage.canaries)
def test_canaries_of_any_shape_parse_or_are_skipped(report: Report, obj: Any) -> None:
    with recorded(report, "parse-canary", "random, partial and wrongly typed Canary objects", "parse_canary"):
        info = parse_canary(obj)
        if info is not None:
            check_canary(info)


@FAST
@given(garbage.deployments)
def test_deployments_of_any_shape_parse_or_are_skipped(report: Report, obj: Any) -> None:
    with recorded(report, "parse-deployment", "random, partial and wrongly typed Deployments", "parse_deployment"):
        info = parse_deployment(obj)
        if info is not None:
            check_deployment(info)


@FAST
@given(garbage.routers)
def test_traffic_splits_and_httproutes_of_any_shape_parse_or_are_skipped(report: Report, obj: Any) -> None:
    with recorded(
        report, "parse-router", "random, partial and wrongly typed router objects of every provider", "parse_router"
    ):
        info = parse_router(obj)
        if info is not None:
            check_router(info)


@FAST
@given(st.lists(garbage.events, max_size=6))
def test_kubernetes_events_of_any_shape_never_raise(report: Report, items: list[Any]) -> None:
    with recorded(
        report, "parse-events", "random, partial and wrongly typed core/v1 Events", "EventTracker.occurrences"
    ):
        tracker = EventTracker()
        for item in items:
            if isinstance(item, dict):
                for event in tracker.occurrences(item):
                    check_event(event)


@FAST
@given(st.lists(garbage.log_lines, max_size=12))
def test_logger_lines_of_any_shape_never_raise(report: Report, lines: list[str]) -> None:
    with recorded(
        report,
        "parse-logger",
        "random log lines, broken and wrongly typed webhook payloads",
        "LoggerStreamParser.feed_line",
    ):
        parser = LoggerStreamParser()
        for line in lines:
            for payload in parser.feed_line(line):
                check_payload(payload)


@FAST
@given(garbage.payloads)
def test_webhook_payloads_decode_or_are_refused_with_a_reason(report: Report, document: Any) -> None:
    with recorded(
        report,
        "parse-payload",
        "broken webhook payloads (any JSON)",
        "payload.decode: an EventPayload or PayloadError, nothing else",
    ):
        try:
            check_payload(decode(document))
        except PayloadError as exc:
            assert str(exc)


@FAST
@given(st.one_of(st.text(max_size=200), garbage.payloads.map(lambda p: json.dumps(p, allow_nan=True))))
def test_any_message_classifies(report: Report, message: str) -> None:
    with recorded(report, "classify", "random event messages", "messages.classify"):
        kind = classify(message)
        assert isinstance(kind.kind, str)


# --- the reducer and the panels ------------------------------------------------------------------------------


def _events_from(items: list[Any], lines: list[str]) -> list[FlaggerEvent]:
    tracker = EventTracker()
    out = [e for item in items if isinstance(item, dict) for e in tracker.occurrences(item)]
    parser = LoggerStreamParser()
    for line in lines:
        for p in parser.feed_line(line):
            out.append(FlaggerEvent(p.timestamp_ms / 1000, p.namespace, p.name, p.event_type, p.message, p.phase))
    return out


maybe_number = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
times = st.floats(min_value=1.7e9, max_value=1.8e9)


@st.composite
def observations(draw: st.DrawFn) -> list[Observation]:
    out: list[Observation] = []
    makers: list[Callable[[], list[Observation]]] = [
        lambda: [CanaryObserved(i, draw(times))] if (i := parse_canary(draw(garbage.canaries))) else [],
        lambda: [
            CanariesListed(
                tuple(filter(None, map(parse_canary, draw(st.lists(garbage.canaries, max_size=3))))),
                draw(st.sampled_from([None, "test"])),
                draw(times),
            )
        ],
        lambda: [DeploymentObserved(d)] if (d := parse_deployment(draw(garbage.deployments))) else [],
        lambda: [RouterObserved(r)] if (r := parse_router(draw(garbage.routers))) else [],
        lambda: [
            RoutersListed(
                tuple(filter(None, map(parse_router, draw(st.lists(garbage.routers, max_size=2))))),
                "test",
                draw(st.sampled_from([None, "TrafficSplit", "HTTPRoute"])),
            )
        ],
        lambda: [
            EventObserved(e)
            for e in _events_from(
                draw(st.lists(garbage.events, max_size=3)), draw(st.lists(garbage.log_lines, max_size=4))
            )
        ],
        lambda: [
            MetricsObserved(
                tuple(
                    MetricSample(
                        "test",
                        draw(st.sampled_from(["examiner", "examiner-primary", "x"])),
                        draw(times),
                        draw(maybe_number),
                        draw(maybe_number),
                        draw(maybe_number),
                    )
                    for _ in range(draw(st.integers(0, 3)))
                )
            )
        ],
        lambda: [ClockTick(draw(times))],
        lambda: [CanaryDeleted(CanaryKey("test", "examiner"), draw(times))],
        lambda: [DeploymentDeleted("test", draw(st.sampled_from(["examiner", "examiner-primary"])))],
        lambda: [CanarySelected(draw(st.sampled_from([None, CanaryKey("test", "examiner"), CanaryKey("a", "b")])))],
        lambda: [
            HealthObserved(
                SourceHealth(
                    draw(st.sampled_from(["canaries", "deployments", "trafficsplits"])),
                    draw(st.sampled_from(list(Health))),
                    draw(st.text(max_size=20)),
                    draw(st.integers(0, 5)),
                )
            )
        ],
    ]
    for _ in range(draw(st.integers(1, 12))):
        out.extend(draw(st.sampled_from(makers))())
    return out


def rendered(state: AppState) -> dict[str, str]:
    texts = {}
    for panel in (StatusPanel(), TrafficPanel(), DeploymentsPanel(), MetricsPanel(), TopBar("cluster")):
        for compact in (False, True):
            panel.set_compact(compact)
            texts[f"{type(panel).__name__}{'-compact' if compact else ''}"] = panel.render_state(state).plain
    colours = LogColours("grey50", "yellow")
    texts["events"] = "\n".join(event_line(e.event, colours, compact=False).plain for e in state.events)
    texts["overview"] = "\n".join(" | ".join(row_for(state, view)) for view in state.canaries.values())
    return texts


@SLOW
@given(observations())
def test_the_reducer_and_every_panel_take_any_sequence_of_parsed_garbage(
    report: Report, sequence: list[Observation]
) -> None:
    with recorded(
        report,
        "reduce-and-render",
        "random sequences of observations built from garbage objects, Events, log lines and samples",
        "reduce, then render the status, traffic, deployments, metrics and event panels, the top bar and the "
        "overview row; unknown values read `?`",
    ):
        state = reduce_all(AppState(), sequence)
        texts = rendered(state)
        view = state.selected_view
        if view is not None:
            status = texts["StatusPanel"]
            info = view.info
            if info.phase is None:
                assert "? unknown" in status
            if info.failed_checks is None and info.phase != "Failed":
                assert "failed ?/" in status
            if info.iterations is None:
                assert "iterations ?" in status
            router = state.router_for(view)
            if info.canary_weight is None and (router is None or router.canary_weight is None):
                assert "weight     ?%" in status
                assert "weights unknown" in texts["TrafficPanel"]


def test_a_canary_made_of_wrong_types_reads_question_marks(report: Report) -> None:
    obj = {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "examiner", "namespace": "test", "creationTimestamp": 12},
        "spec": {
            "targetRef": "examiner",
            "analysis": {
                "interval": "soon",
                "threshold": "two",
                "maxWeight": 1e300,
                "stepWeights": ["a", None],
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": "NaN"}}],
            },
        },
        "status": {"phase": 7, "canaryWeight": "lots", "failedChecks": [1], "lastTransitionTime": "yesterday"},
    }
    info = parse_canary(obj)
    assert info is not None
    check_canary(info)
    state = reduce_all(AppState(), [CanaryObserved(info, 1.772e9), ClockTick(1.772e9 + 30)])
    texts = rendered(state)
    status = texts["StatusPanel"]
    expected = ["? unknown", "weight     ?%", "failed ?/?", "iterations ?", "changed    ? ago"]
    ok = report.outcome(
        SECTION,
        "question-marks",
        "a Canary whose status and analysis hold wrong types (phase 7, canaryWeight 'lots', threshold 'two', "
        "minimum success rate 'NaN', a time 'yesterday')",
        "the Canary panel shows `?` for each unreadable value",
        " · ".join(expected),
        all(text in status for text in expected) and "weights unknown" in texts["TrafficPanel"],
    )
    assert ok, status


@pytest.mark.parametrize("stamp", ["99999999999999999999", "-99999999999999999", "1e3"])
def test_a_payload_from_far_outside_time_is_refused_or_shown(stamp: str) -> None:
    document = garbage.payload()
    document["metadata"]["timestamp"] = stamp
    try:
        payload = decode(document)
    except PayloadError:
        return
    event = FlaggerEvent(payload.timestamp_ms / 1000, payload.namespace, payload.name, "Normal", payload.message)
    assert event_line(event, LogColours("grey50", "yellow"), compact=False).plain


# --- what the watch threads do with each event --------------------------------------------------------------


def pods() -> st.SearchStrategy[Any]:
    from tests.cluster import objects

    return st.one_of(garbage.mangled(objects.pod("logger-1")), garbage.json_values)


@FAST
@given(
    st.lists(
        st.one_of(garbage.json_values, st.fixed_dictionaries({"type": garbage.scalars, "object": pods()})), max_size=6
    )
)
def test_watch_events_of_any_shape_neither_raise_nor_end_the_watch(report: Report, events: list[Any]) -> None:
    import threading

    from tui.cluster.http import Gone, HttpProblem
    from tui.cluster.logger_follow import LoggerFollower
    from tui.cluster.watch_loop import WatchLoop, WatchSpec
    from tui.sources.mailbox import Mailbox

    with recorded(
        report,
        "watch-events",
        "random watch events (any JSON, partial and wrongly typed Pods) for the logger pod watch",
        "WatchLoop._handle and the logger's pod tracking: only Gone/HttpProblem for ERROR events",
    ):
        emitter = Mailbox(wake=lambda: None)
        follower = LoggerFollower(None, "monitoring", "app=logger", emitter, threading.Event())
        spec = WatchSpec("logger pods", "pods in monitoring", "v1 pods", lambda **kw: None)
        loop = WatchLoop(spec, emitter, follower.pods_listed, follower.pod_event, threading.Event())
        follower.pods_listed([p for p in events if isinstance(p, dict)])
        for event in events:
            try:
                loop._handle(event)
            except (Gone, HttpProblem):
                assert isinstance(event, dict) and event.get("type") == "ERROR"
        follower._current_pod()
