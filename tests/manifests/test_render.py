"""kustomize builds every Flux path; helm lints and renders the local chart with the canary on and off."""

from __future__ import annotations

import re

import pytest

from .render import CHART, KUBE_VERSION, LAYERS, MANIFESTS, Release, find, helm_template
from .tools import run


def test_every_kustomization_builds(kustomize, layers) -> None:
    kustomizations = sorted(p.parent for p in MANIFESTS.rglob("kustomization.yaml"))
    assert [p.name for p in kustomizations] == sorted(LAYERS)
    for layer in LAYERS:
        assert layers[layer], f"{layer} built to nothing"
    assert [o["metadata"]["name"] for o in layers["bootstrap"]] == ["apps", *LAYERS[:2]]


def test_chart_lints(helm) -> None:
    out = run([helm, "lint", CHART, "--strict", "--kube-version", KUBE_VERSION, "--set", "canary.enabled=true"])
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


def test_config_change_changes_the_pod_template(helm, releases) -> None:
    base = releases["examiner"]
    changed = Release(base.name, base.namespace, base.values | {"configuration": {"ECHO_VALUE": "another"}})

    def checksum(release: Release) -> str:
        deployment = find(helm_template(helm, release), "Deployment", "examiner")
        return deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum(base) != checksum(changed)
    assert checksum(base) == checksum(base)


def test_unknown_router_is_refused(helm, releases) -> None:
    with pytest.raises(AssertionError, match=re.escape("/canary/router': value must be one of 'gatewayapi', 'smi'")):
        helm_template(helm, releases["examiner"], ["canary.enabled=true", "canary.router=istio"])
    # the template refuses it too, for renderers that skip the values schema
    args = [helm, "template", "x", CHART, "--kube-version", KUBE_VERSION, "--skip-schema-validation"]
    with pytest.raises(AssertionError, match=re.escape('canary.router must be gatewayapi or smi, not "istio"')):
        run([*args, "--set", "canary.enabled=true", "--set", "canary.router=istio"])


def test_values_schema_rejects_wrong_types(helm) -> None:
    args = [helm, "template", "x", CHART, "--kube-version", KUBE_VERSION, "--set", "canary.analysis.stepWeight=ten"]
    with pytest.raises(AssertionError, match=re.escape("/canary/analysis/stepWeight")):
        run(args)
