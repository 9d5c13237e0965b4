"""The grouped builtin queries ask what Flagger's observers ask about a canary (same metrics, filters and window),
for primary and canary at once, and every answer row maps back to the right deployment."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from tui.cluster.builtin_queries import FAMILIES, MetricTarget, metric_target, queries, rows
from tui.cluster.prometheus import PrometheusPoller, Scope
from tui.domain.flagger.observers import OBSERVERS, builtin_gap, observer_family
from tui.kube.parse import parse_canary
from tui.sources.mailbox import Mailbox

# Flagger v1.44's observer queries (pkg/metrics/observers/<provider>.go), whitespace collapsed:
# (request-success-rate, request-duration).
FLAGGER: dict[str, tuple[str, str]] = {
    "istio": (
        'sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="{{ namespace }}",'
        ' destination_workload=~"{{ target }}", response_code!~"5.*"}[{{ interval }}])) /'
        ' sum(rate(istio_requests_total{reporter="destination", destination_workload_namespace="{{ namespace }}",'
        ' destination_workload=~"{{ target }}"}[{{ interval }}])) * 100',
        'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",'
        ' destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}"}[{{ interval }}]))'
        " by (le))",
    ),
    "linkerd": (
        'sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}", classification!="failure",'
        ' direction="inbound"}[{{ interval }}])) / sum(rate(response_total{namespace="{{ namespace }}",'
        ' deployment=~"{{ target }}", direction="inbound"}[{{ interval }}])) * 100',
        'histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="{{ namespace }}",'
        ' deployment=~"{{ target }}", direction="inbound"}[{{ interval }}])) by (le))',
    ),
    "osm": (
        'sum(rate(osm_request_total{destination_namespace="{{ namespace }}", destination_kind="Deployment",'
        ' destination_name="{{ target }}", response_code!~"5.*"}[{{ interval }}])) /'
        ' sum(rate(osm_request_total{destination_namespace="{{ namespace }}", destination_kind="Deployment",'
        ' destination_name="{{ target }}"}[{{ interval }}])) * 100',
        'histogram_quantile(0.99, sum(rate(osm_request_duration_ms_bucket{destination_namespace="{{ namespace }}",'
        ' destination_kind="Deployment", destination_name="{{ target }}"}[{{ interval }}])) by (le))',
    ),
    "appmesh": (
        'sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="{{ namespace }}",'
        ' kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", envoy_response_code!~"5.*"}'
        '[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{kubernetes_namespace="{{ namespace }}",'
        ' kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100',
        "histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{"
        'kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}'
        "[{{ interval }}])) by (le))",
    ),
    "http": (
        'sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",'
        ' kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", status!~"5.*"}[{{ interval }}])) /'
        ' sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",'
        ' kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) * 100',
        'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{kubernetes_namespace="{{ namespace }}",'
        ' kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}[{{ interval }}])) by (le))',
    ),
    "contour": (
        'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+",'
        ' envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~'
        '"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+",}[{{ interval }}])) * 100',
        "histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"
        '"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+",}[{{ interval }}])) by (le))',
    ),
    "gloo": (
        "sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"
        '"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", envoy_response_code!~"5.*"}'
        "[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"
        '"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+",}[{{ interval }}])) * 100',
        "histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"
        '"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+",}[{{ interval }}])) by (le))',
    ),
    "kuma": (
        'sum(rate(envoy_cluster_upstream_rq{service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+",'
        ' envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{service=~'
        '"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+",}[{{ interval }}])) * 100',
        'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{service=~"{{ target }}-canary_'
        '{{ namespace }}_svc_[0-9a-zA-Z-]+",}[{{ interval }}])) by (le))',
    ),
    "traefik": (
        'sum(rate(traefik_service_request_duration_seconds_bucket{service=~"{{ namespace }}-{{ target }}-canary-'
        '[0-9a-zA-Z-]+@kubernetescrd", code!~"5..", le="+Inf"}[{{ interval }}])) / sum(rate('
        'traefik_service_request_duration_seconds_bucket{service=~"{{ namespace }}-{{ target }}-canary-'
        '[0-9a-zA-Z-]+@kubernetescrd", le="+Inf"}[{{ interval }}])) * 100',
        'histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{service=~"{{ namespace }}-'
        '{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"}[{{ interval }}])) by (le)) * 1000',
    ),
    "nginx": (
        'sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}", ingress="{{ ingress }}", canary!="",'
        ' status!~"5.*"}[{{ interval }}])) / sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",'
        ' ingress="{{ ingress }}", canary!=""}[{{ interval }}])) * 100',
        'sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="{{ namespace }}",'
        ' ingress="{{ ingress }}", canary!=""}[{{ interval }}])) / sum(rate('
        'nginx_ingress_controller_response_duration_seconds_count{namespace="{{ namespace }}", ingress="{{ ingress }}",'
        ' canary!=""}[{{ interval }}])) * 1000',
    ),
    "skipper": (
        'sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",code!~"5..",le="+Inf"}'
        '[{{ interval }}])) / sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",le="+Inf"}'
        "[{{ interval }}])) * 100",
        'sum(rate(skipper_serve_route_duration_seconds_sum{route=~"{{ $route }}"}[{{ interval }}])) / '
        'sum(rate(skipper_serve_route_duration_seconds_count{route=~"{{ $route }}"}[{{ interval }}])) * 1000',
    ),
}
# The labels Flagger's query pins the one canary by; grouped queries group by them (or what is cut out of them).
PINNING = {
    "istio": {"destination_workload", "destination_workload_namespace"},
    "linkerd": {"deployment", "namespace"},
    "osm": {"destination_name", "destination_namespace"},
    "appmesh": {"kubernetes_pod_name", "kubernetes_namespace"},
    "http": {"kubernetes_pod_name", "kubernetes_namespace"},
    "contour": {"envoy_cluster_name"},
    "gloo": {"envoy_cluster_name"},
    "kuma": {"service"},
    "traefik": {"service"},
    "nginx": {"namespace", "ingress", "canary"},
    "skipper": {"route"},
}
# Observers whose query answers seconds and whose Go code multiplies by 1000 (http.go).
SECONDS_IN_GO = {"http"}
MODEL = {"namespace": "test", "target": "podinfo", "service": "podinfo", "ingress": "podinfo", "interval": "1m"}
SKIPPER_ROUTE = "kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"
TARGET = MetricTarget("test", "podinfo", 60.0)

SELECTOR = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}\[([0-9a-z]+)\]')
MATCHER = re.compile(r'\s*([a-zA-Z_]+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')


def render(template: str) -> str:
    text = template.replace("{{ $route }}", SKIPPER_ROUTE)
    for name, value in MODEL.items():
        text = text.replace(f"{{{{ {name} }}}}", value)
    return text


def seconds(window: str) -> float:
    number, unit = re.fullmatch(r"([0-9]+)(ms|s|m)", window).groups()  # type: ignore[union-attr]
    return int(number) * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def selectors(query: str) -> list[tuple[str, frozenset[tuple[str, str, str]], float]]:
    """Every `metric{matchers}[window]` in a query: (metric, its matchers, window in seconds)."""
    found = []
    for metric, body, window in SELECTOR.findall(query):
        matchers = frozenset(MATCHER.findall(body))
        found.append((metric, matchers, seconds(window)))
    return found


def unpinned(query: str, pinning: set[str]) -> list[tuple[str, frozenset[tuple[str, str, str]], float]]:
    return sorted((m, frozenset(x for x in ms if x[0] not in pinning), w) for m, ms, w in selectors(query))


@pytest.mark.parametrize("family", sorted(FLAGGER))
def test_grouped_queries_ask_flaggers_metrics_filters_and_window(family: str) -> None:
    success_rate, duration = (render(q) for q in FLAGGER[family])
    ours = queries(FAMILIES[family], "test", 60.0)
    pinning = PINNING[family]
    assert unpinned(ours["success_rate"], pinning) == unpinned(success_rate, pinning)
    assert unpinned(ours["p99_ms"], pinning) == unpinned(duration, pinning)
    # Requests per second: the success rate's denominator (the selector without the success filter).
    denominator = min(unpinned(success_rate, pinning), key=lambda s: len(s[1]))
    assert unpinned(ours["rps"], pinning) == [denominator]
    assert ("histogram_quantile(0.99" in ours["p99_ms"]) == ("histogram_quantile(0.99" in duration)
    assert ours["p99_ms"].endswith("* 1000") == (duration.endswith("* 1000") or family in SECONDS_IN_GO)
    assert ours["success_rate"].endswith("* 100") and success_rate.endswith("* 100")


# Label values as each provider's proxy reports them for `podinfo` in `test` (canary, primary), per pkg/router and
# the observers' comments; the canary's must match Flagger's own selector.
LABELS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "istio": (
        {"destination_workload_namespace": "test", "destination_workload": "podinfo"},
        {"destination_workload_namespace": "test", "destination_workload": "podinfo-primary"},
    ),
    "linkerd": ({"namespace": "test", "deployment": "podinfo"}, {"namespace": "test", "deployment": "podinfo-primary"}),
    "osm": (
        {"destination_namespace": "test", "destination_name": "podinfo"},
        {"destination_namespace": "test", "destination_name": "podinfo-primary"},
    ),
    "appmesh": (
        {"kubernetes_namespace": "test", "kubernetes_pod_name": "podinfo-7d9c8b6f5d-x2k4q"},
        {"kubernetes_namespace": "test", "kubernetes_pod_name": "podinfo-primary-5b8f7c9d4-q8m2z"},
    ),
    "http": (
        {"kubernetes_namespace": "test", "kubernetes_pod_name": "podinfo-7d9c8b6f5d-x2k4q"},
        {"kubernetes_namespace": "test", "kubernetes_pod_name": "podinfo-primary-5b8f7c9d4-q8m2z"},
    ),
    "contour": (
        {"envoy_cluster_name": "test_podinfo-canary_9898"},
        {"envoy_cluster_name": "test_podinfo-primary_9898"},
    ),
    "gloo": (
        {"envoy_cluster_name": "test-podinfo-canaryupstream-9898_gloo-system"},
        {"envoy_cluster_name": "test-podinfo-primaryupstream-9898_gloo-system"},
    ),
    "kuma": ({"service": "podinfo-canary_test_svc_9898"}, {"service": "podinfo-primary_test_svc_9898"}),
    "traefik": (
        {"service": "test-podinfo-canary-9898@kubernetescrd"},
        {"service": "test-podinfo-primary-9898@kubernetescrd"},
    ),
    "nginx": (
        {"namespace": "test", "ingress": "podinfo", "canary": "test-podinfo-canary-9898"},
        {"namespace": "test", "ingress": "podinfo", "canary": ""},
    ),
    "skipper": (
        {"route": "kube_test__podinfo_canary__app_example_org____podinfo_canary_9898"},
        {"route": "kube_test__podinfo_canary__app_example_org____podinfo_primary_9898"},
    ),
}


def label_replace(labels: dict[str, str], family: str) -> dict[str, str]:
    """What Prometheus's label_replace does with the family's steps (an anchored match; no match: unchanged)."""
    out = dict(labels)
    for dst, replacement, src, regex in FAMILIES[family].relabel:
        match = re.fullmatch(regex, out.get(src, ""))
        if match:
            groups = ("", *(g or "" for g in match.groups()))
            out[dst] = re.sub(r"\$([0-9])", lambda m, groups=groups: groups[int(m.group(1))], replacement)
    return out


def mapped(family: str, labels: dict[str, str], target: MetricTarget = TARGET) -> str | None:
    answer = [{"metric": label_replace(labels, family), "value": [1.0, "1"]}]
    keys = FAMILIES[family].keys(target)
    return next((keys[key] for key in rows(FAMILIES[family], answer) if key in keys), None)


def flagger_selects(family: str, labels: dict[str, str]) -> bool:
    """Whether Flagger's own request-success-rate denominator selects a series with these labels."""
    query = render(FLAGGER[family][0])
    for _metric, matchers, _window in selectors(query):
        for label, op, value in matchers:
            if label not in PINNING[family]:
                continue
            have = labels.get(label, "")
            ok = {
                "=": have == value,
                "!=": have != value,
                "=~": re.fullmatch(value, have) is not None,
                "!~": re.fullmatch(value, have) is None,
            }[op]
            if not ok:
                return False
    return True


