"""What the lab runs on its cluster: the seed's `apps` and `monitoring` namespaces with their objects.

* `apps`: the examiner Deployment and Service, the Ingress `echo` (path / -> examiner:80) and the Canary, all
  built from the simulation's `lab` scenario (tui.sim.manifests), so the simulated and the real Flagger analyse
  the same Canary: interval 10s, stepWeight 25, maxWeight 50, stepWeightPromotion 25, threshold 2, success
  rate >= 99 % and p99 <= 500 ms over 30s, one `event` webhook.
* `monitoring`: the logger Deployment and Service (pods labelled app.kubernetes.io/name=logger). Its pod's log is
  the file the lab's webhook receiver writes, served by kwok (see `cluster_logs`).

The pods are kwok's: they become Running/Ready but run nothing. The mesh emulator answers in their place. Unlike
the seed's chart, the env sits in the pod template (no ConfigMap), which is what canaryscope's `deployment`
release strategy patches.

The Canary's provider follows the lab's (`canaryscope lab up --provider`): linkerd (the namespace annotated
`linkerd.io/inject: enabled`), istio (labelled `istio-injection: enabled`), gatewayapi (`gatewayapi:v1`, the
HTTPRoute's parent being the apex Service, as a Gateway API mesh routes a Service's traffic) or nginx (the canary
Ingress made from `echo`). `app_objects` builds the same app for another namespace, so several providers' canaries
can run side by side on one lab.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

from tui.sim import manifests
from tui.sim.scenario import CanaryScenario, load_scenario

APPS = "apps"
MONITORING = "monitoring"
LOGGER = "logger"
LOGGER_CONTAINER = "examiner"
LOGGER_SELECTOR = "app.kubernetes.io/name=logger"
FIELD_MANAGER = "canaryscope-lab"
CONTAINER_PORT = 8080
INGRESS = "echo"
# canaryscope lab's provider names -> Flagger's (its -mesh-provider flag and a Canary's spec.provider).
FLAGGER_PROVIDERS = {"linkerd": "linkerd", "istio": "istio", "gatewayapi": "gatewayapi:v1", "nginx": "nginx"}
PROVIDERS = tuple(FLAGGER_PROVIDERS)


def lab_canary(namespace: str = APPS) -> CanaryScenario:
    return dataclasses.replace(load_scenario("lab").canaries[0], namespace=namespace)


def _namespace(
    name: str, annotations: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _app_namespace(name: str, provider: str) -> dict[str, Any]:
    if provider == "linkerd":
        return _namespace(name, {"linkerd.io/inject": "enabled"})
    if provider == "istio":
        return _namespace(name, labels={"istio-injection": "enabled"})
    return _namespace(name)


def _with_port(deployment: dict[str, Any]) -> dict[str, Any]:
    deployment = copy.deepcopy(deployment)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["ports"] = [{"name": "http", "containerPort": CONTAINER_PORT, "protocol": "TCP"}]
    return deployment


def _service(name: str, namespace: str, selector: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(selector)},
        "spec": {
            "type": "ClusterIP",
            "selector": dict(selector),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def _ingress(spec: CanaryScenario, host: str | None = None) -> dict[str, Any]:
    # The seed's Ingress: no class, everything to the apex Service, which the meshed ingress proxy then splits.
    rule: dict[str, Any] = {
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": spec.name, "port": {"number": 80}}},
                }
            ]
        }
    }
    if host:
        rule = {"host": host, **rule}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": INGRESS,
            "namespace": spec.namespace,
            "annotations": {"nginx.ingress.kubernetes.io/service-upstream": "true"},
        },
        "spec": {"rules": [rule]},
    }


def provider_canary(spec: CanaryScenario, provider: str, event_url: str) -> dict[str, Any]:
    """The simulation's Canary for ``spec``, with what Flagger needs for ``provider`` (see the module docstring)."""
    canary = manifests.canary(spec, event_url=event_url)
    canary["spec"]["provider"] = FLAGGER_PROVIDERS.get(provider, provider)  # kubernetes: no router object
    if provider == "gatewayapi":
        parent = {"group": "core", "kind": "Service", "name": spec.name, "namespace": spec.namespace, "port": 80}
        canary["spec"]["service"]["gatewayRefs"] = [parent]
    elif provider == "nginx":
        canary["spec"]["ingressRef"] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": INGRESS}
    return canary


