"""Schema-valid test objects (the v37 client's pydantic models reject incomplete ones)."""

from __future__ import annotations

from typing import Any


def pod(
    name: str,
    namespace: str = "test",
    *,
    labels: dict[str, str] | None = None,
    containers: tuple[str, ...] = ("app",),
    phase: str | None = None,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [{"name": c, "image": f"ghcr.io/example/{c}:1.0.0"} for c in containers]},
    }
    if phase:
        obj["status"] = {"phase": phase}
    return obj


def deployment(
    name: str,
    namespace: str = "test",
    *,
    image: str = "ghcr.io/example/examiner:1.0.0",
    env: dict[str, str] | None = None,
    replicas: int = 1,
) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [
                        {
                            "name": "examiner",
                            "image": image,
                            "env": [{"name": k, "value": v} for k, v in (env or {}).items()],
                            "ports": [{"name": "http", "containerPort": 8080}],
                        },
                        {"name": "sidecar", "image": "ghcr.io/example/sidecar:2.0.0"},
                    ]
                },
            },
        },
    }


def canary(name: str = "examiner", namespace: str = "test", *, status: dict[str, Any] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "provider": "linkerd",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "service": {"port": 80, "targetPort": 8080},
            "analysis": {
                "interval": "10s",
                "threshold": 5,
                "maxWeight": 50,
                "stepWeight": 10,
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"}],
            },
        },
    }
    if status is not None:
        obj["status"] = status
    return obj


def trafficsplit(name: str = "examiner", namespace: str = "test", canary_weight: int = 0) -> dict[str, Any]:
    return {
        "apiVersion": "split.smi-spec.io/v1alpha1",
        "kind": "TrafficSplit",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "service": name,
            "backends": [
                {"service": f"{name}-canary", "weight": str(canary_weight)},
                {"service": f"{name}-primary", "weight": str(100 - canary_weight)},
            ],
        },
    }