@pytest.mark.parametrize("family", sorted(LABELS))
def test_answer_rows_map_back_to_the_primary_and_the_canary(family: str) -> None:
    canary, primary = LABELS[family]
    assert flagger_selects(family, canary), "the canary's series is what Flagger's own query selects"
    assert not flagger_selects(family, primary), "Flagger's query selects the canary only"
    assert mapped(family, canary) == "podinfo"
    assert mapped(family, primary) == "podinfo-primary"
    other = MetricTarget("test", "backend", 60.0, ingress="backend", apex="backend")
    assert mapped(family, canary, other) is None, "another canary's rows are not this one's"


@pytest.mark.parametrize(
    ("spec", "mesh", "kind", "family"),
    [
        ("istio", None, "Deployment", "istio"),
        (None, "linkerd", "Deployment", "linkerd"),
        ("nginx", "linkerd", "Deployment", "linkerd"),  # Flagger's flag naming linkerd wins over spec.provider
        ("gatewayapi:v1", "istio", "Deployment", "http"),
        (None, "gatewayapi:v1beta1", "Deployment", "http"),
        ("kubernetes", None, "Deployment", "http"),
        ("smi:v1alpha3", None, "Deployment", "istio"),
        ("linkerd", None, "Service", "istio"),  # linkerd:service is not a name the factory knows
        ("gatewayapi:v1", None, "Service", "http"),
        ("appmesh:v1beta2", None, "Deployment", "appmesh"),
        ("gloo", None, "Deployment", "gloo"),
        ("osm", None, "Deployment", "osm"),
        ("envoy", None, "Deployment", "istio"),
        (None, None, "Deployment", None),
    ],
)
def test_observer_family_follows_flaggers_scheduler_and_factory(
    spec: str | None, mesh: str | None, kind: str, family: str | None
) -> None:
    assert observer_family(spec, mesh, kind) == family


