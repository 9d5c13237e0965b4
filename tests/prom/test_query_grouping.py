"""Grouped custom-check queries against a real Prometheus: for Flagger's documented templates and its builtin checks,
each canary's share of the grouped answer has the value its own rendered query has (none when it has none).

A Prometheus of the test's own scrapes an exporter of the test's own, whose series follow the label schemes of the
providers (Istio, Linkerd, OSM, NGINX, App Mesh / pod-based, Contour, Gloo, Kuma, Knative, Prometheus operator); every
canary has its own rates, so a share taken from the wrong canary shows. Both queries are evaluated at the same instant.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from prometheus_client.exposition import MetricsHandler
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector, CollectorRegistry

from tests.prom.fixtures import wait_until
from tests.prom.server import PrometheusServer
from tui.cluster.builtin_queries import FAMILIES as GROUPED_FAMILIES
from tui.cluster.builtin_queries import MetricTarget, queries, rows
from tui.cluster.check_query import flagger_value
from tui.cluster.recorded_check import recorded_template
from tui.domain.flagger.builtin_query import BUILTIN_NAMES, TEMPLATES, builtin_query
from tui.domain.flagger.query_grouping import MARKER, plan
from tui.domain.flagger.query_template import TemplateModel, render_query

pytestmark = pytest.mark.prometheus

INTERVAL = "10s"
# (namespace, target): two namespaces share names, one target's name starts with another's, one has no series.
CANARIES = (
    ("alpha", "podinfo"),
    ("alpha", "podinfo-canary"),
    ("alpha", "api"),
    ("beta", "podinfo"),
    ("beta", "web"),
    ("gamma", "silent"),
)
SILENT = "silent"
BUCKETS = ("5", "10", "50", "100", "+Inf")

# Flagger's documentation: docs/gitbook/usage/metrics.md and the provider tutorials (v1.44).
DOCS = {
    "linkerd p99 (metrics.md)": """
        histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="{{ namespace }}",
          deployment=~"{{ target }}", direction="{{ variables.direction }}"}[{{ interval }}])) by (le))""",
    "istio not found % (metrics.md)": """
        100 - sum(rate(istio_requests_total{reporter="destination",
          destination_workload_namespace="{{ namespace }}", destination_workload="{{ target }}",
          response_code!="404"}[{{ interval }}]))
        / sum(rate(istio_requests_total{reporter="destination",
          destination_workload_namespace="{{ namespace }}", destination_workload="{{ target }}"}[{{ interval }}]))
        * 100""",
    "grpc error rate (metrics.md)": """
        100 - sum(rate(grpc_server_handled_total{grpc_code!="OK", kubernetes_namespace="{{ namespace }}",
          kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}]))
        / sum(rate(grpc_server_started_total{kubernetes_namespace="{{ namespace }}",
          kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100""",
    "linkerd success rate (linkerd tutorial)": """
        sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}", classification!="failure",
          direction="{{ variables.direction }}"}[{{ interval }}]))
        / sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}",
          direction="{{ variables.direction }}"}[{{ interval }}])) * 100""",
    "gateway api p99 (gatewayapi tutorial)": """
        histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="source",
          destination_workload_namespace=~"{{ namespace }}", destination_workload=~"{{ target }}",
          }[{{ interval }}])) by (le))/1000""",
    "gateway api errors (gatewayapi tutorial)": """
        100 - sum(rate(istio_requests_total{reporter="source", destination_workload_namespace=~"{{ namespace }}",
          destination_workload=~"{{ target }}", response_code!~"5.*"}[{{ interval }}]))
        / sum(rate(istio_requests_total{reporter="source", destination_workload_namespace=~"{{ namespace }}",
          destination_workload=~"{{ target }}", }[{{ interval }}])) * 100""",
    "contour errors (contour tutorial)": """
        100 - sum(rate(envoy_cluster_upstream_rq{
          envoy_cluster_name=~"{{ namespace }}_{{ target }}-canary_[0-9a-zA-Z-]+",
          envoy_response_code!~"5.*"}[{{ interval }}]))
        / sum(rate(envoy_cluster_upstream_rq{
          envoy_cluster_name=~"{{ namespace }}_{{ target }}-canary_[0-9a-zA-Z-]+",
          }[{{ interval }}])) * 100""",
    "nginx p99 (nginx tutorial)": """
        histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="{{ namespace }}",
          kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[1m])) by (le))""",
    # The prometheus-operator tutorial's shape (its `job` label is the scraper's own here), series by series.
    "errors per series, no aggregation (prometheus-operator tutorial)": """
        100 - rate(nginx_ingress_controller_requests{namespace="{{ namespace }}", ingress="{{ ingress }}",
          status!~"5.*"}[{{ interval }}])
        / rate(nginx_ingress_controller_requests{namespace="{{ namespace }}", ingress="{{ ingress }}"}[{{ interval }}])
        * 100""",
    # Not from the docs: a prefix regex, so one series is selected by two canaries (podinfo.* takes podinfo-canary's).
    "a series two canaries select": """
        sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}.*"}[{{ interval }}]))""",
    "nginx latency as a mean, avg by status": """
        avg(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="{{ namespace }}",
          ingress="{{ ingress }}"}[{{ interval }}])) by (canary) * 1000""",
}
FAMILIES = ("istio", "linkerd", "osm", "appmesh", "http", "contour", "gloo", "kuma", "knative", "nginx")
FAMILIES_BOTH_WAYS = ("istio", "linkerd", "osm", "http", "appmesh", "contour", "gloo", "kuma", "nginx")
TEMPLATES_UNDER_TEST = {
    **DOCS,
    "flagger's recorded value of a datadog check": recorded_template("dd-errors"),
    **{f"builtin {family} {i}": TEMPLATES[family][i] for family in FAMILIES for i in (0, 1)},
}
# Grouped by the canaries' own label values; the others (regexes that are more than a name: Flagger's pod regex,
# Contour's, Gloo's, Kuma's cluster names...) by a marker label on each canary's own copy of its selectors.
BY_LABELS = {
    "flagger's recorded value of a datadog check",
    "linkerd p99 (metrics.md)",
    "istio not found % (metrics.md)",
    "linkerd success rate (linkerd tutorial)",
    "gateway api p99 (gatewayapi tutorial)",
    "gateway api errors (gatewayapi tutorial)",
    "errors per series, no aggregation (prometheus-operator tutorial)",
    "nginx latency as a mean, avg by status",
    *(f"builtin {family} {i}" for family in ("istio", "linkerd", "osm", "knative", "nginx") for i in (0, 1)),
}


