"""kustomize builds every Flux path; helm lints and renders the local chart with the canary on and off."""

from __future__ import annotations

import re

import pytest

from .render import CHART, KUBE_VERSION, LAYERS, MANIFESTS, VARIANTS, Release, find, helm_template
from .tools import run


def test_every_kustomization_builds(kustomize, layers, istio_layers) -> None:
    kustomizations = sorted(p.parent.relative_to(MANIFESTS) for p in MANIFESTS.rglob("kustomization.yaml"))
    clusters = sorted(cluster for _, cluster in VARIANTS.values())
    assert [str(p) for p in kustomizations] == [f"{c}/{layer}" for c in clusters for layer in sorted(LAYERS)]
    for built in (layers, istio_layers):
        for layer in LAYERS:
            assert built[layer], f"{layer} built to nothing"
        assert [o["metadata"]["name"] for o in built["bootstrap"]] == ["apps", *LAYERS[:2]]
    # each bootstrap path points at its own variant's layers
    for built, (_, cluster) in ((layers, VARIANTS["linkerd"]), (istio_layers, VARIANTS["istio"])):
        paths = sorted(o["spec"]["path"] for o in built["bootstrap"])
        assert paths == sorted(f"./manifests/{cluster}/{layer}" for layer in LAYERS)


@pytest.mark.parametrize(
    "sets",
    [
        ["canary.enabled=true"],
        ["canary.enabled=true", "canary.router=istio"],
        ["ingress.enabled=true", "canary.router=istio"],
    ],
    ids=["canary", "canary-istio", "istio-gateway-route"],
)
def test_chart_lints(helm, sets) -> None:
    args = [helm, "lint", CHART, "--strict", "--kube-version", KUBE_VERSION]
    out = run([*args, *(arg for value in sets for arg in ("--set", value))])
    assert "0 chart(s) failed" in out


def _kinds(objects) -> list[str]:
    return sorted(o["kind"] for o in objects)


def test_canary_off_renders_a_plain_app(chart_renders) -> None:
    objects = chart_renders["examiner as committed"]
    assert _kinds(objects) == ["ConfigMap", "Deployment", "Ingress", "Service", "ServiceAccount", "ServiceMonitor"]
    monitor = find(objects, "ServiceMonitor", "examiner", "monitoring")
    assert monitor["spec"]["selector"]["matchExpressions"][0]["values"] == ["examiner"]


def test_canary_on_adds_the_canary_and_the_loadtester(chart_renders) -> None:
    objects = chart_renders["examiner canary gatewayapi"]
    assert _kinds(objects) == [
        "Canary",
        "ConfigMap",
        "Deployment",
        "Deployment",
        "Ingress",
        "Service",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ]
    monitor = find(objects, "ServiceMonitor", "examiner", "monitoring")
    # Flagger's generated Services carry their own name in app.kubernetes.io/name
    assert monitor["spec"]["selector"]["matchExpressions"][0]["values"] == ["examiner-primary", "examiner-canary"]
    assert _kinds(chart_renders["examiner canary without loadtester"]).count("Deployment") == 1


def test_the_router_value_selects_trafficsplit_or_httproute(chart_renders) -> None:
    gateway = find(chart_renders["examiner canary gatewayapi"], "Canary", "examiner")["spec"]
    smi = find(chart_renders["examiner canary smi + HPA + both gates"], "Canary", "examiner")["spec"]
    assert gateway["provider"] == "gatewayapi:v1"
    assert gateway["service"]["gatewayRefs"] == [
        {"name": "examiner", "namespace": "apps", "group": "core", "kind": "Service", "port": 80}
    ]
    assert smi["provider"] == "linkerd"
    assert "gatewayRefs" not in smi["service"]
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "examiner"}
    assert smi["autoscalerRef"] == hpa


def test_the_istio_router_writes_a_virtualservice_canary(istio_chart_renders, chart_renders) -> None:
    canary = find(istio_chart_renders["examiner canary istio"], "Canary", "examiner")["spec"]
    assert canary["provider"] == "istio"
    assert canary["service"]["gateways"] == ["istio-ingress/public-gateway", "mesh"]
    assert canary["service"]["hosts"] == ["localhost"]
    assert "gatewayRefs" not in canary["service"]
    gates = find(istio_chart_renders["examiner canary istio + HPA + both gates"], "Canary", "examiner")["spec"]
    assert gates["autoscalerRef"]["kind"] == "HorizontalPodAutoscaler"
    # the Linkerd routers carry no Istio fields
    for label in ("examiner canary gatewayapi", "examiner canary smi + HPA + both gates"):
        linkerd = find(chart_renders[label], "Canary", "examiner")["spec"]["service"]
        assert "gateways" not in linkerd and "hosts" not in linkerd


def test_istio_routes_the_gateway_through_a_virtualservice_not_an_ingress(istio_chart_renders) -> None:
    off = istio_chart_renders["examiner istio as committed"]
    assert _kinds(off) == ["ConfigMap", "Deployment", "Service", "ServiceAccount", "ServiceMonitor", "VirtualService"]
    service = find(off, "VirtualService", "examiner-ingress", "apps")["spec"]
    # the gateway only: in-mesh calls reach the plain Service without a VirtualService
    assert service["gateways"] == ["istio-ingress/public-gateway"]
    assert service["hosts"] == ["localhost"]
    assert service["http"] == [{"route": [{"destination": {"host": "examiner", "port": {"number": 80}}}]}]
    # with the canary on, Flagger's VirtualService routes the gateway: a second one for the same host would compete
    on = istio_chart_renders["examiner canary istio"]
    assert {o["kind"] for o in on}.isdisjoint({"VirtualService", "Ingress"})


def test_istio_without_an_ingress_gateway_is_refused(helm, istio_releases) -> None:
    with pytest.raises(AssertionError, match=re.escape("canary.istio.gateways must name an ingress gateway")):
        helm_template(helm, istio_releases["examiner"], ["canary.istio.gateways={mesh}"])
    with pytest.raises(AssertionError, match=re.escape("/canary/istio/hosts")):
        helm_template(helm, istio_releases["examiner"], ["canary.istio.hosts={}"])


def test_config_change_changes_the_pod_template(helm, releases) -> None:
    base = releases["examiner"]
    changed = Release(base.name, base.namespace, base.values | {"configuration": {"ECHO_VALUE": "another"}})

    def checksum(release: Release) -> str:
        deployment = find(helm_template(helm, release), "Deployment", "examiner")
        return deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum(base) != checksum(changed)
    assert checksum(base) == checksum(base)


def test_unknown_router_is_refused(helm, releases) -> None:
    expected = "/canary/router': value must be one of 'gatewayapi', 'smi', 'istio'"
    with pytest.raises(AssertionError, match=re.escape(expected)):
        helm_template(helm, releases["examiner"], ["canary.enabled=true", "canary.router=nginx"])
    # the template refuses it too, for renderers that skip the values schema
    args = [helm, "template", "x", CHART, "--kube-version", KUBE_VERSION, "--skip-schema-validation"]
    with pytest.raises(AssertionError, match=re.escape('canary.router must be gatewayapi, smi or istio, not "nginx"')):
        run([*args, "--set", "canary.enabled=true", "--set", "canary.router=nginx"])


def test_values_schema_rejects_wrong_types(helm) -> None:
    args = [helm, "template", "x", CHART, "--kube-version", KUBE_VERSION, "--set", "canary.analysis.stepWeight=ten"]
    with pytest.raises(AssertionError, match=re.escape("/canary/analysis/stepWeight")):
        run(args)
