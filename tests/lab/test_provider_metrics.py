"""The mesh emulator exports other providers' series over real sockets: Istio's sidecar series for Istio-meshed
pods, the app's own HTTP histogram for every pod and ingress-nginx's series for a canary Ingress, so that Flagger's
builtin istio, http (gatewayapi) and nginx queries read what was served (through a real Prometheus)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.lab.test_mesh import Running
from tests.lab.test_provider_routing import http_route, nginx_canary, virtual_service
from tests.lab.test_routing import deployment
from tests.waiting import wait_until
from tui.lab.provider_metrics import pod_name

ISTIO_NAMESPACE = {"kind": "Namespace", "metadata": {"name": "apps", "labels": {"istio-injection": "enabled"}}}

# Flagger v1.44's builtin queries (pkg/metrics/observers/{istio,http,nginx}.go) for target examiner in apps.
ISTIO_SUCCESS = (
    'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="apps",'
    'destination_workload=~"examiner",response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{'
    'reporter="destination",destination_workload_namespace="apps",destination_workload=~"examiner"}[1m])) * 100'
)
ISTIO_DURATION = (
    'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",'
    'destination_workload_namespace="apps",destination_workload=~"examiner"}[1m])) by (le))'
)
POD = 'kubernetes_pod_name=~"examiner-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"'
HTTP_SUCCESS = (
    f'sum(rate(http_request_duration_seconds_count{{kubernetes_namespace="apps",{POD},status!~"5.*"}}[1m])) / '
    f'sum(rate(http_request_duration_seconds_count{{kubernetes_namespace="apps",{POD}}}[1m])) * 100'
)
HTTP_DURATION = (
    "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket"
    f'{{kubernetes_namespace="apps",{POD}}}[1m])) by (le))'
)
NGINX_SUCCESS = (
    'sum(rate(nginx_ingress_controller_requests{namespace="apps",ingress="echo",canary!="",status!~"5.*"}[1m])) / '
    'sum(rate(nginx_ingress_controller_requests{namespace="apps",ingress="echo",canary!=""}[1m])) * 100'
)


@pytest.fixture
def running() -> Iterator[Running]:
    r = Running()
    r.mesh.topology.replace_all("TrafficSplit", [])
    r.mesh.topology.put("Namespace", ISTIO_NAMESPACE)
    r.mesh._prepare()
    yield r
    r.close()


def by_workload(samples: list[tuple[dict[str, str], float]], label: str) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for labels, value in samples:
        out[(labels[label], labels.get("response_code") or labels["status"])] += value
    return out


def test_istio_and_app_series_for_what_each_workload_served(running: Running) -> None:
    topo = running.mesh.topology
    topo.put("VirtualService", virtual_service(0, 100))
    topo.put("Deployment", deployment("examiner", "examiner", env={"SERVER_ERROR_RATE": "100"}))
    running.mesh._prepare()
    for _ in range(3):
        assert running.get("/examine").status_code == 500
    families = running.families()
    istio = by_workload(families["istio_requests_total"], "destination_workload")
    assert istio[("examiner", "500")] == 3
    assert ("examiner-primary", "500") in istio and istio[("examiner-primary", "500")] == 0  # created at 0
    assert all(labels["reporter"] == "destination" for labels, _ in families["istio_requests_total"])
    apps_pods = [(labels, v) for labels, v in families["http_request_duration_seconds_count"]]
    http = by_workload(apps_pods, "kubernetes_pod_name")
    canary_pod = next(pod for pod, status in http if pod.startswith("examiner-") and "primary" not in pod)
    assert http[(canary_pod, "500")] == 3
    workload = next(w for w in topo.workloads() if w.name == "examiner")
    assert canary_pod == pod_name("examiner", workload.template_hash)
    # Without Istio's namespace label there is no sidecar, hence no Istio series; the app's own stay.
    topo.put("Namespace", {"kind": "Namespace", "metadata": {"name": "apps"}})
    running.get("/examine")
    families = running.families()
    assert by_workload(families["istio_requests_total"], "destination_workload")[("examiner", "500")] == 3
    assert by_workload(families["http_request_duration_seconds_count"], "kubernetes_pod_name")[(canary_pod, "500")] == 4


def test_nginx_series_name_the_canary_upstream_when_the_canary_ingress_took_the_request(running: Running) -> None:
    topo = running.mesh.topology
    topo.put("Ingress", nginx_canary({"canary": "true", "canary-by-header": "x-canary"}))
    running.mesh._prepare()
    running.http.get(f"{running.ingress}/examine", headers={"x-canary": "always"})
    running.http.get(f"{running.ingress}/examine")
    # The Python parser appends _total to a counter's samples; Prometheus keeps the exported name (as the query says).
    samples = running.families()["nginx_ingress_controller_requests_total"]
    counts = Counter({(labels["ingress"], labels["canary"], labels["status"]): v for labels, v in samples})
    assert counts[("echo", "apps-examiner-canary-80", "200")] == 1
    assert counts[("echo", "", "200")] == 1


@pytest.mark.prometheus
@pytest.mark.parametrize("provider", ["istio", "gatewayapi", "nginx"])
def test_flaggers_builtin_queries_over_a_real_prometheus(running: Running, tmp_path: Path, provider: str) -> None:
    from tests.prom.server import PrometheusServer, find_prometheus

    binary = find_prometheus()
    if binary is None:
        pytest.skip("Debian's prometheus binary is missing (apt-get install prometheus)")
    topo = running.mesh.topology
    if provider == "istio":
        topo.put("VirtualService", virtual_service(50, 50))
    elif provider == "gatewayapi":
        topo.put("HTTPRoute", http_route(50, 50))
    else:
        topo.put("Ingress", nginx_canary({"canary": "true", "canary-weight": "50"}))
    topo.put("Deployment", deployment("examiner", "examiner", env={"SERVER_ERROR_RATE": "20"}))
    running.mesh._prepare()
    prom = PrometheusServer(binary, tmp_path, [running.metrics_target]).start()
    try:
        wait_until(lambda: prom.query("up == 1"), "Prometheus scraping the mesh emulator", timeout=30)
        with ThreadPoolExecutor(10) as pool:
            answers: list[httpx.Response] = list(pool.map(lambda _i: running.get("/examine?delay=40..60"), range(400)))
        canary = [a for a in answers if a.text == ""]  # examiner's ECHO_VALUE is empty: the canary answered
        assert 100 < len(canary) < 300
        expected = 100 * sum(a.status_code != 500 for a in canary) / len(canary)
        success = {"istio": ISTIO_SUCCESS, "gatewayapi": HTTP_SUCCESS, "nginx": NGINX_SUCCESS}[provider]
        wait_until(
            lambda: prom.scalar(success) == pytest.approx(expected, abs=0.01),
            f"the success rate {expected:.2f} % in Prometheus",
            timeout=15,
        )
        if provider == "istio":
            p99 = prom.scalar(ISTIO_DURATION)
            # At least the bucket of the shortest requested delay; a busy machine may answer later, never sooner.
            assert p99 is not None and p99 > 50
        elif provider == "gatewayapi":
            p99_s = prom.scalar(HTTP_DURATION)
            assert p99_s is not None and p99_s > 0.05
    finally:
        prom.close()
