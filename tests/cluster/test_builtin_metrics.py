"""Builtin metrics of other providers than Linkerd, from a real Prometheus scraping that provider's series, read
through the cluster source's poller: primary and canary values equal what the exporter was told to produce."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.prom.exporter import LinkerdScenario, Traffic, expected_quantile
from tests.prom.server import PrometheusServer
from tests.standin.apiserver import ApiServer
from tui.cluster.source import ClusterOptions
from tui.domain.model import FlaggerSettings, Health, MetricSample, SourceHealth
from tui.domain.observations import FlaggerSettingsObserved
from tui.domain.state import AppState

pytestmark = pytest.mark.prometheus

CANARY = Traffic(rps=20, error_ratio=0.05, latency_ms={45.0: 0.9, 180.0: 0.1})
PRIMARY = Traffic(rps=60, error_ratio=0.0, latency_ms={8.0: 0.5, 12.0: 0.5})


def latest(state: AppState, namespace: str, deployment: str) -> MetricSample | None:
    series = state.series(namespace, deployment)
    return series[-1] if series else None


def settled(state: AppState, namespace: str) -> bool:
    canary = latest(state, namespace, "examiner")
    primary = latest(state, namespace, "examiner-primary")
    return (
        canary is not None
        and primary is not None
        and canary.rps is not None
        and abs(canary.rps - CANARY.rps) < 0.5
        and primary.rps is not None
        and abs(primary.rps - PRIMARY.rps) < 1
    )


def duration(provider: str, traffic: Traffic) -> float:
    """Flagger's request-duration: NGINX's is the mean, the others' the p99 of their histogram."""
    return traffic.mean_latency() if provider == "nginx" else expected_quantile(0.99, traffic)


@pytest.mark.parametrize(
    ("spec_provider", "series"),
    [("istio", "istio"), ("nginx", "nginx"), ("gatewayapi:v1", "http"), ("kubernetes", "http")],
)
def test_primary_and_canary_values_equal_what_the_exporter_produced(
    apiserver: ApiServer,
    tmp_path: Path,
    prometheus: PrometheusServer,
    mesh: Callable[[str], LinkerdScenario],
    spec_provider: str,
    series: str,
) -> None:
    scenario = mesh(series)
    namespace = scenario.namespace
    canary = objects.canary(
        namespace=namespace,
        metrics=[
            {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "5s"},
            {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "5s"},
        ],
    )
    canary["spec"]["provider"] = spec_provider
    canary["spec"]["ingressRef"] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "examiner"}
    apiserver.put(canary)
    scenario.set("examiner", CANARY)
    scenario.set("examiner-primary", PRIMARY)
    scenario.set("examiner", Traffic(rps=5, error_ratio=0.5), direction="outbound")  # Istio's source reporter
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace=namespace)
    options = ClusterOptions(prometheus=prometheus.url, logger=None, refresh_s=1.0, read_timeout_s=5.0)
    with Harness(kubeconfig, namespace=namespace, options=options) as h:
        h.wait_for(lambda s: settled(s, namespace), timeout=30, what=f"a full window of {series} samples")
        canary_sample = latest(h.state, namespace, "examiner")
        primary_sample = latest(h.state, namespace, "examiner-primary")
        assert canary_sample is not None and primary_sample is not None
        assert canary_sample.success_rate == pytest.approx(95.0, abs=0.01)
        assert canary_sample.p99_ms == pytest.approx(duration(series, CANARY), abs=0.5)
        assert primary_sample.success_rate == pytest.approx(100.0, abs=0.01)
        assert primary_sample.p99_ms == pytest.approx(duration(series, PRIMARY), abs=0.5)
        assert h.state.health["prometheus"].state is Health.CONNECTED
        assert h.source.poller is not None
        assert h.source.poller.requests == 3 * h.source.poller.refreshes, "one family: three requests a refresh"


@pytest.mark.parametrize("begun", [True, False], ids=["begun-before-the-screen", "started"])
def test_a_canary_without_provider_is_asked_linkerds_until_flaggers_mesh_provider_is_known(
    apiserver: ApiServer,
    tmp_path: Path,
    prometheus: PrometheusServer,
    mesh: Callable[[str], LinkerdScenario],
    begun: bool,
) -> None:
    scenario = mesh("istio")
    namespace = scenario.namespace
    canary = objects.canary(
        namespace=namespace, metrics=[{"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "5s"}]
    )
    del canary["spec"]["provider"]
    apiserver.put(canary)
    scenario.set("examiner", CANARY)
    scenario.set("examiner-primary", PRIMARY)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace=namespace)
    options = ClusterOptions(prometheus=prometheus.url, logger=None, refresh_s=1.0, read_timeout_s=5.0)
    harness = Harness(kubeconfig, namespace=namespace, options=options)
    if begun:
        harness.source.begin()  # as the command line does: its readers write into the source's own mailbox
    with harness as h:
        h.wait_for(
            lambda s: (
                "provider unknown for 1 canary"
                in s.health.get("prometheus", SourceHealth("", Health.CONNECTING)).detail
            ),
            timeout=20,
            what="the unknown provider's notice",
        )
        assert "no Linkerd metrics for these deployments" in h.state.health["prometheus"].detail
        assert not settled(h.state, namespace), "Linkerd's queries find none of Istio's series"
        # Flagger's own Deployment read (or --provider): its -mesh-provider names the observer.
        settings = FlaggerSettingsObserved(FlaggerSettings(mesh_provider="istio", found_in="flagger/flagger"))
        if begun:
            assert h.source.emitter is not None
            h.source.emitter.emit(settings)
        else:
            h.source._emit(settings)
        h.wait_for(lambda s: settled(s, namespace), timeout=30, what="Istio's values once the mesh provider is known")
        assert "provider unknown" not in h.state.health["prometheus"].detail
