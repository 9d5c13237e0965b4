"""The Istio variant (manifests/bootstrap-istio): what canaryscope and Flagger rely on there, and that it differs
from the Linkerd cluster only in the mesh."""

from __future__ import annotations

import copy
import difflib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .render import MANIFESTS, Obj, find, kustomize_build
from .test_contract import (
    CANARY_NAME,
    CANARY_NAMESPACE,
    EXAMINER_URL,
    PROMETHEUS_NAMESPACE,
    PROMETHEUS_PORT,
    PROMETHEUS_SERVICE,
    _pod_labels,
    _relabel,
)
from .tools import MODULES

GATEWAY_RELEASE = ("istio-ingress", "istio-ingressgateway")
ISTIO_CHARTS = {"istio-base": "base", "istiod": "istiod", "istio-ingressgateway": "gateway"}


def _all(layers: dict[str, list[Obj]]) -> list[Obj]:
    return [o for objs in layers.values() for o in objs]


def _key(obj: Obj) -> tuple[str, str | None, str]:
    return obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]


def _gateway_pod_labels(release: Obj) -> dict[str, str]:
    """Selector labels the Istio gateway chart gives its pods: app = the release name, istio = that name without
    its `istio-` prefix (manifests/charts/gateway/templates/_helpers.tpl)."""
    name = release["spec"].get("values", {}).get("name") or release["spec"]["releaseName"]
    return {"app": name, "istio": name.removeprefix("istio-")}


def test_flagger_runs_with_istio_and_prometheus_operated(istio_layers, istio_flagger_render) -> None:
    values = find(istio_layers["infrastructure-layer-1"], "HelmRelease", "flagger", "flagger")["spec"]["values"]
    address = f"http://{PROMETHEUS_SERVICE}.{PROMETHEUS_NAMESPACE}:{PROMETHEUS_PORT}"
    assert values == {"meshProvider": "istio", "metricsServer": address}
    deployment = find(istio_flagger_render, "Deployment", "flagger", "flagger")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "-mesh-provider=istio" in args
    assert f"-metrics-server={address}" in args
    monitor = find(istio_layers["infrastructure-layer-2"], "PodMonitor", "flagger", PROMETHEUS_NAMESPACE)
    assert monitor["spec"]["selector"]["matchLabels"].items() <= _pod_labels(deployment).items()


def test_prometheus_scrapes_every_envoy(istio_layers) -> None:
    """Flagger's builtin Istio checks read istio_requests_total and istio_request_duration_milliseconds, which each
    Envoy exports on its http-envoy-prom port; the PodMonitor must reach the sidecars in apps and nothing else."""
    monitor = find(istio_layers["infrastructure-layer-2"], "PodMonitor", "envoy-stats", PROMETHEUS_NAMESPACE)
    assert monitor["spec"]["namespaceSelector"] == {"any": True}
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("http-envoy-prom", "/stats/prometheus")
    sidecar = {
        "__meta_kubernetes_namespace": CANARY_NAMESPACE,
        "__meta_kubernetes_pod_name": "examiner-primary-7d9c-abcde",
        "__meta_kubernetes_pod_container_name": "istio-proxy",
        "__meta_kubernetes_pod_container_port_name": "http-envoy-prom",
        "__meta_kubernetes_pod_label_app_kubernetes_io_name": "examiner-primary",
    }
    labels = _relabel(endpoint["relabelings"], sidecar)
    assert labels == {"namespace": CANARY_NAMESPACE, "pod": "examiner-primary-7d9c-abcde"}
    assert _relabel(endpoint["relabelings"], sidecar | {"__meta_kubernetes_pod_container_name": "examiner"}) is None
    # the selector excludes only pods that opt out
    assert monitor["spec"]["selector"] == {
        "matchExpressions": [{"key": "istio-prometheus-ignore", "operator": "DoesNotExist"}]
    }
    stack = find(istio_layers["infrastructure-layer-1"], "HelmRelease", "prometheus-operator", PROMETHEUS_NAMESPACE)
    assert stack["spec"]["values"]["prometheus"]["prometheusSpec"]["podMonitorSelectorNilUsesHelmValues"] is False