def series_of(k: int, namespace: str, target: str) -> list[tuple[str, dict[str, str], float]]:
    """(metric, labels, requests per second) of one canary under every provider's label scheme."""
    rps, bad = 2.0 + k, 0.05 * (k + 1)
    statuses = {"200": rps * (1 - bad) * 0.9, "404": rps * (1 - bad) * 0.1, "500": rps * bad}
    shares = (0.1, 0.3, 0.6 + 0.05 * k, 1.0, 1.0)  # the p99 falls between 50 and 100, a little apart for each
    pod = f"{target}-7d9f8b6c5-x2k4p"
    out: list[tuple[str, dict[str, str], float]] = []

    def requests(metric: str, labels: dict[str, str], code: str) -> None:
        out.extend((metric, {**labels, code: c}, r) for c, r in statuses.items())

    def histogram(metric: str, labels: dict[str, str]) -> None:
        out.extend((metric, {**labels, "le": le}, rps * share) for le, share in zip(BUCKETS, shares, strict=True))

    for reporter in ("destination", "source"):
        istio = {"reporter": reporter, "destination_workload_namespace": namespace, "destination_workload": target}
        requests("istio_requests_total", istio, "response_code")
        histogram("istio_request_duration_milliseconds_bucket", istio)
        statuses["500"] *= 3  # the source side sees more errors: a query on the wrong reporter shows
    statuses["500"] = rps * bad
    linkerd = {"namespace": namespace, "deployment": target, "direction": "inbound"}
    out += [("response_total", {**linkerd, "classification": "failure", "status_code": "500"}, rps * bad)]
    out += [("response_total", {**linkerd, "classification": "success", "status_code": "200"}, rps * (1 - bad))]
    histogram("response_latency_ms_bucket", linkerd)
    osm = {"destination_namespace": namespace, "destination_kind": "Deployment", "destination_name": target}
    requests("osm_request_total", osm, "response_code")
    histogram("osm_request_duration_ms_bucket", osm)
    nginx = {"namespace": namespace, "ingress": target, "canary": f"{namespace}-{target}-canary-80"}
    requests("nginx_ingress_controller_requests", nginx, "status")
    out += [("nginx_ingress_controller_response_duration_seconds_sum", nginx, rps * 0.02 * (k + 1))]
    out += [("nginx_ingress_controller_response_duration_seconds_count", nginx, rps)]
    by_pod = {"kubernetes_namespace": namespace, "kubernetes_pod_name": pod}
    for cluster in (
        by_pod,
        {"envoy_cluster_name": f"{namespace}/{target}"},  # knative
        {"envoy_cluster_name": f"{namespace}_{target}-canary_80"},  # contour
        {"envoy_cluster_name": f"{namespace}-{target}-canaryupstream-80_{namespace}"},  # gloo
        {"service": f"{target}-canary_{namespace}_svc_80"},  # kuma
    ):
        requests("envoy_cluster_upstream_rq", cluster, "envoy_response_code")
        histogram("envoy_cluster_upstream_rq_time_bucket", cluster)
    requests("http_request_duration_seconds_count", by_pod, "status")
    histogram("http_request_duration_seconds_bucket", by_pod)
    out += [
        ("grpc_server_started_total", by_pod, rps),
        ("grpc_server_handled_total", {**by_pod, "grpc_code": "OK"}, rps),
    ]
    out += [("grpc_server_handled_total", {**by_pod, "grpc_code": "Unavailable"}, rps * bad)]
    # A DaemonSet-like pod next to the Deployment's: Flagger's pod regex takes it for this canary, and only this one.
    out += [
        (
            "envoy_cluster_upstream_rq",
            {**by_pod, "kubernetes_pod_name": f"{target}-canary-x1", "envoy_response_code": "503"},
            1.0,
        )
    ]
    # Flagger's own gauge of a check it ran with another provider (recorder.go SetAnalysis).
    out += [("flagger_canary_metric_analysis", {"name": target, "namespace": namespace, "metric": "dd-errors"}, rps)]
    return out


