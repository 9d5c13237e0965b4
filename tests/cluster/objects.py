"""Schema-valid Kubernetes objects for the demo's examiner, as Flagger and the seed chart create them."""

from __future__ import annotations

from typing import Any

from tui.domain.flagger.logger_stream import render_record
from tui.domain.flagger.payload import EventPayload


def canary(
    name: str = "examiner",
    namespace: str = "test",
    *,
    phase: str | None = "Initialized",
    weight: int = 0,
    failed: int = 0,
    iterations: int = 0,
    hooks: list[dict[str, str]] | None = None,
    suspend: bool = False,
    transition: str = "2026-03-04T12:00:00Z",
    **analysis: Any,
) -> dict[str, Any]:
    spec_analysis: dict[str, Any] = {
        "interval": "30s",
        "threshold": 2,
        "maxWeight": 50,
        "stepWeight": 10,
        "stepWeightPromotion": 17,
        "metrics": [
            {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "30s"},
            {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "30s"},
        ],
        "webhooks": [{"name": "Event Log", "type": "event", "url": "http://logger.monitoring"}, *(hooks or [])],
    }
    spec_analysis.update(analysis)
    obj: dict[str, Any] = {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "provider": "linkerd",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "progressDeadlineSeconds": 90,
            "service": {"port": 80, "targetPort": "http"},
            "analysis": spec_analysis,
        },
    }
    if suspend:
        obj["spec"]["suspend"] = True
    if phase is not None:
        obj["status"] = {
            "phase": phase,
            "canaryWeight": weight,
            "failedChecks": failed,
            "iterations": iterations,
            "lastAppliedSpec": "5d4f8c9b7",
            "lastPromotedSpec": "5d4f8c9b7",
            "lastTransitionTime": transition,
        }
    return obj


def deployment(
    name: str,
    namespace: str = "test",
    *,
    replicas: int = 1,
    ready: int = 1,
    echo: str = "hello",
    error_rate: str = "0",
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    selector = {"app.kubernetes.io/name": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {**selector, **(labels or {})}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": selector},
                "spec": {
                    "containers": [
                        {
                            "name": "examiner",
                            "image": "quay.io/heubeck/examiner:1.14.8",
                            "env": [
                                {"name": "ECHO_VALUE", "value": echo},
                                {"name": "SERVER_ERROR_RATE", "value": error_rate},
                            ],
                        }
                    ]
                },
            },
        },
        "status": {
            "replicas": replicas,
            "readyReplicas": ready,
            "updatedReplicas": replicas,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }


def traffic_split(
    name: str = "examiner",
    namespace: str = "test",
    primary: int = 100,
    canary_weight: int = 0,
    version: str = "v1alpha1",
) -> dict[str, Any]:
    def weight(value: int) -> Any:
        return str(value) if version == "v1alpha1" else value

    return {
        "apiVersion": f"split.smi-spec.io/{version}",
        "kind": "TrafficSplit",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "service": name,
            "backends": [
                {"service": f"{name}-canary", "weight": weight(canary_weight)},
                {"service": f"{name}-primary", "weight": weight(primary)},
            ],
        },
    }


def pod(
    name: str,
    namespace: str = "monitoring",
    *,
    labels: dict[str, str] | None = None,
    created: str = "2026-03-04T11:00:00Z",
    phase: str = "Running",
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "creationTimestamp": created,
            "labels": labels or {"app.kubernetes.io/name": "logger"},
        },
        "spec": {"containers": [{"name": "examiner", "image": "quay.io/heubeck/examiner:1.14.8"}]},
        "status": {"phase": phase},
    }


def logger_lines(
    message: str,
    *,
    t_ms: int,
    name: str = "examiner",
    namespace: str = "test",
    phase: str = "Progressing",
    event_type: str = "Normal",
) -> list[str]:
    payload = EventPayload(
        name=name,
        namespace=namespace,
        phase=phase,
        message=message,
        event_type=event_type,
        timestamp_ms=t_ms,
        checksum="85d557f47b",
    )
    return render_record(payload)