def test_the_canary_binds_the_public_gateway_for_localhost(istio_layers, istio_chart_renders) -> None:
    objects = _all(istio_layers)
    release = find(objects, "HelmRelease", GATEWAY_RELEASE[1], GATEWAY_RELEASE[0])
    host = urlsplit(EXAMINER_URL).hostname
    canary = find(istio_chart_renders["examiner canary istio"], "Canary", CANARY_NAME, CANARY_NAMESPACE)["spec"]
    service = find(istio_chart_renders["examiner istio as committed"], "VirtualService", f"{CANARY_NAME}-ingress")
    service = service["spec"]
    assert host in canary["service"]["hosts"]
    assert service["hosts"] == canary["service"]["hosts"]
    assert "mesh" in canary["service"]["gateways"]
    ingress_gateways = [g for g in canary["service"]["gateways"] if g != "mesh"]
    assert service["gateways"] == ingress_gateways
    for ref in ingress_gateways:
        namespace, name = ref.split("/")
        gateway = find(objects, "Gateway", name, namespace)
        assert gateway["apiVersion"] == "networking.istio.io/v1"
        # the Gateway configures the pods of the ingress gateway release
        assert gateway["spec"]["selector"].items() <= _gateway_pod_labels(release).items()
        (server,) = [s for s in gateway["spec"]["servers"] if s["port"]["number"] == 80]
        assert server["port"]["protocol"] == "HTTP"
        assert {"*", host} & set(server["hosts"]), f"Gateway {ref} does not serve {host}"
    # while the canary is off the chart's VirtualService sends everything to the app's Service
    (route,) = service["http"]
    (destination,) = route["route"]
    app = find(istio_chart_renders["examiner istio as committed"], "Service", CANARY_NAME, CANARY_NAMESPACE)
    assert destination["destination"]["host"] == app["metadata"]["name"]
    assert destination["destination"]["port"]["number"] in [p["port"] for p in app["spec"]["ports"]]


def _gateway_deployment(release: Obj) -> Obj:
    """The gateway Deployment as the Istio gateway chart renders it (the parts the post-render patch touches)."""
    labels = _gateway_pod_labels(release)
    container_port = {"containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": release["spec"]["releaseName"], "namespace": release["metadata"]["namespace"]},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "istio-proxy", "image": "auto", "ports": [container_port]}]},
            },
        },
    }


def test_the_gateway_holds_the_kind_host_ports(kustomize, istio_layers, tmp_path: Path) -> None:
    """http://localhost/examine reaches the Istio gateway as it reaches ingress-nginx on the Linkerd cluster: Kind
    maps host ports 80/443 to the node, and Flux's post-render patch binds them on the gateway's pod."""
    release = find(_all(istio_layers), "HelmRelease", GATEWAY_RELEASE[1], GATEWAY_RELEASE[0])
    (renderer,) = release["spec"]["postRenderers"]
    (tmp_path / "deployment.yaml").write_text(yaml.safe_dump(_gateway_deployment(release)))
    kustomization = {"resources": ["deployment.yaml"], "patches": renderer["kustomize"]["patches"]}
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    (patched,) = kustomize_build(kustomize, tmp_path)
    (container,) = patched["spec"]["template"]["spec"]["containers"]
    ports = {(p["containerPort"], p.get("hostPort")) for p in container["ports"]}
    assert ports == {(15090, None), (80, 80), (443, 443)}, "the patch adds the host ports and keeps Envoy's stats port"

    kind = yaml.safe_load((MANIFESTS / "kind" / "config.yaml").read_text())
    node = kind["nodes"][0]
    for port in (80, 443):
        assert {"containerPort": port, "hostPort": port, "protocol": "TCP"} in node["extraPortMappings"]
    values = release["spec"]["values"]
    assert values["nodeSelector"]["ingress-ready"] == node["labels"]["ingress-ready"]
    assert {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"} in values[
        "tolerations"
    ]
    # one pod may hold a host port on the one node: no second replica, and no surge during an update
    assert values["autoscaling"]["enabled"] is False
    assert values["replicaCount"] == 1
    assert values["strategy"]["rollingUpdate"]["maxSurge"] == 0
    # the Gateway's HTTP server listens on the port the host's port 80 reaches
    gateway = find(_all(istio_layers), "Gateway", "public-gateway", "istio-ingress")
    assert 80 in [s["port"]["number"] for s in gateway["spec"]["servers"]]


