"""Metrics from a real Prometheus (Debian's package) scraping a Linkerd-style exporter."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.prom.exporter import LinkerdScenario, Traffic, expected_quantile
from tests.prom.front import PromFront
from tests.prom.server import PrometheusServer
from tests.standin.apiserver import ApiServer
from tui.cluster.source import ClusterOptions
from tui.domain.model import Health, MetricSample
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
        and canary.success_rate is not None
        and canary.rps is not None
        and abs(canary.rps - CANARY.rps) < 0.5
        and primary.rps is not None
        and abs(primary.rps - PRIMARY.rps) < 1
    )


def start_traffic(linkerd: LinkerdScenario) -> None:
    linkerd.set("examiner", CANARY)
    linkerd.set("examiner-primary", PRIMARY)
    linkerd.set("examiner", Traffic(rps=5, error_ratio=0.5), direction="outbound")  # must not count


def test_success_rate_and_p99_match_what_the_exporter_produced(
    apiserver: ApiServer, tmp_path: Path, prometheus: PrometheusServer, linkerd: LinkerdScenario
) -> None:
    namespace = linkerd.namespace
    apiserver.put(
        objects.canary(
            namespace=namespace,
            metrics=[
                {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "5s"},
                {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "5s"},
            ],
        )
    )
    start_traffic(linkerd)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace=namespace)
    options = ClusterOptions(prometheus=prometheus.url, logger=None, refresh_s=1.0, read_timeout_s=5.0)
    with Harness(kubeconfig, namespace=namespace, options=options) as h:
        h.wait_for(lambda s: settled(s, namespace), timeout=30, what="a full window of samples")
        canary = latest(h.state, namespace, "examiner")
        primary = latest(h.state, namespace, "examiner-primary")
        assert canary is not None and primary is not None
        assert canary.success_rate == pytest.approx(95.0, abs=0.01)
        assert canary.p99_ms == pytest.approx(expected_quantile(0.99, CANARY), abs=0.5)
        assert primary.success_rate == pytest.approx(100.0, abs=0.01)
        assert primary.p99_ms == pytest.approx(expected_quantile(0.99, PRIMARY), abs=0.5)
        assert h.state.health["prometheus"].state is Health.CONNECTED


def test_through_the_api_servers_service_proxy_with_the_kubeconfig_credentials(
    apiserver: ApiServer, tmp_path: Path, prometheus: PrometheusServer, linkerd: LinkerdScenario
) -> None:
    namespace = linkerd.namespace
    apiserver.put(objects.canary(namespace=namespace))
    apiserver.proxy_service("monitoring", "prometheus-operated:9090", prometheus.url)
    start_traffic(linkerd)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace=namespace)
    options = ClusterOptions(
        prometheus=("monitoring", "prometheus-operated:9090"), logger=None, refresh_s=1.0, read_timeout_s=5.0
    )
    with Harness(kubeconfig, namespace=namespace, options=options) as h:
        h.wait_for(
            lambda s: (latest(s, namespace, "examiner") or MetricSample("", "", 0, None, None, None)).rps,
            timeout=30,
            what="metrics through the service proxy",
        )
    proxied = [r for r in apiserver.requests() if "/services/prometheus-operated:9090/proxy/api/v1/query" in r.path]
    assert proxied, "Prometheus was reached through the API server"
    assert all(r.authorization == f"Bearer {apiserver.token}" for r in proxied)


@pytest.mark.parametrize("canaries", [1, 10, 1000])
def test_promql_requests_per_refresh_stay_constant(
    apiserver: ApiServer, tmp_path: Path, prom_front: PromFront, canaries: int
) -> None:
    for i in range(canaries):
        apiserver.put(objects.canary(name=f"app{i:04d}", namespace="team"))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="team")
    options = ClusterOptions(prometheus=prom_front.url, logger=None, refresh_s=0.5, read_timeout_s=5.0)
    with Harness(kubeconfig, namespace="team", options=options) as h:
        h.wait_for(lambda s: len(s.canaries) == canaries, timeout=30, what="every canary")
        h.wait_for(
            lambda s: h.source.poller is not None and h.source.poller.refreshes >= 4, timeout=30, what="a few refreshes"
        )
        poller = h.source.poller
        assert poller is not None
        refreshes, queries = poller.refreshes, len([q for q in prom_front.queries() if q.path.endswith("/query")])
    assert queries / refreshes == pytest.approx(3, abs=0.5)
    assert poller.requests == 3 * poller.refreshes


def test_unreachable_empty_and_nan_answers_are_gaps_with_a_notice(
    apiserver: ApiServer, tmp_path: Path, prom_front: PromFront, linkerd: LinkerdScenario
) -> None:
    namespace = linkerd.namespace
    apiserver.put(objects.canary(namespace=namespace))
    start_traffic(linkerd)
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace=namespace)
    options = ClusterOptions(prometheus=prom_front.url, logger=None, refresh_s=0.5, read_timeout_s=5.0)
    with Harness(kubeconfig, namespace=namespace, options=options) as h:
        h.wait_for(
            lambda s: "prometheus" in s.health and s.health["prometheus"].state is Health.CONNECTED,
            timeout=20,
            what="prometheus connected",
        )
        prom_front.down()
        h.wait_for(lambda s: s.health["prometheus"].state is Health.UNREACHABLE, timeout=20, what="unreachable")
        assert "connection refused" in h.state.health["prometheus"].detail
        prom_front.up()
        prom_front.set_mode("nan")
        h.wait_for(lambda s: s.health["prometheus"].state is Health.CONNECTED, timeout=30, what="back")
        before = len(h.state.series(namespace, "examiner"))
        h.wait_for(lambda s: len(s.series(namespace, "examiner")) > before + 1, timeout=10, what="NaN samples")
        sample = latest(h.state, namespace, "examiner")
        assert sample is not None and sample.success_rate is None and sample.p99_ms is None, "NaN is a gap, not 0 %"
        prom_front.set_mode("empty")
        h.wait_for(lambda s: "no Linkerd metrics" in s.health["prometheus"].detail, timeout=10, what="empty notice")
        sample = latest(h.state, namespace, "examiner")
        assert sample is not None and sample.success_rate is None
        prom_front.set_mode("slow", delay=30)
        h.wait_for(lambda s: s.health["prometheus"].state is Health.UNREACHABLE, timeout=20, what="timed out")
        assert "timed out" in h.state.health["prometheus"].detail
        prom_front.set_mode("pass")