class Fleet(Collector):
    """Counters that grow at each series' rate from the exporter's start."""

    def __init__(self) -> None:
        self.started = time.time()
        self.series = [
            s for k, (ns, target) in enumerate(CANARIES) if target != SILENT for s in series_of(k, ns, target)
        ]

    def collect(self) -> Iterator[Metric]:
        elapsed = time.time() - self.started
        families: dict[str, Metric] = {}
        for name, labels, rate in self.series:
            family = families.setdefault(name, Metric(name, name, "untyped"))
            family.add_sample(name, labels, rate * elapsed)
        yield from families.values()


@pytest.fixture(scope="module")
def fleet_prometheus(prometheus_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Fleet())
    server = ThreadingHTTPServer(("127.0.0.1", 0), MetricsHandler.factory(registry))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    target = f"127.0.0.1:{server.server_address[1]}"
    prom = PrometheusServer(prometheus_binary, tmp_path_factory.mktemp("grouping"), [target], job="fleet").start()
    try:
        ready = 'count(rate(response_total{namespace="beta"}[10s]) > 0) == 4'
        # The tests evaluate a second in the past: two scrapes must be in the window there.
        wait_until(lambda: bool(instant(prom.url, ready, time.time() - 1.0)), 60, "two scrapes of every series")
        yield prom.url
    finally:
        prom.close()
        server.shutdown()
        server.server_close()


