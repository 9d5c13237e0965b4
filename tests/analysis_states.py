"""Canaries caught at one moment for the analysis view's tests: parsed from Canary objects as Flagger's users write
them, with Flagger's own event wording, folded as a cluster source would deliver them. Nothing moves the clock."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tui.domain.flagger import messages
from tui.domain.model import (
    CanaryKey,
    CheckSample,
    FlaggerEvent,
    FlaggerSettings,
    Health,
    MetricSample,
    MetricTemplateInfo,
    SourceHealth,
)
from tui.domain.observations import (
    CanariesListed,
    CanaryObserved,
    CanarySelected,
    CheckValueObserved,
    ClockTick,
    EventObserved,
    FlaggerSettingsObserved,
    HealthObserved,
    MetricsObserved,
    MetricTemplateObserved,
    Observation,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary

NOW = 1_000_000.0  # 13:46:40 UTC
KEY = CanaryKey("test", "podinfo")
OBJ = "podinfo.test"
ERROR_RATE_QUERY = (
    'sum(rate(http_requests_total{namespace="{{ namespace }}", pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", '
    'status=~"5.."}[{{ interval }}])) / sum(rate(http_requests_total{namespace="{{ namespace }}", '
    'pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100'
)
HOOKS = [
    {"name": "acceptance-test", "type": "pre-rollout", "url": "http://flagger-loadtester.test/"},
    {"name": "load-test", "type": "rollout", "url": "http://flagger-loadtester.test/"},
]


def custom_canary(threshold: int = 3, webhooks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "test", "name": "podinfo"},
        "spec": {
            "provider": "linkerd",
            "targetRef": {"kind": "Deployment", "name": "podinfo"},
            "analysis": {
                "interval": "30s",
                "threshold": threshold,
                "maxWeight": 50,
                "stepWeight": 10,
                "metrics": [
                    {
                        "name": "error-rate",
                        "templateRef": {"name": "error-rate"},
                        "thresholdRange": {"max": 1},
                        "interval": "1m",
                    },
                    {
                        "name": "latency",
                        "query": 'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{app="podinfo"}'
                        "[1m])) by (le))",
                        "thresholdRange": {"max": 0.8},
                    },
                ],
                "webhooks": HOOKS if webhooks is None else webhooks,
            },
        },
    }


def builtin_canary() -> dict[str, Any]:
    return {
        "metadata": {"namespace": "test", "name": "podinfo"},
        "spec": {
            "provider": "istio",
            "targetRef": {"kind": "Deployment", "name": "podinfo"},
            "analysis": {
                "interval": "30s",
                "threshold": 5,
                "maxWeight": 50,
                "stepWeight": 25,
                "metrics": [
                    {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"},
                    {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "30s"},
                ],
                "webhooks": [HOOKS[1]],
            },
        },
    }


def event(t: float, message: str, type_: str = "Normal") -> EventObserved:
    return EventObserved(FlaggerEvent(t, KEY.namespace, KEY.name, type_, message))


def halt(t: float, message: str) -> EventObserved:
    return event(t, message, messages.WARNING)


def canary_state(
    canary: dict[str, Any],
    events: list[Observation],
    *,
    phase: str = "Progressing",
    weight: int = 10,
    failed: int = 0,
    extra: list[Observation] = (),  # type: ignore[assignment]
    now: float = NOW,
) -> AppState:
    info = parse_canary(canary)
    assert info is not None
    first = replace(info, phase="Progressing", canary_weight=0, failed_checks=0)
    last = replace(info, phase=phase, canary_weight=weight, failed_checks=failed)
    # Flagger writes the status in the tick of its last event.
    status_at = max((o.event.t for o in events if isinstance(o, EventObserved)), default=now - 1)
    observations: list[Observation] = [
        ClockTick(now - 300),
        CanaryObserved(first, now - 300),
        CanarySelected(KEY),
        *events,
        CanaryObserved(last, status_at),
        *extra,
        ClockTick(now),
    ]
    return reduce_all(AppState(), observations)


def release_start(t: float = NOW - 150) -> list[Observation]:
    return [
        event(t, messages.new_revision(OBJ)),
        event(t + 30, messages.starting_analysis(OBJ)),
        event(t + 30, messages.advance_canary(OBJ, 10)),
    ]


def error_rate_samples(values: list[float], *, every: float = 30.0, until: float = NOW - 5) -> list[Observation]:
    rendered = ERROR_RATE_QUERY.replace("{{ namespace }}", "test").replace("{{ target }}", "podinfo")
    rendered = rendered.replace("{{ interval }}", "1m")
    start = until - every * (len(values) - 1)
    return [
        CheckValueObserved(KEY, "error-rate", CheckSample(start + i * every, value, None, rendered))
        for i, value in enumerate(values)
    ]


TEMPLATE = MetricTemplateInfo("test", "error-rate", "prometheus", "http://prometheus.monitoring:9090", ERROR_RATE_QUERY)


def halted_custom_observations() -> list[Observation]:
    """A canary at 10 % whose MetricTemplate check error-rate failed at the last two ticks (threshold 3)."""
    info = parse_canary(custom_canary())
    assert info is not None
    events = [
        *release_start(),
        halt(NOW - 55, messages.metric_halt(OBJ, "error-rate", 1.12, ">", 1)),
        halt(NOW - 25, messages.metric_halt(OBJ, "error-rate", 1.3, ">", 1)),
    ]
    samples = error_rate_samples([0.42, 0.61, 0.93, 1.12, 1.3])
    latency = [
        CheckValueObserved(KEY, "latency", CheckSample(NOW - 65 + 30 * i, v, None, None))
        for i, v in enumerate([0.31, 0.35, 0.33])
    ]
    return [
        ClockTick(NOW - 300),
        HealthObserved(SourceHealth("prometheus", Health.CONNECTED, "http://prometheus:9090")),
        MetricTemplateObserved(TEMPLATE),
        CanariesListed((replace(info, phase="Progressing", canary_weight=0, failed_checks=0),), None, NOW - 300),
        CanarySelected(KEY),
        *events,
        *samples,
        *latency,
        CanaryObserved(replace(info, phase="Progressing", canary_weight=10, failed_checks=2), NOW - 25),
        ClockTick(NOW),
    ]


def succeeded_builtin_observations() -> list[Observation]:
    """An istio canary that went 25 % → 50 % and was promoted, every check passing."""
    info = parse_canary(builtin_canary())
    assert info is not None
    t0 = NOW - 200
    events = [
        event(t0, messages.new_revision(OBJ)),
        event(t0 + 30, messages.starting_analysis(OBJ)),
        event(t0 + 30, messages.advance_canary(OBJ, 25)),
        event(t0 + 60, messages.advance_canary(OBJ, 50)),
        event(t0 + 90, messages.copying_spec(OBJ, "podinfo-primary.test")),
        event(t0 + 120, messages.routing_all_to_primary()),
        event(t0 + 150, messages.promotion_completed(OBJ)),
    ]
    samples = [
        MetricsObserved(
            (
                MetricSample("test", "podinfo-primary", t, 99.95, 40.0, 120.0 + (t % 7)),
                MetricSample("test", "podinfo", t, 99.42 + (t // 10 % 5) / 10, 12.0, 180.0 + (t % 11)),
            )
        )
        for t in range(int(t0) + 30, int(t0) + 150, 10)
    ]
    return [
        ClockTick(NOW - 300),
        FlaggerSettingsObserved(FlaggerSettings(mesh_provider="istio", found_in="flagger-system/flagger")),
        CanariesListed((replace(info, phase="Succeeded", canary_weight=0, failed_checks=0),), None, NOW - 300),
        CanaryObserved(replace(info, phase="Progressing", canary_weight=0, failed_checks=0), t0),
        CanarySelected(KEY),
        *events[:3],
        *samples,
        *events[3:],
        CanaryObserved(replace(info, phase="Succeeded", canary_weight=0, failed_checks=0), t0 + 150),
        ClockTick(NOW),
    ]


def state_of(observations: list[Observation]) -> AppState:
    return reduce_all(AppState(), observations)
