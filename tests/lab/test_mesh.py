"""The mesh emulator over real sockets: it answers as examiner does, splits by weight and exports Linkerd's metrics
in a form Prometheus (a real one, in the `prometheus` test) and Flagger's builtin queries read correctly.

The cluster picture is filled in by hand here; the lab tests cover the watches that fill it in the lab.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.lab.test_routing import deployment, flagged_topology, split
from tests.waiting import wait_until
from tui.lab import mesh as lab_mesh
from tui.lab.linkerd_metrics import LATENCY_BUCKETS_MS
from tui.lab.processes import free_ports

NAMESPACE = {"kind": "Namespace", "metadata": {"name": "apps", "annotations": {"linkerd.io/inject": "enabled"}}}


class Running:
    def __init__(self) -> None:
        self.mesh = lab_mesh.Mesh(None, random.Random(5), log=lambda _line: None)
        self.mesh.topology = flagged_topology()
        self.mesh.topology.put("Namespace", NAMESPACE)
        self.mesh._prepare()
        ingress_port, metrics_port = free_ports(2)
        self.servers = [
            lab_mesh.serve(ingress_port, lab_mesh.IngressHandler, self.mesh),
            lab_mesh.serve(metrics_port, lab_mesh.MetricsHandler, self.mesh),
        ]
        self.ingress = f"http://localhost:{ingress_port}"
        self.metrics_target = f"127.0.0.1:{metrics_port}"
        self.http = httpx.Client(timeout=10)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"{self.ingress}{path}")

    def families(self) -> dict[str, list[tuple[dict[str, str], float]]]:
        text = self.http.get(f"http://{self.metrics_target}/metrics").text
        out: dict[str, list[tuple[dict[str, str], float]]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                out.setdefault(sample.name, []).append((sample.labels, sample.value))
        return out

    def close(self) -> None:
        self.mesh.stop.set()
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.http.close()


@pytest.fixture
def running() -> Iterator[Running]:
    r = Running()
    yield r
    r.close()


def test_answers_as_examiner(running: Running) -> None:
    ok = running.get("/examine?delay=20")
    assert (ok.status_code, ok.text) == (200, "old")
    assert ok.headers["content-type"].startswith("text/plain")
    assert running.get("/examine?status=418").status_code == 418
    assert running.get("/examine?status=999").status_code == 200  # invalid: the error-rate rule applies
    redirect = running.http.get(f"{running.ingress}/", follow_redirects=False)
    assert (redirect.status_code, redirect.headers["location"]) == (301, "examine")
    posted = running.http.post(f"{running.ingress}/anything", content=b'{"x": 1}')
    assert (posted.status_code, posted.text) == (200, "")
    assert running.get("/.well-known/ready").json()["status"] == "UP"


def test_delay_parameter_and_request_delay_env(running: Running) -> None:
    started = time.monotonic()
    running.get("/examine?delay=300")
    assert 0.3 <= time.monotonic() - started < 1.5
    running.mesh.topology.put(
        "Deployment", deployment("examiner-primary", "examiner-primary", env={"REQUEST_DELAY": "250"})
    )
    started = time.monotonic()
    running.get("/examine")
    assert 0.25 <= time.monotonic() - started < 1.5
    started = time.monotonic()
    running.get("/examine?delay=oops")  # present but invalid: no delay at all, not the env's
    assert time.monotonic() - started < 0.2


def test_the_canary_answers_its_share_with_its_own_env(running: Running) -> None:
    topo = running.mesh.topology
    topo.put("TrafficSplit", split(50, 50))
    topo.put("Deployment", deployment("examiner", "examiner", env={"ECHO_VALUE": "new", "SERVER_ERROR_RATE": "100"}))
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: running.get("/examine"), range(400)))
    by_body = {body: [a.status_code for a in answers if a.text == body] for body in ("old", "new")}
    assert set(by_body["old"]) == {200}
    assert set(by_body["new"]) == {500}  # SERVER_ERROR_RATE 100 on the canary only
    assert 0.4 < len(by_body["new"]) / 400 < 0.6


def test_exports_linkerd_inbound_metrics(running: Running) -> None:
    running.mesh.topology.put("TrafficSplit", split(100, 0))
    running.mesh.topology.put("Deployment", deployment("examiner", "examiner", env={"SERVER_ERROR_RATE": "100"}))
    running.mesh._prepare()
    for path in ("/examine?delay=120", "/examine?delay=120", "/examine?status=200&delay=30"):
        running.get(path)
    families = running.families()
    totals: Counter[tuple[str, str, str]] = Counter()
    for labels, value in families["response_total"]:
        if labels["direction"] == "inbound" and labels["namespace"] == "apps":
            totals[(labels["deployment"], labels["status_code"], labels["classification"])] += value  # every pod
    assert totals[("examiner", "500", "failure")] == 2
    assert totals[("examiner", "200", "success")] == 1
    assert ("examiner-primary", "500", "failure") in totals  # created at 0 before any request
    assert totals[("examiner-primary", "500", "failure")] == 0
    buckets: Counter[str] = Counter()
    for labels, value in families["response_latency_ms_bucket"]:
        if labels["deployment"] == "examiner" and labels["status_code"] == "500":
            buckets[labels["le"]] += value
    assert buckets["100"] == 0 and buckets["200"] == 2 and buckets["+Inf"] == 2
    assert len(buckets) == len(LATENCY_BUCKETS_MS) + 1


def test_unmeshed_namespaces_export_nothing(running: Running) -> None:
    running.mesh.topology.put("Namespace", {"kind": "Namespace", "metadata": {"name": "apps"}})
    running.get("/examine")
    assert all(
        labels["classification"] != "success" or value == 0 for labels, value in running.families()["response_total"]
    )


def test_no_route_and_no_endpoints(running: Running) -> None:
    running.mesh.topology.put("TrafficSplit", split(100, 0))
    running.mesh.topology.put("Deployment", deployment("examiner", "examiner", ready=0))
    assert running.get("/examine").status_code == 503
    running.mesh.topology.replace_all("Ingress", [])
    assert running.get("/examine").status_code == 404


@pytest.mark.prometheus
def test_flaggers_queries_over_a_real_prometheus(running: Running, tmp_path: object) -> None:
    """Debian's Prometheus scrapes the emulator; Flagger's two builtin Linkerd queries give what was served."""
    from pathlib import Path

    from tests.prom.server import PrometheusServer, find_prometheus

    binary = find_prometheus()
    if binary is None:
        pytest.skip("Debian's prometheus binary is missing (apt-get install prometheus)")
    topo = running.mesh.topology
    topo.put("TrafficSplit", split(50, 50))
    topo.put("Deployment", deployment("examiner", "examiner", env={"SERVER_ERROR_RATE": "20"}))
    running.mesh._prepare()
    prom = PrometheusServer(binary, Path(str(tmp_path)), [running.metrics_target]).start()
    try:
        deadline = time.monotonic() + 30
        while not prom.query("up == 1"):
            assert time.monotonic() < deadline, prom.log_tail()
            time.sleep(0.2)

        def timed(_i: int) -> tuple[httpx.Response, float]:
            started = time.monotonic()
            answer = running.get("/examine?delay=40..60")
            return answer, (time.monotonic() - started) * 1000

        with ThreadPoolExecutor(10) as pool:
            timings = list(pool.map(timed, range(600)))
        answers = [a for a, _ in timings]
        time.sleep(2.5)  # two more scrapes
        canary = [a for a in answers if a.text == ""]  # examiner's ECHO_VALUE is empty: the canary answered
        failed = sum(a.status_code == 500 for a in canary)
        success = (
            'sum(rate(response_total{namespace="apps",deployment=~"examiner",classification!="failure",'
            'direction="inbound"}[1m])) / sum(rate(response_total{namespace="apps",deployment=~"examiner",'
            'direction="inbound"}[1m])) * 100'
        )
        duration = (
            'histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="apps",deployment=~"examiner",'
            'direction="inbound"}[1m])) by (le))'
        )
        assert prom.scalar(success) == pytest.approx(100 * (len(canary) - failed) / len(canary), abs=0.01)
        # At least the slowest requested delays (half of them are above 50 ms), at most the bucket bound above the
        # slowest answer the client waited for (the proxy measures inside that wait; a busy machine adds to it).
        p99 = prom.scalar(duration)
        slowest = max(ms for answer, ms in timings if answer.text == "")
        bound = next(b for b in LATENCY_BUCKETS_MS if b >= slowest)
        assert p99 is not None and 50 < p99 <= bound
    finally:
        prom.close()


def test_a_mirrored_copy_reaches_the_canary_and_counts_in_its_metrics_while_the_primary_answers(
    running: Running,
) -> None:
    """Blue/green with `mirror: true` on Istio: the VirtualService keeps all traffic on the primary and mirrors it to
    the canary (pkg/router/istio.go SetRoutes); the user's answer is the primary's, the canary's failures show only
    in its own series, which is what Flagger's analysis reads."""
    from tests.lab.test_provider_routing import mirrored_vs

    topo = running.mesh.topology
    topo.replace_all("TrafficSplit", [])
    topo.put("Namespace", {"kind": "Namespace", "metadata": {"name": "apps", "labels": {"istio-injection": "enabled"}}})
    topo.put("VirtualService", mirrored_vs())
    topo.put("Deployment", deployment("examiner", "examiner", env={"ECHO_VALUE": "new", "SERVER_ERROR_RATE": "100"}))
    running.mesh._prepare()
    answers = [running.get("/examine") for _ in range(20)]
    assert {(a.status_code, a.text) for a in answers} == {(200, "old")}

    def istio_requests() -> Counter[tuple[str, str]]:
        out: Counter[tuple[str, str]] = Counter()
        for labels, value in running.families().get("istio_requests_total", []):
            out[(labels["destination_workload"], labels["response_code"])] += value
        return out

    # The copies run in the background.
    wait_until(lambda: istio_requests()[("examiner", "500")] >= 20, "20 mirrored copies counted", timeout=30)
    counted = istio_requests()
    assert counted[("examiner-primary", "200")] == 20 and counted[("examiner", "500")] == 20
    assert counted[("examiner", "200")] == 0

    topo.put("VirtualService", mirrored_vs(0))
    backend = topo.backend("apps", "examiner", running.mesh.pick)
    assert backend is not None and backend.mirror is None  # mirrorPercentage 0: no copy at all
