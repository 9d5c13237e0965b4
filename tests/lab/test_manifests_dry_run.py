"""The apps layer of manifests/, applied to the lab's real API server with a server-side dry run (dryRun=All):
Flux's Kustomization for it, what `kustomize build manifests/cluster/apps` gives (namespace and HelmRelease),
and the examiner chart as that HelmRelease renders it, with and without the canary.

Server-side apply checks every field against the served schemas (Flux's, Flagger's, prometheus-operator's and
Gateway API's CRDs from their pinned Go modules), runs admission and defaulting, and persists nothing.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tui.lab import apps
from tui.lab.controlplane import LabInfo
from tui.lab.crds import crds_in, install_crds

pytestmark = pytest.mark.lab

CHART_VARIANTS = {
    "as committed": [],
    "canary with HTTPRoute (gatewayapi)": ["canary.enabled=true"],
    "canary with TrafficSplit (smi)": ["canary.enabled=true", "canary.router=smi"],
}


@pytest.fixture(scope="module")
def manifests_tools() -> Any:
    from tests.manifests import tools

    try:
        return tools.tool_path("kustomize"), tools.tool_path("helm"), tools.module_dir
    except tools.ToolUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def flux_ready(lab: LabInfo, kube_api: Any, manifests_tools: Any) -> Any:
    """The CRDs the apps layer and the chart use, installed for real, and the flux-system namespace."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    _, _, module_dir = manifests_tools
    paths: list[Path] = []
    for key in ("source-controller", "kustomize-controller", "helm-controller"):
        paths += sorted((module_dir(key) / "config/crd/bases").glob("*.yaml"))
    monitoring = module_dir("prometheus-operator") / "example/prometheus-operator-crd"
    paths += [
        monitoring / "monitoring.coreos.com_servicemonitors.yaml",
        monitoring / "monitoring.coreos.com_podmonitors.yaml",
    ]
    install_crds(kube_api, crds_in(paths))
    try:
        client.CoreV1Api(kube_api).create_namespace({"metadata": {"name": "flux-system"}})
    except ApiException as exc:
        if exc.status != 409:
            raise
    return kube_api


@pytest.fixture(scope="module")
def apps_layer(manifests_tools: Any) -> list[dict[str, Any]]:
    from tests.manifests.render import MANIFESTS, kustomize_build, load_all

    kustomize, _, _ = manifests_tools
    bootstrap = [o for o in load_all((MANIFESTS / "bootstrap" / "apps.yaml").read_text())]
    return bootstrap + kustomize_build(kustomize, MANIFESTS / "cluster" / "apps")


def dry_run(api: Any, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return apps.apply(api, objs, dry_run=True)


def test_apps_layer_passes_a_server_side_dry_run(flux_ready: Any, apps_layer: list[dict[str, Any]]) -> None:
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in apps_layer)
    assert kinds == [("HelmRelease", "examiner"), ("Kustomization", "apps"), ("Namespace", "apps")]
    results = dry_run(flux_ready, apps_layer)
    assert [(r["kind"], r["metadata"]["name"]) for r in results] == [
        (o["kind"], o["metadata"]["name"]) for o in apps_layer
    ]
    release = next(r for r in results if r["kind"] == "HelmRelease")
    assert release["spec"]["values"]["canary"]["enabled"] is False


def test_dry_run_refuses_what_the_schema_does_not_know(flux_ready: Any, apps_layer: list[dict[str, Any]]) -> None:
    from kubernetes.client.exceptions import ApiException

    release = copy.deepcopy(next(o for o in apps_layer if o["kind"] == "HelmRelease"))
    release["spec"]["chart"]["spec"]["reconcileStrategy"] = "Sometimes"  # not in the CRD's enum
    with pytest.raises(ApiException) as caught:
        dry_run(flux_ready, [release])
    assert caught.value.status in (400, 422) and "reconcileStrategy" in str(caught.value.body)


@pytest.mark.parametrize("variant", list(CHART_VARIANTS))
def test_examiner_chart_passes_a_server_side_dry_run(
    variant: str, flux_ready: Any, apps_layer: list[dict[str, Any]], manifests_tools: Any
) -> None:
    from tests.manifests.render import helm_template, local_chart_releases

    _, helm, _ = manifests_tools
    (release,) = local_chart_releases(apps_layer)
    objects = helm_template(helm, release, CHART_VARIANTS[variant])
    results = dry_run(flux_ready, objects)
    kinds = {r["kind"] for r in results}
    assert {"Deployment", "Service", "ConfigMap", "ServiceMonitor"} <= kinds
    if "canary.enabled=true" in CHART_VARIANTS[variant]:
        canary = next(r for r in results if r["kind"] == "Canary")
        assert canary["spec"]["targetRef"]["name"] == "examiner"
        smi = "canary.router=smi" in CHART_VARIANTS[variant]
        assert canary["spec"]["provider"] == ("linkerd" if smi else "gatewayapi:v1")
    # Nothing was stored: the lab's own examiner is untouched.
    from kubernetes import client

    deployment = client.AppsV1Api(flux_ready).read_namespaced_deployment("examiner", "apps")
    assert "helm.sh/chart" not in (deployment.metadata.labels or {})