def test_families_without_a_primary_and_canary_split_are_named() -> None:
    assert builtin_gap("linkerd", "DaemonSet") is not None
    assert builtin_gap("istio", "DaemonSet") is None
    assert builtin_gap("apisix") is not None and builtin_gap("knative") is not None
    assert set(FAMILIES) | {"apisix", "knative"} == set(OBSERVERS)


class CountingPrometheus:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def custom_query(self, query: str) -> list[Any]:
        self.asked.append(query)
        return []


def asked_per_refresh(targets: tuple[MetricTarget, ...]) -> list[str]:
    prom = CountingPrometheus()
    poller = PrometheusPoller(lambda: prom, "test", lambda: Scope(None, targets), Mailbox(), None)  # type: ignore[arg-type]
    poller.refresh(prom)
    poller.refresh(prom)
    assert poller.requests == len(prom.asked)
    return prom.asked[: len(prom.asked) // 2]


MIXED = ("istio", "linkerd", "http", "nginx", "contour", None)


def test_requests_per_refresh_are_the_same_for_one_and_a_thousand_canaries_over_mixed_providers() -> None:
    one_each = tuple(MetricTarget(f"ns{i}", f"app{i}", 60.0, family) for i, family in enumerate(MIXED))
    thousand = tuple(
        MetricTarget(f"ns{i % 37}", f"app{i:04d}", 60.0, MIXED[i % len(MIXED)], ingress=f"ing{i}") for i in range(1000)
    )
    # The unknown provider shares Linkerd's queries: three per family present.
    assert len(asked_per_refresh(one_each)) == 3 * 5
    assert asked_per_refresh(thousand) == asked_per_refresh(one_each), "the same queries, whatever the count"
    for family in ("istio", "nginx", None):
        assert len(asked_per_refresh((MetricTarget("ns", "app", 60.0, family),))) == 3


def test_a_canarys_ingress_ref_and_provider_reach_the_poller() -> None:
    info = parse_canary(
        {
            "metadata": {"namespace": "shop", "name": "front"},
            "spec": {
                "provider": "nginx",
                "targetRef": {"kind": "Deployment", "name": "front"},
                "ingressRef": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "web"},
                "analysis": {"metrics": [{"name": "request-success-rate", "interval": "2m"}]},
            },
        }
    )
    assert info is not None
    target = metric_target(info, mesh_provider="istio")
    assert (target.family, target.ingress, target.interval_s) == ("nginx", "web", 120.0)
    keys = FAMILIES["nginx"].keys(target)
    assert keys == {("shop", "web", "primary"): "front-primary", ("shop", "web", "canary"): "front"}
    # Without spec.provider, Flagger's flag decides.
    bare = replace(info, provider=None)
    assert metric_target(bare, mesh_provider="gatewayapi:v1beta1").family == "http"
    assert metric_target(bare, mesh_provider=None).family is None


