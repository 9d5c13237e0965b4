"""The objects a scenario's canary starts with: the target Deployment and its Canary.

The simulation creates them in its store; the local lab (tui.lab.apps) applies the same objects to a real API
server, so the simulated and the real Flagger analyse identical Canaries.
"""

from __future__ import annotations

from typing import Any

from tui.kube.parse import RELEASE_ANNOTATION
from tui.sim.scenario import CanaryScenario

IMAGE = "quay.io/heubeck/examiner:1.14.8"
EVENT_LOG_URL = "http://logger.monitoring"
GATE_URLS = {
    "confirm-rollout": "/gate/check",
    "confirm-traffic-increase": "/gate/check",
    "confirm-promotion": "/gate/check",
    "rollback": "/rollback/check",
}


def labels(spec: CanaryScenario) -> dict[str, str]:
    return {"app.kubernetes.io/name": spec.name, "app.kubernetes.io/instance": spec.name}


def target_deployment(spec: CanaryScenario) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": labels(spec)},
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": labels(spec)},
            "template": {
                "metadata": {"labels": labels(spec), "annotations": {RELEASE_ANNOTATION: "initial"}},
                "spec": {
                    "containers": [
                        {
                            "name": "examiner",
                            "image": IMAGE,
                            "env": [
                                {"name": "ECHO_VALUE", "value": spec.echo_value},
                                {"name": "SERVER_ERROR_RATE", "value": "0"},
                            ],
                        }
                    ]
                },
            },
        },
    }


def canary(spec: CanaryScenario, event_url: str = EVENT_LOG_URL) -> dict[str, Any]:
    """The seed's Canary shape with the scenario's analysis settings; one `event` webhook to the logger."""
    hooks: list[dict[str, Any]] = [
        {"name": gate, "type": gate, "url": f"http://flagger-loadtester.{spec.namespace}{GATE_URLS[gate]}"}
        for gate in spec.gates
    ]
    hooks.append({"name": "Event Log", "type": "event", "url": event_url})
    analysis: dict[str, Any] = {
        "interval": f"{int(spec.interval_s)}s",
        "threshold": spec.threshold,
        "maxWeight": spec.max_weight,
        "stepWeightPromotion": spec.step_weight_promotion,
        "metrics": [
            {
                "name": "request-success-rate",
                "thresholdRange": {"min": spec.success_rate_min},
                "interval": f"{int(spec.metric_interval_s)}s",
            },
            {
                "name": "request-duration",
                "thresholdRange": {"max": spec.duration_max_ms},
                "interval": f"{int(spec.metric_interval_s)}s",
            },
        ],
        "webhooks": hooks,
    }
    if spec.step_weight is not None:
        analysis["stepWeight"] = spec.step_weight
    if spec.step_weights:
        analysis["stepWeights"] = list(spec.step_weights)
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": spec.name, "namespace": spec.namespace},
        "spec": {
            "provider": "linkerd",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "progressDeadlineSeconds": spec.progress_deadline_s,
            "service": {"port": 80, "targetPort": "http"},
            "analysis": analysis,
        },
    }