def test_apps_are_in_the_istio_mesh_and_nothing_is_linkerd(istio_layers, istio_chart_renders) -> None:
    apps = find(istio_layers["apps"], "Namespace", CANARY_NAMESPACE)
    assert apps["metadata"]["labels"]["istio-injection"] == "enabled"
    objects = [*_all(istio_layers), *(o for objs in istio_chart_renders.values() for o in objs)]
    mentions = [_key(o) for o in objects if "linkerd" in json.dumps(o).lower()]
    assert mentions == [], "the Istio variant installs no Linkerd and refers to none"
    # the gateway's namespace exists, and the apps layer's examiner uses the istio router
    namespaces = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
    assert {"istio-system", GATEWAY_RELEASE[0], PROMETHEUS_NAMESPACE, "flagger", CANARY_NAMESPACE} <= namespaces
    examiner = find(istio_layers["apps"], "HelmRelease", CANARY_NAME, CANARY_NAMESPACE)
    assert examiner["spec"]["values"]["canary"]["router"] == "istio"


def _without(obj: Obj, *paths: tuple[str, ...]) -> Obj:
    trimmed = copy.deepcopy(obj)
    for path in paths:
        node = trimmed
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1])
    return trimmed


def test_the_variants_differ_only_in_the_mesh(layers, istio_layers, chart_renders, istio_chart_renders) -> None:
    """Prometheus, the logger, Flagger's release and the examiner (what the walkthrough edits) are the same on both
    clusters, so the walkthrough and canaryscope's defaults hold on either."""
    linkerd, istio = _all(layers), _all(istio_layers)
    shared = [
        ("HelmRelease", "monitoring", "prometheus-operator"),
        ("HelmRelease", "monitoring", "logger"),
        ("PodMonitor", "monitoring", "flagger"),
        ("PodMonitor", "monitoring", "flux-system"),
        ("HelmRepository", "flux-system", "prometheus-community"),
        ("HelmRepository", "flux-system", "flagger"),
        ("Namespace", None, "monitoring"),
        ("Namespace", None, "flagger"),
    ]
    for kind, namespace, name in shared:
        assert find(istio, kind, name, namespace) == find(linkerd, kind, name, namespace), f"{kind} {name}"
    flagger = [find(objs, "HelmRelease", "flagger", "flagger") for objs in (linkerd, istio)]
    assert [f["spec"]["values"]["meshProvider"] for f in flagger] == ["linkerd", "istio"]
    assert _without(flagger[0], ("spec", "values")) == _without(flagger[1], ("spec", "values"))
    examiner = [find(objs, "HelmRelease", CANARY_NAME, CANARY_NAMESPACE) for objs in (linkerd, istio)]
    router = ("spec", "values", "canary", "router")
    assert _without(examiner[0], router) == _without(examiner[1], router)
    # the Canary Flagger runs is the same but for the router's fields
    specs = [
        find(chart_renders["examiner canary gatewayapi"], "Canary", CANARY_NAME)["spec"],
        find(istio_chart_renders["examiner canary istio"], "Canary", CANARY_NAME)["spec"],
    ]
    assert _without(specs[0], ("provider",), ("service", "gatewayRefs")) == _without(
        specs[1], ("provider",), ("service", "gateways"), ("service", "hosts")
    )
    # the Flux layers are the same Kustomizations, with their own paths and health checks
    for name in ("infrastructure-layer-1", "infrastructure-layer-2", "apps"):
        pair = [find(built["bootstrap"], "Kustomization", name, "flux-system") for built in (layers, istio_layers)]
        own = [("spec", "path"), *([("spec", "healthChecks")] if "healthChecks" in pair[0]["spec"] else [])]
        assert _without(pair[0], *own) == _without(pair[1], *own), name