def app_objects(
    spec: CanaryScenario, event_url: str, provider: str = "linkerd", host: str | None = None
) -> list[dict[str, Any]]:
    """The examiner app in ``spec.namespace`` with its Canary for ``provider``; ``host`` limits its Ingress rule
    to that host (beside the seed's catch-all Ingress)."""
    return [
        _app_namespace(spec.namespace, provider),
        _with_port(manifests.target_deployment(spec)),
        _service(spec.name, spec.namespace, manifests.labels(spec)),
        _ingress(spec, host),
        provider_canary(spec, provider, event_url),
    ]


def _logger_deployment() -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": LOGGER, "app.kubernetes.io/instance": LOGGER}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": LOGGER, "namespace": MONITORING, "labels": dict(labels)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [
                        {
                            "name": LOGGER_CONTAINER,
                            "image": manifests.IMAGE,
                            "ports": [{"name": "http", "containerPort": CONTAINER_PORT, "protocol": "TCP"}],
                        }
                    ]
                },
            },
        },
    }


def objects(logger_url: str, spec: CanaryScenario | None = None, provider: str = "linkerd") -> list[dict[str, Any]]:
    """Everything the lab applies, in order; ``logger_url`` is where Flagger posts its events."""
    spec = spec or lab_canary()
    namespace, *app = app_objects(spec, logger_url, provider)
    return [
        namespace,
        _namespace(MONITORING),
        _logger_deployment(),
        _service(LOGGER, MONITORING, {"app.kubernetes.io/name": LOGGER, "app.kubernetes.io/instance": LOGGER}),
        *app,
    ]


def cluster_logs(log_file: Path) -> dict[str, Any]:
    """kwok config: every container named like the logger's in `monitoring` serves ``log_file`` as its log."""
    return {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "ClusterLogs",
        "metadata": {"name": "lab-logger"},
        "spec": {
            "selector": {"matchNamespaces": [MONITORING]},
            "logs": [{"containers": [LOGGER_CONTAINER], "logsFile": str(log_file), "follow": True}],
        },
    }


def apply(api_client: Any, objs: list[dict[str, Any]], *, dry_run: bool = False) -> list[dict[str, Any]]:
    """Server-side apply each object (as `kubectl apply --server-side --force-conflicts`); returns the results."""
    from kubernetes.dynamic import DynamicClient

    dynamic = DynamicClient(api_client)
    out = []
    for obj in objs:
        resource = dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        namespace = obj["metadata"].get("namespace") if resource.namespaced else None
        # The body is read as YAML, which refuses the \ud83e-style escapes json.dumps makes of emoji by default.
        body = json.dumps(obj, ensure_ascii=False)
        result = dynamic.request(
            "patch",
            resource.path(name=obj["metadata"]["name"], namespace=namespace),
            body=body,
            content_type="application/apply-patch+yaml",
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
            dry_run="All" if dry_run else None,
        )
        out.append(result.to_dict())
    return out


def deployments_ready(api_client: Any, names: list[tuple[str, str]]) -> bool:
    from kubernetes import client

    apps = client.AppsV1Api(api_client)
    for namespace, name in names:
        status = apps.read_namespaced_deployment_status(name, namespace).status
        if not status.ready_replicas:
            return False
    return True


def canary_phase(api_client: Any, namespace: str, name: str) -> str | None:
    from kubernetes import client

    obj = client.CustomObjectsApi(api_client).get_namespaced_custom_object(
        "flagger.app", "v1beta1", namespace, "canaries", name
    )
    return (obj.get("status") or {}).get("phase")
