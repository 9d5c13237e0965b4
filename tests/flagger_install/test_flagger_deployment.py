from __future__ import annotations

import pytest

from tests.flagger_install.shapes import helm_flagger, kustomize_flagger
from tui.domain.model import FlaggerSettings
from tui.kube.flagger_deployment import flag_value, in_cluster_service, parse_flagger_deployment


def test_helm_shape_reads_the_command() -> None:
    found = parse_flagger_deployment(helm_flagger("istio-system", mesh="nginx", metrics="http://prom.monitoring:9090"))
    assert found is not None
    assert found.settings() == FlaggerSettings("nginx", "http://prom.monitoring:9090", "istio-system/flagger")
    assert found.container == "flagger"
    assert found.pod_selector == "app.kubernetes.io/instance=flagger,app.kubernetes.io/name=flagger"


def test_helm_without_mesh_provider_is_istio_as_in_flagger() -> None:
    found = parse_flagger_deployment(helm_flagger(mesh=None))
    assert found is not None and found.mesh_provider == "istio"


def test_kustomize_shape_reads_args_in_both_go_spellings() -> None:
    found = parse_flagger_deployment(kustomize_flagger("linkerd", metrics="http://prometheus.linkerd-viz:9090"))
    assert found is not None
    assert (found.mesh_provider, found.metrics_server) == ("gatewayapi:v1beta1", "http://prometheus.linkerd-viz:9090")
    assert found.pod_selector == "app=flagger"


def test_no_metrics_flag_is_flaggers_default() -> None:
    obj = kustomize_flagger()
    obj["spec"]["template"]["spec"]["containers"][0]["args"] = ["-mesh-provider=kubernetes"]
    found = parse_flagger_deployment(obj)
    assert found is not None and found.metrics_server == "http://prometheus:9090"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-mesh-provider=istio", "--mesh-provider=linkerd"], "linkerd"),  # the last one wins, as in Go
        (["--mesh-provider", "osm"], "osm"),
        (["-mesh-provider"], None),
        (["-mesh-provider-x=1"], None),
        (["---mesh-provider=kuma"], None),
        ([], None),
    ],
)
def test_flag_value(argv: list[str], expected: str | None) -> None:
    assert flag_value(argv, "mesh-provider") == expected


@pytest.mark.parametrize(
    "obj",
    [
        None,
        {},
        {"metadata": {"name": "flagger"}},
        {"metadata": {"name": "f", "namespace": "n"}, "spec": {"template": 3}},
    ],
)
def test_malformed_deployments_are_none(obj: object) -> None:
    assert parse_flagger_deployment(obj) is None


def test_hostile_flag_text_is_made_safe() -> None:
    found = parse_flagger_deployment(helm_flagger(mesh="istio\x1b[31m"))
    assert found is not None and "\x1b" not in found.mesh_provider


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://prometheus:9090", ("flagger-system", "prometheus:9090")),
        ("http://prometheus.linkerd-viz:9090", ("linkerd-viz", "prometheus:9090")),
        (
            "http://flagger-prometheus.flagger-system.svc.cluster.local:9090",
            ("flagger-system", "flagger-prometheus:9090"),
        ),
        ("http://prometheus-server.mesh-observability.svc", ("mesh-observability", "prometheus-server:80")),
        ("https://thanos.monitoring:10902", ("monitoring", "https:thanos:10902")),
        ("http://10.0.0.7:9090", None),
        ("https://prometheus.example.com", None),
        ("prometheus:9090", None),
        ("http://prometheus:notaport", None),
    ],
)
def test_in_cluster_service(url: str, expected: tuple[str, str] | None) -> None:
    assert in_cluster_service(url, "flagger-system") == expected
