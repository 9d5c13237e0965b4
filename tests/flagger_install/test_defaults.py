"""Defaults on a real cluster: Flagger's own Deployment, its pod log and its Prometheus, through the API stand-in and
the real `kubernetes` client; what is not there or not readable is a grey note, never a red error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.flagger_install.shapes import helm_flagger, kustomize_flagger
from tests.prom.exporter import LinkerdScenario, Traffic
from tests.prom.server import PrometheusServer
from tests.standin.apiserver import ApiServer
from tests.standin.events import EventRecorder
from tui.cluster.flagger_install import LOOK
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey, FlaggerSettings, Health

KEY = CanaryKey("test", "examiner")
LOOKING = ClusterOptions(prometheus=LOOK, logger=LOOK, read_timeout_s=5.0, refresh_s=1.0)
FLAGGER_POD = "flagger-6d8b9c7f5-k2x4q"


def flagger_pod(namespace: str = "flagger-system") -> dict:
    labels = {"app.kubernetes.io/name": "flagger", "app.kubernetes.io/instance": "flagger"}
    pod = objects.pod(FLAGGER_POD, namespace, labels=labels)
    # A sidecar beside Flagger: the log must be asked of Flagger's container by name.
    pod["spec"]["containers"] = [
        {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.0"},
        {"name": "flagger", "image": "ghcr.io/fluxcd/flagger:1.44.0"},
    ]
    return pod


def zap_line(message: str, at: datetime, canary: str = "examiner.test", level: str = "info") -> str:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    return json.dumps(
        {"level": level, "ts": stamp, "caller": "controller/events.go:33", "msg": message, "canary": canary}
    )


def state_of(h: Harness, source: str) -> Health | None:
    health = h.state.health.get(source)
    return health.state if health else None


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (
            helm_flagger("istio-system"),
            FlaggerSettings("istio", "http://prometheus.istio-system:9090", "istio-system/flagger"),
        ),
        (
            kustomize_flagger("flagger-system"),
            FlaggerSettings("gatewayapi:v1beta1", "http://flagger-prometheus:9090", "flagger-system/flagger"),
        ),
        (
            helm_flagger("ops", mesh=None, name="canaries-flagger"),
            FlaggerSettings("istio", "http://prometheus.istio-system:9090", "ops/canaries-flagger"),
        ),
    ],
    ids=["helm", "kustomize", "helm-default-provider"],
)
def test_flaggers_deployment_gives_its_provider_and_metrics_server(
    apiserver: ApiServer, kubeconfig: Path, deployment: dict, expected: FlaggerSettings
) -> None:
    apiserver.put(objects.canary())
    apiserver.put(objects.deployment("flagger-lookalike", "ops"))  # other labels: not Flagger
    apiserver.put(deployment)
    with Harness(kubeconfig, options=LOOKING) as h:
        h.wait_for(lambda s: s.flagger == expected, what="Flagger's settings")
        assert state_of(h, "flagger") is Health.CONNECTED
        assert h.state.provider_for(h.state.canaries[KEY]) == "linkerd"  # the canary's own spec.provider wins


def test_provider_option_overrides_flaggers_flag(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(helm_flagger("istio-system"))
    options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0, provider="nginx")
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(
            lambda s: s.flagger == FlaggerSettings("nginx", "http://prometheus.istio-system:9090", "--provider"),
            what="--provider over Flagger's flag",
        )


def test_nothing_readable_nothing_found_is_a_grey_note(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.forbid("deployments.apps")
    with Harness(kubeconfig, options=LOOKING) as h:
        h.wait_for(lambda s: {"flagger", "logger", "prometheus"} <= set(s.health), what="the three notes")
        for source in ("flagger", "logger", "prometheus"):
            h.wait_for(lambda s, source=source: state_of(h, source) is Health.DISABLED, what=f"{source} grey")
        assert "cannot list deployments.apps in all namespaces" in h.state.health["flagger"].detail
        assert "no running pod matches app.kubernetes.io/name=logger in monitoring" in h.state.health["logger"].detail
        assert h.state.health["prometheus"].detail.startswith("none found:")
        assert h.state.flagger == FlaggerSettings()
        assert KEY in h.state.canaries, "the canaries still show"


def test_flaggers_json_log_gives_its_events_merged_with_kubernetes_events(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    stored = apiserver.put(objects.canary())
    apiserver.put(helm_flagger("flagger-system"))
    apiserver.put(flagger_pod())
    now = datetime.now(UTC)
    lines = [
        zap_line("Advance examiner.test canary weight 10", now),
        '{"level":"info","ts":"' + now.isoformat() + '","msg":"no canary here"}',
        '{"level":"info","ts":"broken',
        zap_line("Advance other.elsewhere canary weight 10", now, canary="other.elsewhere"),  # out of scope
        zap_line("Canary failed! Scaling down examiner.test", now, level="error"),
    ]
    apiserver.append_log("flagger-system", FLAGGER_POD, *lines, container="flagger", at=now)
    EventRecorder(apiserver).normal(stored, "Advance examiner.test canary weight 10")
    with Harness(kubeconfig, options=LOOKING) as h:
        h.wait_for(
            lambda s: (
                [e.event.message for e in s.events]
                == ["Advance examiner.test canary weight 10", "Canary failed! Scaling down examiner.test"]
            ),
            timeout=15,
            what="Flagger's log lines as events, the Event merged with its log line",
        )
        h.wait_for(lambda s: state_of(h, "flagger log") is Health.CONNECTED, what="Flagger's log followed")
        assert h.state.health["flagger log"].detail == f"flagger-system/{FLAGGER_POD}"
        assert [e.event.type for e in h.state.events] == ["Normal", "Warning"]
        later = datetime.now(UTC)
        apiserver.append_log(
            "flagger-system", FLAGGER_POD, zap_line("Promotion completed! examiner.test", later), container="flagger"
        )
        h.wait_for(lambda s: len(s.events) == 3, timeout=15, what="a line logged while followed")
        assert state_of(h, "logger") is Health.DISABLED, "no seed logger: a note, not an error"
        [follower] = [f for f in h.source.followers if f.source == "flagger log"]
        assert follower.skipped_lines == 1, "the broken line is counted"
    logs = apiserver.requests(path=f"/api/v1/namespaces/flagger-system/pods/{FLAGGER_POD}/log")
    assert logs and all(r.query.get("container") == "flagger" for r in logs)


def test_logger_option_at_flaggers_pod_reads_its_json_lines(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.put(helm_flagger("flagger-system"))
    apiserver.put(flagger_pod())
    now = datetime.now(UTC)
    apiserver.append_log(
        "flagger-system", FLAGGER_POD, zap_line("Initialization done! examiner.test", now), container="flagger", at=now
    )
    options = ClusterOptions(
        prometheus=None, logger=("flagger-system", "app.kubernetes.io/name=flagger"), read_timeout_s=5.0
    )
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(
            lambda s: [e.event.message for e in s.events] == ["Initialization done! examiner.test"],
            timeout=15,
            what="Flagger's line through --logger",
        )
        assert h.state.health["logger"].detail == f"flagger-system/{FLAGGER_POD}"


def test_a_default_prometheus_that_exists_is_asked(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.put(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "prometheus-operated", "namespace": "monitoring"},
            "spec": {"ports": [{"name": "web", "port": 9090}]},
        }
    )
    with Harness(kubeconfig, options=LOOKING) as h:
        h.wait_for(lambda s: "prometheus" in s.health, what="Prometheus reported")
        h.wait_for(lambda s: state_of(h, "flagger") is Health.DISABLED, what="no Flagger Deployment")
        health = h.state.health["prometheus"]
        assert health.state is not Health.DISABLED and "svc/monitoring/prometheus-operated:9090" in health.detail


def test_pods_refused_where_the_logs_were_guessed_is_a_grey_note(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.put(helm_flagger("flagger-system"))
    apiserver.forbid("pods", namespace="flagger-system")
    apiserver.forbid("pods", namespace="monitoring")
    with Harness(kubeconfig, options=LOOKING) as h:
        h.wait_for(lambda s: {"flagger log", "logger"} <= set(s.health), what="both logs reported")
        for source in ("flagger log", "logger"):
            assert state_of(h, source) is Health.DISABLED
        assert h.state.health["flagger log"].detail == "cannot list pods in flagger-system"
        assert not [name for name in h.state.health if name.endswith(" pods")], "no pod watch was started"


def test_flaggers_log_refused_is_a_grey_note(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.put(helm_flagger("flagger-system"))
    apiserver.put(flagger_pod())
    apiserver.forbid("pods/log", namespace="flagger-system")
    with Harness(kubeconfig, options=LOOKING) as h:
        h.wait_for(
            lambda s: "cannot get pods/log in flagger-system" in getattr(s.health.get("flagger log"), "detail", ""),
            timeout=15,
            what="the refusal said",
        )
        assert state_of(h, "flagger log") is Health.DISABLED


@pytest.mark.prometheus
def test_prometheus_is_flaggers_metrics_server_through_the_service_proxy(
    apiserver: ApiServer, tmp_path: Path, prometheus: PrometheusServer, linkerd: LinkerdScenario
) -> None:
    namespace = linkerd.namespace
    apiserver.put(objects.canary(namespace=namespace))
    apiserver.put(helm_flagger("istio-system", metrics="http://prometheus.monitoring-x:9090"))
    apiserver.proxy_service("monitoring-x", "prometheus:9090", prometheus.url)
    linkerd.set("examiner", Traffic(rps=20, error_ratio=0.0, latency_ms={10.0: 1.0}))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace=namespace)
    options = ClusterOptions(prometheus=LOOK, logger=None, read_timeout_s=5.0, refresh_s=1.0)
    with Harness(kubeconfig, namespace=namespace, options=options) as h:
        h.wait_for(
            lambda s: bool(s.series(namespace, "examiner")) and s.series(namespace, "examiner")[-1].rps is not None,
            timeout=30,
            what="metrics from Flagger's Prometheus",
        )
        assert "Flagger's -metrics-server" in h.state.health["prometheus"].detail
    proxied = [r for r in apiserver.requests() if "/namespaces/monitoring-x/services/prometheus:9090/proxy/" in r.path]
    assert proxied and all(r.authorization == f"Bearer {apiserver.token}" for r in proxied)
    assert not [r for r in apiserver.requests() if "prometheus-operated" in r.path]
