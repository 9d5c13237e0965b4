"""What canaryscope's defaults rely on, and the references between the demo's objects.

canaryscope --context kind-kind -n apps examiner --prometheus svc/monitoring/prometheus-operated:9090 must work on a
cluster brought up from these manifests: a change that breaks one of its defaults fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .render import LAYERS, MANIFESTS, REPO, Obj, find

# canaryscope's defaults
LOGGER_NAMESPACE = "monitoring"
LOGGER_SELECTOR = {"app.kubernetes.io/name": "logger"}
PROMETHEUS_NAMESPACE, PROMETHEUS_SERVICE, PROMETHEUS_PORT = "monitoring", "prometheus-operated", 9090
EXAMINER_URL = "http://localhost/examine"
CANARY_NAMESPACE, CANARY_NAME = "apps", "examiner"
EVENT_WEBHOOK = "http://logger.monitoring"

CANARY_ON = "examiner canary gatewayapi"
ALL_GATES = "examiner canary smi + HPA + both gates"


def _all(layers: dict[str, list[Obj]]) -> list[Obj]:
    return [o for objs in layers.values() for o in objs]


def _helm_release(layers, name: str, namespace: str) -> Obj:
    return find(_all(layers), "HelmRelease", name, namespace)


def _service_for(url: str, objects: list[Obj]) -> tuple[Obj, int, str]:
    """The in-cluster Service an http://<svc>.<ns>[:port]/path URL reaches, its port and the path."""
    parts = urlsplit(url)
    service, namespace = parts.hostname.split(".")[:2]
    port = parts.port or 80
    svc = find(objects, "Service", service, namespace)
    assert port in [p["port"] for p in svc["spec"]["ports"]], f"{url}: Service {namespace}/{service} has no port {port}"
    return svc, port, parts.path or "/"


def _selects(service: Obj, pod_labels: dict[str, str]) -> bool:
    return all(pod_labels.get(k) == v for k, v in service["spec"]["selector"].items())


def _pod_labels(deployment: Obj) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"]["labels"]


# --- canaryscope's defaults ------------------------------------------------------------------------------------


def test_logger_pods_match_canaryscope_selector(layers, chart_renders) -> None:
    release = _helm_release(layers, "logger", LOGGER_NAMESPACE)
    assert release["spec"]["releaseName"] == "logger"
    logger = chart_renders["logger as committed"]
    deployment = find(logger, "Deployment", "logger", LOGGER_NAMESPACE)
    assert LOGGER_SELECTOR.items() <= _pod_labels(deployment).items()
    assert deployment["spec"]["replicas"] == 1, "canaryscope follows one logger stream"
    # the logger is plain: no canary, no ingress of its own
    assert {o["kind"] for o in logger}.isdisjoint({"Canary", "Ingress"})


