"""The objects a scenario's canary starts with: the target Deployment, its Canary and, for nginx, the apex Ingress.

The simulation creates them in its store; the local lab (tui.lab.apps) applies the same objects to a real API
server, so the simulated and the real Flagger analyse identical Canaries.
"""

from __future__ import annotations

import copy
from typing import Any

from tui.kube.parse import RELEASE_ANNOTATION
from tui.sim import check_manifests, target_daemonset
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


def config_map_name(spec: CanaryScenario) -> str:
    return f"{spec.name}-config"


def echo_env(spec: CanaryScenario, value: str) -> dict[str, Any]:
    """ECHO_VALUE as the pod template carries it: the value itself, or a reference into the app's ConfigMap."""
    if spec.echo_value_from == "configMap":
        return {
            "name": "ECHO_VALUE",
            "valueFrom": {"configMapKeyRef": {"name": config_map_name(spec), "key": "ECHO_VALUE"}},
        }
    return {"name": "ECHO_VALUE", "value": value}


def config_map(spec: CanaryScenario) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": config_map_name(spec), "namespace": spec.namespace, "labels": labels(spec)},
        "data": {"ECHO_VALUE": spec.echo_value},
    }


def autoscaler(spec: CanaryScenario) -> dict[str, Any]:
    """The target's HorizontalPodAutoscaler (autoscaling/v2) the Canary's autoscalerRef names."""
    low, high = spec.autoscaler or (1, 1)
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": spec.name, "namespace": spec.namespace, "labels": labels(spec)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
                }
            ],
        },
    }


def target_deployment(spec: CanaryScenario) -> dict[str, Any]:
    if spec.target_kind == "DaemonSet":
        return target_daemonset.target_daemonset(_target_deployment(spec))
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
                                echo_env(spec, spec.echo_value),
                                {"name": "SERVER_ERROR_RATE", "value": "0"},
                            ],
                        }
                    ]
                },
            },
        },
    }


def canary(spec: CanaryScenario, event_url: str = EVENT_LOG_URL) -> dict[str, Any]:
    """The seed's Canary shape with the scenario's analysis settings; one `event` webhook to the logger.

    Every simulated Canary has an analysis. Flagger's SkipAnalysis() is true for a nil analysis, but the CRD
    requires spec.analysis (the API server refuses such a Canary) and syncHandler would dereference it before any
    tick, so that path never runs on a cluster and the simulation does not offer it; skipping is spec.skipAnalysis.
    """
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
    if spec.metrics is not None:
        analysis["metrics"] = check_manifests.metric_entries(spec.metrics)
    if spec.step_weight is not None:
        analysis["stepWeight"] = spec.step_weight
    if spec.step_weights:
        analysis["stepWeights"] = list(spec.step_weights)
    _strategy_fields(spec, analysis)
    if spec.primary_ready_threshold is not None:
        analysis["primaryReadyThreshold"] = spec.primary_ready_threshold
    if spec.canary_ready_threshold is not None:
        analysis["canaryReadyThreshold"] = spec.canary_ready_threshold
    service: dict[str, Any] = {"port": SERVICE_PORT, "targetPort": "http"}
    canary_spec: dict[str, Any] = {
        "provider": spec.provider,
        "targetRef": {"apiVersion": "apps/v1", "kind": spec.target_kind, "name": spec.name},
        "progressDeadlineSeconds": spec.progress_deadline_s,
        "service": service,
        "analysis": analysis,
    }
    if spec.revert_on_deletion:
        canary_spec["revertOnDeletion"] = True
    if spec.autoscaler is not None:
        canary_spec["autoscalerRef"] = {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "name": spec.name,
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


def _strategy_fields(spec: CanaryScenario, analysis: dict[str, Any]) -> None:
    """iterations (blue/green, A/B with match), mirroring and session affinity, as a Canary spells them."""
    if spec.iterations:
        # An iterations analysis has no weights to climb; promotion shifts only when stepWeightPromotion is set.
        analysis["iterations"] = spec.iterations
        analysis.pop("maxWeight", None)
        if not spec.step_weight_promotion:
            analysis.pop("stepWeightPromotion", None)
    if spec.match:
        analysis["match"] = copy.deepcopy(list(spec.match))
    if spec.mirror:
        analysis["mirror"] = True
    if spec.mirror_weight is not None:
        analysis["mirrorWeight"] = spec.mirror_weight
    if spec.session_affinity:
        analysis["sessionAffinity"] = dict(spec.session_affinity)


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
    objects = [config_map(spec)] if spec.echo_value_from == "configMap" else []
    objects.append(target_deployment(spec))
    if spec.autoscaler is not None:
        objects.append(autoscaler(spec))
    if spec.provider == "nginx":
        objects.append(ingress(spec))
    objects.append(canary(spec))
    return objects
