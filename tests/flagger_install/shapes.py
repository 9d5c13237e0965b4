"""Flagger's Deployment as its Helm chart and its kustomize base write it (charts/flagger/templates/deployment.yaml,
kustomize/base/flagger/deployment.yaml), and a DaemonSet as the API server serves one."""

from __future__ import annotations

from typing import Any


def helm_flagger(
    namespace: str = "flagger-system",
    *,
    mesh: str | None = "istio",
    metrics: str = "http://prometheus.istio-system:9090",
    name: str = "flagger",
) -> dict[str, Any]:
    command = ["./flagger", "-log-level=info"]
    if mesh is not None:
        command.append(f"-mesh-provider={mesh}")
    command += [f"-metrics-server={metrics}", "-enable-config-tracking=true"]
    selector = {"app.kubernetes.io/name": "flagger", "app.kubernetes.io/instance": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**selector, "helm.sh/chart": "flagger-1.44.0", "app.kubernetes.io/managed-by": "Helm"},
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(selector)},
            "template": {
                "metadata": {"labels": dict(selector)},
                "spec": {
                    "containers": [
                        {
                            "name": "flagger",
                            "image": "ghcr.io/fluxcd/flagger:1.44.0",
                            "command": command,
                            "ports": [{"name": "http", "containerPort": 8080}],
                        }
                    ]
                },
            },
        },
    }


def kustomize_flagger(
    namespace: str = "flagger-system",
    *,
    mesh: str = "gatewayapi:v1beta1",
    metrics: str = "http://flagger-prometheus:9090",
) -> dict[str, Any]:
    labels = {"app": "flagger"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "flagger", "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [
                        {
                            "name": "flagger",
                            "image": "ghcr.io/fluxcd/flagger:1.44.0",
                            "args": ["-log-level=info", "-mesh-provider", mesh, f"--metrics-server={metrics}"],
                        }
                    ]
                },
            },
        },
    }


def daemonset(
    name: str, namespace: str = "test", *, desired: int = 3, ready: int = 3, updated: int = 3, available: int = 3
) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(labels),
            "creationTimestamp": "2026-03-04T11:00:00Z",
        },
        "spec": {
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "agent", "image": "ghcr.io/example/node-agent:2.1.0"}]},
            },
            "updateStrategy": {"type": "RollingUpdate"},
        },
        "status": {
            "desiredNumberScheduled": desired,
            "numberReady": ready,
            "updatedNumberScheduled": updated,
            "numberAvailable": available,
            "currentNumberScheduled": desired,
            "numberMisscheduled": 0,
        },
    }