def test_event_webhook_reaches_the_logger(chart_renders) -> None:
    for label in (CANARY_ON, ALL_GATES):
        hooks = find(chart_renders[label], "Canary", CANARY_NAME)["spec"]["analysis"]["webhooks"]
        events = [h for h in hooks if h["type"] == "event"]
        assert [h["url"] for h in events] == [EVENT_WEBHOOK]
    logger = chart_renders["logger as committed"]
    service, _, path = _service_for(EVENT_WEBHOOK, logger)
    assert path == "/"
    deployment = find(logger, "Deployment", "logger", LOGGER_NAMESPACE)
    assert _selects(service, _pod_labels(deployment))
    target = service["spec"]["ports"][0]["targetPort"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert target in [p["name"] for p in container["ports"]]


def test_prometheus_is_prometheus_operated_in_monitoring(layers) -> None:
    stack = _helm_release(layers, "prometheus-operator", PROMETHEUS_NAMESPACE)
    assert stack["spec"]["chart"]["spec"]["chart"] == "kube-prometheus-stack"
    prometheus = stack["spec"]["values"].get("prometheus", {})
    assert prometheus.get("enabled", True), "the stack's Prometheus (and so prometheus-operated) must be on"
    spec = prometheus.get("prometheusSpec", {})
    # PodMonitors/ServiceMonitors from other namespaces and releases must be selected
    for key in ("podMonitorSelectorNilUsesHelmValues", "serviceMonitorSelectorNilUsesHelmValues"):
        assert spec.get(key) is False, key
    # Flagger judges by the same Prometheus that canaryscope shows
    flagger = _helm_release(layers, "flagger", "flagger")["spec"]["values"]
    assert flagger["metricsServer"] == f"http://{PROMETHEUS_SERVICE}.{PROMETHEUS_NAMESPACE}:{PROMETHEUS_PORT}"
    assert flagger["meshProvider"] == "linkerd"


def test_flagger_runs_with_linkerd_and_that_prometheus(flagger_render) -> None:
    deployment = find(flagger_render, "Deployment", "flagger", "flagger")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "-mesh-provider=linkerd" in args
    assert f"-metrics-server=http://{PROMETHEUS_SERVICE}.{PROMETHEUS_NAMESPACE}:{PROMETHEUS_PORT}" in args
    # the PodMonitor for Flagger's own metrics selects these pods on their `http` port
    labels = _pod_labels(deployment)
    assert {"app.kubernetes.io/name": "flagger", "app.kubernetes.io/instance": "flagger"}.items() <= labels.items()
    ports = [p["name"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]]
    assert "http" in ports


def test_flagger_podmonitor_matches_flagger_pods(layers, flagger_render) -> None:
    monitor = find(layers["infrastructure-layer-2"], "PodMonitor", "flagger", PROMETHEUS_NAMESPACE)
    deployment = find(flagger_render, "Deployment", "flagger", "flagger")
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [deployment["metadata"]["namespace"]]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= _pod_labels(deployment).items()


def _relabel(rules: list[dict], labels: dict[str, str]) -> dict[str, str] | None:
    """Prometheus relabelling (the actions the PodMonitor uses); None when the target is dropped."""
    labels = dict(labels)
    for rule in rules:
        action = rule.get("action", "replace")
        regex = re.compile(rf"^(?:{rule.get('regex', '(.*)')})$")
        if action in ("keep", "replace"):
            value = ";".join(labels.get(name, "") for name in rule["sourceLabels"])
            match = regex.match(value)
            if action == "keep" and not match:
                return None
            if action == "replace" and match:
                labels[rule["targetLabel"]] = match.expand(rule.get("replacement", "$1").replace("$", "\\"))
        elif action == "labelmap":
            replacement = rule.get("replacement", "$1").replace("$", "\\")
            for name, value in list(labels.items()):
                if match := regex.match(name):
                    labels[match.expand(replacement)] = value
        elif action == "labeldrop":
            labels = {k: v for k, v in labels.items() if not regex.match(k)}
        else:
            raise AssertionError(f"relabel action {action} not modelled")
    return {k: v for k, v in labels.items() if not k.startswith("__")}


def test_proxy_metrics_get_the_deployment_label_flagger_queries(layers) -> None:
    monitor = find(layers["infrastructure-layer-2"], "PodMonitor", "linkerd-proxy", PROMETHEUS_NAMESPACE)
    assert monitor["spec"]["namespaceSelector"] == {"any": True}
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "linkerd-admin"
    pod = {
        "__meta_kubernetes_namespace": "apps",
        "__meta_kubernetes_pod_name": "examiner-7d9c-abcde",
        "__meta_kubernetes_pod_container_name": "linkerd-proxy",
        "__meta_kubernetes_pod_container_port_name": "linkerd-admin",
        "__meta_kubernetes_pod_label_linkerd_io_control_plane_ns": "linkerd",
        "__meta_kubernetes_pod_label_linkerd_io_proxy_deployment": "examiner",
        "__meta_kubernetes_pod_label_linkerd_io_workload_ns": "apps",
        "__meta_kubernetes_pod_label_app_kubernetes_io_name": "examiner",
    }
    labels = _relabel(endpoint["relabelings"], pod)
    assert labels is not None
    # what Flagger's builtin queries select on: namespace="apps", deployment=~"examiner"
    assert labels["namespace"] == "apps"
    assert labels["deployment"] == "examiner"
    assert labels["pod"] == "examiner-7d9c-abcde"
    # the app container's own ports are not scraped by this monitor
    assert _relabel(endpoint["relabelings"], pod | {"__meta_kubernetes_pod_container_name": "examiner"}) is None


def test_examiner_answers_at_localhost_examine(layers, chart_renders) -> None:
    url = urlsplit(EXAMINER_URL)
    objects = chart_renders["examiner as committed"]
    ingress = find(objects, "Ingress", "examiner", CANARY_NAMESPACE)
    nginx = _helm_release(layers, "ingress-nginx", "ingress")["spec"]["values"]["controller"]
    assert ingress["spec"]["ingressClassName"] == nginx["ingressClassResource"]["name"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/service-upstream"] == "true"
    (rule,) = ingress["spec"]["rules"]
    assert rule.get("host") in (None, url.hostname)
    routes = [
        p
        for p in rule["http"]["paths"]
        if (p["pathType"] == "Prefix" and url.path.startswith(p["path"])) or p["path"] == url.path
    ]
    assert routes, f"no ingress path serves {url.path}"
    backend = routes[0]["backend"]["service"]
    service = find(objects, "Service", backend["name"], CANARY_NAMESPACE)
    assert backend["port"]["number"] in [p["port"] for p in service["spec"]["ports"]]
    assert _selects(service, _pod_labels(find(objects, "Deployment", "examiner", CANARY_NAMESPACE)))
    # localhost:80 reaches the controller: Kind maps host port 80 to the node and the controller binds hostPorts
    kind = yaml.safe_load((MANIFESTS / "kind" / "config.yaml").read_text())
    node = kind["nodes"][0]
    assert {"containerPort": 80, "hostPort": 80, "protocol": "TCP"} in node["extraPortMappings"]
    assert nginx["hostPort"]["enabled"] is True
    assert nginx["nodeSelector"]["ingress-ready"] == node["labels"]["ingress-ready"]
    # the controller is meshed, so the canary's split applies to requests from the ingress
    assert nginx["podAnnotations"]["linkerd.io/inject"] == "enabled"
    apps = find(layers["apps"], "Namespace", CANARY_NAMESPACE)
    assert apps["metadata"]["annotations"]["linkerd.io/inject"] == "enabled"


def test_canary_settings_match_canaryscope_defaults(layers, chart_renders) -> None:
    release = _helm_release(layers, "examiner", CANARY_NAMESPACE)
    assert release["spec"]["releaseName"] == CANARY_NAME
    for label in (CANARY_ON, ALL_GATES, "examiner canary without loadtester"):
        canary = find(chart_renders[label], "Canary", CANARY_NAME, CANARY_NAMESPACE)
        spec = canary["spec"]
        assert spec["targetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "examiner"}
        analysis = spec["analysis"]
        assert {
            k: analysis[k] for k in ("interval", "stepWeight", "maxWeight", "stepWeightPromotion", "threshold")
        } == {
            "interval": "30s",
            "stepWeight": 10,
            "maxWeight": 50,
            "stepWeightPromotion": 17,
            "threshold": 2,
        }
        assert analysis["metrics"] == [
            {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "30s"},
            {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "30s"},
        ]
        assert spec["progressDeadlineSeconds"] == 90
        assert spec["service"]["port"] == 80
    # the canary is off as committed: the walkthrough switches it on
    assert release["spec"]["values"]["canary"]["enabled"] is False
    assert not [o for o in chart_renders["examiner as committed"] if o["kind"] == "Canary"]


def test_loadtester_gates_match_canaryscope(chart_renders) -> None:
    objects = chart_renders[ALL_GATES]
    hooks = {h["type"]: h["url"] for h in find(objects, "Canary", CANARY_NAME)["spec"]["analysis"]["webhooks"]}
    assert hooks["rollback"] == f"http://flagger-loadtester.{CANARY_NAMESPACE}/rollback/check"
    assert hooks["confirm-promotion"] == f"http://flagger-loadtester.{CANARY_NAMESPACE}/gate/check"
    service, port, _ = _service_for(hooks["rollback"], objects)
    deployment = find(objects, "Deployment", "flagger-loadtester", CANARY_NAMESPACE)
    assert _selects(service, _pod_labels(deployment))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    (svc_port,) = [p for p in service["spec"]["ports"] if p["port"] == port]
    (container_port,) = [p for p in container["ports"] if p["name"] == svc_port["targetPort"]]
    assert f"-port={container_port['containerPort']}" in container["command"]
    # the gate accepts this namespace's canaries
    assert f"-namespace-regexp=^{CANARY_NAMESPACE}$" in container["command"]
    # as committed: the rollback gate only, promotion stays automatic
    committed = find(chart_renders[CANARY_ON], "Canary", CANARY_NAME)["spec"]["analysis"]["webhooks"]
    assert [h["type"] for h in committed] == ["event", "rollback"]
    without = find(chart_renders["examiner canary without loadtester"], "Canary", CANARY_NAME)
    assert [h["type"] for h in without["spec"]["analysis"]["webhooks"]] == ["event"]


# --- versions and references ---------------------------------------------------------------------------------

GA_FLUX = {
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "GitRepository": "source.toolkit.fluxcd.io/v1",
}
# Custom kinds whose newest version is still beta/alpha upstream.
NON_GA_ALLOWED = {"flagger.app/v1beta1"}


def test_api_versions_are_current_and_ga(layers, chart_renders, identity_objects) -> None:
    objects = [*_all(layers), *(o for objs in chart_renders.values() for o in objs), *identity_objects]
    for obj in objects:
        api, kind = obj["apiVersion"], obj["kind"]
        if kind in GA_FLUX and "fluxcd.io" in api:
            assert api == GA_FLUX[kind], f"{kind} {obj['metadata']['name']} uses {api}"
        if api not in NON_GA_ALLOWED:
            assert not re.search(r"/v\d+(alpha|beta)\d+$", api), f"{kind} {obj['metadata']['name']} uses {api}"


def test_chart_versions_are_pinned_and_sources_exist(layers) -> None:
    objects = _all(layers)
    repositories = {
        (o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects if o["kind"] == "HelmRepository"
    }
    releases = [o for o in objects if o["kind"] == "HelmRelease"]
    assert len(releases) == 9
    names = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in releases}
    for release in releases:
        chart = release["spec"]["chart"]["spec"]
        ref = chart["sourceRef"]
        namespace = ref.get("namespace", release["metadata"]["namespace"])
        if ref["kind"] == "HelmRepository":
            assert (namespace, ref["name"]) in repositories, f"{release['metadata']['name']}: no {ref['name']}"
            assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"]), f"{chart['chart']} {chart['version']} not exact"
            assert repositories and all(
                o["spec"]["url"].startswith("https://") for o in objects if o["kind"] == "HelmRepository"
            )
        else:
            assert (ref["kind"], namespace, ref["name"]) == ("GitRepository", "flux-system", "flux-system")
            assert (REPO / chart["chart"]).joinpath("Chart.yaml").is_file()
            assert chart["reconcileStrategy"] == "Revision", "chart edits must reach the cluster without a bump"
        for dep in release["spec"].get("dependsOn", []):
            assert (dep.get("namespace", release["metadata"]["namespace"]), dep["name"]) in names


def test_flux_layers_are_ordered_and_point_at_real_paths(layers) -> None:
    kustomizations = {o["metadata"]["name"]: o for o in layers["bootstrap"]}
    assert set(kustomizations) == set(LAYERS)
    assert "dependsOn" not in kustomizations["infrastructure-layer-1"]["spec"]
    assert kustomizations["infrastructure-layer-2"]["spec"]["dependsOn"] == [{"name": "infrastructure-layer-1"}]
    assert kustomizations["apps"]["spec"]["dependsOn"] == [{"name": "infrastructure-layer-2"}]
    for name, obj in kustomizations.items():
        spec = obj["spec"]
        assert obj["metadata"]["namespace"] == "flux-system"
        assert spec["sourceRef"] == {"kind": "GitRepository", "name": "flux-system"}
        assert spec["prune"] is True
        assert Path(REPO, spec["path"]).resolve() == (MANIFESTS / "cluster" / name).resolve()
    checks = {
        (c["kind"], c.get("namespace"), c["name"])
        for k in kustomizations.values()
        for c in k["spec"].get("healthChecks", [])
    }
    # health checks name objects these manifests create (the rest come from pinned upstream charts)
    assert ("Deployment", "monitoring", "logger") in checks
    assert ("HelmRelease", "flagger", "flagger") in checks
    assert ("Deployment", "linkerd", "linkerd-identity") in checks
    namespaces = {o["metadata"]["name"] for objs in layers.values() for o in objs if o["kind"] == "Namespace"}
    assert {ns for _, ns, _ in checks} <= namespaces


def test_linkerd_identity_comes_from_the_cluster_not_git(layers, identity_objects) -> None:
    control_plane = _helm_release(layers, "linkerd-control-plane", "linkerd")["spec"]
    assert control_plane["values"]["identity"] == {"externalCA": True, "issuer": {"scheme": "kubernetes.io/tls"}}
    assert control_plane["dependsOn"] == [{"name": "linkerd-crds"}]
    crds = _helm_release(layers, "linkerd-crds", "linkerd")["spec"]
    assert crds["values"]["installGatewayAPI"] is True
    # what the script creates is what the chart then expects
    created = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in identity_objects}
    assert ("ConfigMap", "linkerd", "linkerd-identity-trust-roots") in created
    assert ("Secret", "linkerd", "linkerd-identity-issuer") in created
    # the namespace the script creates carries the same metadata as the one Flux applies later
    ns_script = find(identity_objects, "Namespace", "linkerd")
    ns_flux = find(layers["infrastructure-layer-1"], "Namespace", "linkerd")
    assert ns_script["metadata"] == ns_flux["metadata"]
