"""What a release is on a cluster: a new ECHO_VALUE (and SERVER_ERROR_RATE when faulty) for the target.

Strategies: patch the Deployment's pod template, merge-patch the Flux HelmRelease that renders it, or commit
and push the HelmRelease file in a git checkout (the seed demo's own way).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tui.kube.parse import RELEASE_ANNOTATION

STRATEGIES = ("deployment", "helmrelease", "git")
HELM_NAME_LABEL = "helm.toolkit.fluxcd.io/name"
HELM_NAMESPACE_LABEL = "helm.toolkit.fluxcd.io/namespace"
ECHO_KEY = "ECHO_VALUE"
ERROR_KEY = "SERVER_ERROR_RATE"
RELEASE_VALUES = (
    "Go Flagger go!",
    "CloudLand! Get ready to rumble",
    "NRW rockx",
    "Deployments on a Friday",
    "Canaries sing",
    "Progressive delivery",
)


@dataclass(frozen=True)
class ReleaseConfig:
    strategy: str | None = None  # None: detect from the target's labels
    value_path: str = "spec.values.configuration"
    git_repo: str | None = None
    git_file: str = "manifests/cluster/apps/examiner.yaml"
    faulty_error_rate: int = 10


def release_values(count: int, *, faulty: bool, error_rate: int, now: float) -> dict[str, str]:
    """A value that differs from every earlier one (the time of day), so Flagger sees a new revision."""
    stamp = time.strftime("%H:%M:%S", time.localtime(now))
    return {
        ECHO_KEY: f"{RELEASE_VALUES[(count - 1) % len(RELEASE_VALUES)]} ({stamp})",
        ERROR_KEY: str(error_rate) if faulty else "0",
    }


def release_id(count: int, *, faulty: bool, now: float) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"-r{count}" + ("-faulty" if faulty else "")


def helm_release_of(deployment: dict[str, Any]) -> tuple[str, str] | None:
    """The Flux HelmRelease (namespace, name) that manages this Deployment, from the labels Flux sets."""
    labels = (deployment.get("metadata") or {}).get("labels") or {}
    name = labels.get(HELM_NAME_LABEL)
    if not isinstance(name, str) or not name:
        return None
    namespace = labels.get(HELM_NAMESPACE_LABEL) or (deployment.get("metadata") or {}).get("namespace")
    return str(namespace), name


def detect_strategy(deployment: dict[str, Any]) -> str:
    return "helmrelease" if helm_release_of(deployment) else "deployment"


def first_container(deployment: dict[str, Any]) -> str | None:
    containers = (((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    if containers and isinstance(containers[0], dict) and isinstance(containers[0].get("name"), str):
        return containers[0]["name"]
    return None


def deployment_patch(container: str, values: dict[str, str], rid: str) -> dict[str, Any]:
    """A strategic merge patch: env entries merge by name, the annotation marks the release."""
    return {
        "spec": {
            "template": {
                "metadata": {"annotations": {RELEASE_ANNOTATION: rid}},
                "spec": {
                    "containers": [
                        {"name": container, "env": [{"name": k, "value": v} for k, v in sorted(values.items())]}
                    ]
                },
            }
        }
    }


def helmrelease_patch(value_path: str, values: dict[str, str]) -> dict[str, Any]:
    """A JSON merge patch that sets `values` at the dotted path (e.g. spec.values.configuration)."""
    patch: dict[str, Any] = dict(values)
    for part in reversed([p for p in value_path.split(".") if p]):
        patch = {part: patch}
    return patch


def describe_values(values: dict[str, str]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(values.items()))