def instant(url: str, query: str, at: float) -> list[Any]:
    answer = httpx.post(f"{url}/api/v1/query", data={"query": query, "time": f"{at:.3f}"}, timeout=10).json()
    assert answer["status"] == "success", f"{answer.get('error')}: {query}"
    return answer["data"]["result"]


def model(namespace: str, target: str) -> TemplateModel:
    return TemplateModel.for_canary(
        name=target, namespace=namespace, target=target, interval=INTERVAL, variables={"direction": "inbound"}
    )


@pytest.mark.parametrize("name", sorted(TEMPLATES_UNDER_TEST))
def test_each_canarys_share_of_the_grouped_answer_is_its_own_querys_value(fleet_prometheus: str, name: str) -> None:
    template = TEMPLATES_UNDER_TEST[name]
    models = [model(ns, target) for ns, target in CANARIES]
    groups = plan(template, models)
    assert groups is not None, "every one of these is grouped"
    assert all((MARKER not in g.query) == (name in BY_LABELS) for g in groups), "grouped the expected way"
    at = time.time() - 1.0
    own = [flagger_value(instant(fleet_prometheus, render_query(template, m), at)) for m in models]
    assert [v is None for v in own] == [target == SILENT for _, target in CANARIES], "every canary but one measured"
    assert sorted(m for g in groups for m in g.members) == list(range(len(models))), "every canary in one group"
    shared: dict[int, float | None] = {}
    for grouped in groups:
        for member, samples in grouped.shares(instant(fleet_prometheus, grouped.query, at)).items():
            shared[member] = flagger_value(samples)
    for i, (namespace, target) in enumerate(CANARIES):
        expected = own[i]
        assert shared[i] == (pytest.approx(expected, rel=1e-9) if expected is not None else None), (namespace, target)
    if "per series" not in name:  # 100 - x / x * 100 per series is 0 for every canary, 100 for 5xx
        assert len({v for v in own if v is not None}) > 1, "the canaries' values differ: a mix-up would show"


@pytest.mark.parametrize("family", FAMILIES_BOTH_WAYS)
def test_the_builtin_checks_two_forms_agree(fleet_prometheus: str, family: str) -> None:
    """The builtin checks as the poller asks them for every canary at once (tui/cluster/builtin_queries.py) and as
    Flagger asks them per canary, shown and copied in the analysis view (tui/domain/flagger/builtin_query.py): a
    selector changed in one form and not the other shows here."""
    grouped = GROUPED_FAMILIES[family]
    asked = queries(grouped, None, 10.0)
    at = time.time() - 1.0
    answers = {
        value: rows(grouped, instant(fleet_prometheus, asked[value], at)) for value in ("success_rate", "p99_ms")
    }
    for namespace, target in CANARIES:
        keys = grouped.keys(MetricTarget(namespace, target, family=family))
        (key,) = [k for k, workload in keys.items() if workload == target]
        for check, value in zip(BUILTIN_NAMES, ("success_rate", "p99_ms"), strict=True):
            own_query = builtin_query(family, check, model(namespace, target))
            assert own_query is not None
            own = flagger_value(instant(fleet_prometheus, own_query, at))
            row = answers[value].get(key)
            mine = flagger_value([row] if row is not None else [])
            if own is None or mine is None:
                assert own is None and mine is None and target == SILENT, (namespace, target, check)
                continue
            # Flagger's http and App Mesh durations are in its metric's unit; the poller shows milliseconds.
            scaled = value == "success_rate" or own_query.rstrip().endswith("1000")
            scale = 1.0 if scaled else grouped.scale
            assert mine == pytest.approx(own * scale, rel=1e-9), (namespace, target, check)
