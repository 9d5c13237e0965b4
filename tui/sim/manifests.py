"""The objects a scenario's canary starts with: the target Deployment, its Canary and, for nginx, the apex Ingress.

The simulation creates them in its store; the local lab (tui.lab.apps) applies the same objects to a real API
server, so the simulated and the real Flagger analyse identical Canaries.
"""

from __future__ import annotations

from typing import Any

from tui.kube.parse import RELEASE_ANNOTATION
from tui.sim.loadtester import outcome_cmd
from tui.sim.scenario import CanaryScenario, WebhookScenario

IMAGE = "quay.io/heubeck/examiner:1.14.8"
SERVICE_PORT = 80
INGRESS_CLASS = "nginx"
EVENT_LOG_URL = "http://logger.monitoring"
GATE_URLS = {
    "confirm-rollout": "/gate/check",
    "confirm-traffic-increase": "/gate/check",
    "confirm-promotion": "/gate/check",
    "rollback": "/rollback/check",
}


def loadtester_url(namespace: str) -> str:
    return f"http://flagger-loadtester.{namespace}/"


def webhook(spec: CanaryScenario, hook: WebhookScenario) -> dict[str, Any]:
    """A scenario webhook as a loadtester task: `cmd` for a load test, else a `bash` command with its outcome."""
    if hook.cmd is not None:
        metadata = {"type": "cmd", "cmd": hook.cmd}
    else:
        metadata = {"type": "bash", "cmd": outcome_cmd(f"{spec.namespace}-{spec.name}-{hook.name}", hook.failures)}
    return {"name": hook.name, "type": hook.type, "url": loadtester_url(spec.namespace), "metadata": metadata}


def labels(spec: CanaryScenario) -> dict[str, str]:
    return {"app.kubernetes.io/name": spec.name, "app.kubernetes.io/instance": spec.name}


def target_deployment(spec: CanaryScenario) -> dict[str, Any]:
    deployment = _target_deployment(spec)
    if spec.never_ready == "primary":
        # Flagger copies this to the primary; a promotion stuck for that long is ProgressDeadlineExceeded.
        deployment["spec"]["progressDeadlineSeconds"] = spec.progress_deadline_s
    return deployment


def _target_deployment(spec: CanaryScenario) -> dict[str, Any]:
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
    hooks.extend(webhook(spec, hook) for hook in spec.webhooks)
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
    service: dict[str, Any] = {"port": SERVICE_PORT, "targetPort": "http"}
    canary_spec: dict[str, Any] = {
        "provider": spec.provider,
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
        "progressDeadlineSeconds": spec.progress_deadline_s,
        "service": service,
        "analysis": analysis,
    }
    if spec.provider.startswith("gatewayapi"):
        # Flagger refuses Gateway API without gatewayRefs; as the demo chart does, the route attaches to the apex
        # Service itself (GAMMA, mesh traffic).
        service["gatewayRefs"] = [
            {"name": spec.name, "namespace": spec.namespace, "group": "core", "kind": "Service", "port": SERVICE_PORT}
        ]
    if spec.provider == "nginx":
        canary_spec["ingressRef"] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": spec.name}
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": spec.name, "namespace": spec.namespace},
        "spec": canary_spec,
    }


def ingress(spec: CanaryScenario) -> dict[str, Any]:
    """The apex Ingress an nginx canary refers to (spec.ingressRef): the app's host, every path to the apex Service."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": labels(spec)},
        "spec": {
            "ingressClassName": INGRESS_CLASS,
            "rules": [
                {
                    "host": spec.host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": spec.name, "port": {"number": SERVICE_PORT}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def app_objects(spec: CanaryScenario) -> list[dict[str, Any]]:
    """What the cluster holds for one canary before Flagger sees it, in the order it is applied."""
    objects = [target_deployment(spec)]
    if spec.provider == "nginx":
        objects.append(ingress(spec))
    objects.append(canary(spec))
    return objects