class AnsweringPrometheus:
    """Answers each of Linkerd's three grouped queries with rows by namespace and deployment."""

    def __init__(self, answers: dict[str, dict[str, str]]) -> None:
        self.answers = answers  # value name -> deployment -> the value Prometheus writes (a string, maybe NaN)

    def custom_query(self, query: str) -> list[Any]:
        value = "p99_ms" if "histogram_quantile" in query else "success_rate" if "* 100" in query else "rps"
        return [
            {"metric": {"namespace": "shop", "deployment": name}, "value": [1700000000.5, text]}
            for name, text in self.answers[value].items()
        ]


class Emitted:
    def __init__(self) -> None:
        self.observations: list[Any] = []

    def emit(self, observation: Any) -> None:
        self.observations.append(observation)

    def health(self, *args: Any) -> None:
        pass


def test_each_deployments_three_values_land_in_its_sample() -> None:
    prom = AnsweringPrometheus(
        {
            "success_rate": {"front-primary": "99.5", "front": "NaN"},
            "rps": {"front-primary": "12", "front": "3.5"},
            "p99_ms": {"front-primary": "250", "back-primary": "7"},
        }
    )
    targets = (MetricTarget("shop", "front", 60.0, "linkerd"), MetricTarget("shop", "back", 60.0, "linkerd"))
    emitted = Emitted()
    poller = PrometheusPoller(lambda: prom, "test", lambda: Scope(None, targets), emitted, None)  # type: ignore[arg-type]
    poller.refresh(prom)
    [observed] = emitted.observations
    got = {s.deployment: (s.t, s.success_rate, s.rps, s.p99_ms) for s in observed.samples}
    assert got == {
        "front-primary": (1700000000.5, 99.5, 12.0, 250.0),
        "front": (1700000000.5, None, 3.5, None),  # NaN and a missing row are gaps, never 0
        "back-primary": (1700000000.5, None, None, 7.0),
        "back": (1700000000.5, None, None, None),
    }
