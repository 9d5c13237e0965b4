"""Flagger's observers as the simulation measures them: which one runs, and what request-duration it reads."""

from __future__ import annotations

import pytest

from tui.sim.observers import HTTP, ISTIO, LINKERD, NGINX, metrics_provider, observer_for
from tui.sim.traffic import DeploymentMetrics


@pytest.mark.parametrize(
    ("spec_provider", "mesh_provider", "expected"),
    [
        ("istio", "istio", "istio"),
        ("gatewayapi:v1", "gatewayapi:v1", "gatewayapi:v1"),
        ("nginx", "istio", "nginx"),
        # A Flagger installed for Linkerd keeps Linkerd's queries whatever the Canary names.
        ("istio", "linkerd", "linkerd"),
        ("", "nginx", "nginx"),
        ("", "smi:crossover", "crossover"),
    ],
)
def test_the_metrics_provider_follows_run_builtin_metric_checks(
    spec_provider: str, mesh_provider: str, expected: str
) -> None:
    assert metrics_provider(spec_provider, mesh_provider) == expected


@pytest.mark.parametrize(
    ("name", "observer"),
    [
        ("linkerd", LINKERD),
        ("istio", ISTIO),
        ("gatewayapi:v1", HTTP),
        ("gatewayapi:v1beta1", HTTP),
        ("kubernetes", HTTP),
        ("nginx", NGINX),
        ("crossover", ISTIO),  # Flagger's factory falls back to Istio's observer
    ],
)
def test_observer_factory(name: str, observer: object) -> None:
    assert observer_for(name) is observer


def _window(observer: object, latencies: list[int]) -> object:
    metrics = DeploymentMetrics(observer.bounds)  # type: ignore[attr-defined]
    for latency in latencies:
        metrics.record(100, 200, latency)
    return metrics.window(100, 30)


def test_request_duration_is_each_observers_own_reading() -> None:
    latencies = [120] * 90 + [400] * 10
    # Istio's buckets are ..., 250, 500: p99 falls in (250, 500], 9/10 of the way through that bucket.
    assert ISTIO.duration_ms(_window(ISTIO, latencies)) == 475
    # Linkerd's are ..., 300, 400: p99 in (300, 400].
    assert LINKERD.duration_ms(_window(LINKERD, latencies)) == 390
    # The app's seconds histogram (.25, .5) gives the Istio figure; Flagger multiplies by 1000 and truncates.
    assert HTTP.duration_ms(_window(HTTP, latencies)) == 475
    # NGINX's request-duration is the mean, truncated to whole milliseconds: (90*120 + 10*400) / 100 = 148.
    assert NGINX.duration_ms(_window(NGINX, latencies)) == 148
    # The screen still shows a p99 for NGINX, from the ingress's histogram.
    assert NGINX.shown_p99_ms(_window(NGINX, latencies)) == pytest.approx(475)


def test_no_requests_is_no_value() -> None:
    for observer in (LINKERD, ISTIO, HTTP, NGINX):
        assert observer.duration_ms(_window(observer, [])) is None