def test_istio_is_the_release_whose_crds_validate_it(istio_layers) -> None:
    """The Istio charts and the CRDs the schema tests use (the Go module istio.io/api) are the same release."""
    objects = _all(istio_layers)
    _, api_version = MODULES["istio-api"]
    repository = find(objects, "HelmRepository", "istio", "flux-system")
    assert repository["spec"]["url"] == "https://istio-release.storage.googleapis.com/charts"
    releases = {o["metadata"]["name"]: o for o in objects if o["kind"] == "HelmRelease"}
    for name, chart_name in ISTIO_CHARTS.items():
        chart = releases[name]["spec"]["chart"]["spec"]
        assert chart["chart"] == chart_name
        assert chart["sourceRef"]["name"] == repository["metadata"]["name"]
        assert f"v{chart['version']}" == api_version, f"{name} pins {chart['version']}, the CRDs are {api_version}"
    # base (CRDs) first, then istiod; the gateway's pods need istiod's injector, so it is a layer later
    assert releases["istiod"]["spec"]["dependsOn"] == [{"name": "istio-base"}]
    assert find(istio_layers["infrastructure-layer-2"], "HelmRelease", GATEWAY_RELEASE[1], GATEWAY_RELEASE[0])
    assert releases["istiod"]["metadata"]["namespace"] == releases["istio-base"]["metadata"]["namespace"]


def test_istio_layers_wait_for_what_the_next_one_needs(istio_layers) -> None:
    kustomizations = {o["metadata"]["name"]: o for o in istio_layers["bootstrap"]}
    checks = {
        (c["kind"], c.get("namespace"), c["name"])
        for k in kustomizations.values()
        for c in k["spec"].get("healthChecks", [])
    }
    assert ("Deployment", "istio-system", "istiod") in checks
    assert ("Deployment", GATEWAY_RELEASE[0], GATEWAY_RELEASE[1]) in checks
    assert ("HelmRelease", "flagger", "flagger") in checks
    assert ("Deployment", "monitoring", "logger") in checks
    namespaces = {o["metadata"]["name"] for o in _all(istio_layers) if o["kind"] == "Namespace"}
    assert {ns for _, ns, _ in checks} <= namespaces
    # every HelmRelease's source exists and its chart version is exact
    objects = _all(istio_layers)
    repositories = {_key(o)[1:] for o in objects if o["kind"] == "HelmRepository"}
    for release in (o for o in objects if o["kind"] == "HelmRelease"):
        ref = release["spec"]["chart"]["spec"]["sourceRef"]
        if ref["kind"] == "HelmRepository":
            assert (ref["namespace"], ref["name"]) in repositories
            assert re.fullmatch(r"\d+\.\d+\.\d+", release["spec"]["chart"]["spec"]["version"])


def test_istio_objects_use_ga_api_versions(istio_layers, istio_chart_renders) -> None:
    objects = [*_all(istio_layers), *(o for objs in istio_chart_renders.values() for o in objs)]
    versions = {o["apiVersion"] for o in objects}
    assert {"networking.istio.io/v1"} <= versions
    beta = sorted(v for v in versions if re.search(r"/v\d+(alpha|beta)\d+$", v))
    assert beta == ["flagger.app/v1beta1"], "only Flagger's Canary has no GA version"


def test_the_walkthrough_file_reads_the_same_on_both_variants() -> None:
    """canaryscope's `--release git` edits the examiner's HelmRelease file line by line: the Istio variant's copy
    differs from the Linkerd one only in the router line and its comment."""
    linkerd = (MANIFESTS / "cluster" / "apps" / "examiner.yaml").read_text(encoding="utf-8").splitlines()
    istio = (MANIFESTS / "cluster-istio" / "apps" / "examiner.yaml").read_text(encoding="utf-8").splitlines()
    changed = [line[2:].strip() for line in difflib.ndiff(linkerd, istio) if line[:2] in ("- ", "+ ")]
    assert changed, "the Istio variant must set its own router"
    assert all(line.startswith(("#", "router:")) for line in changed), changed
