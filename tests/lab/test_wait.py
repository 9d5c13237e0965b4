"""`canaryscope wait` against the lab's real kube-apiserver and real Flagger (events from the Events API)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from tui.lab.controlplane import LabInfo

pytestmark = pytest.mark.lab

Wait = Callable[..., Any]


def deployment(echo: str) -> dict[str, Any]:
    labels = {"app": "examiner"}
    # The image is never pulled: kwok only fakes the pod's lifecycle.
    container = {
        "name": "app",
        "image": "registry.invalid/examiner:1.0.0",
        "ports": [{"containerPort": 8080}],
        "env": [{"name": "ECHO_VALUE", "value": echo}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "examiner", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def canary(*, skip_analysis: bool) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "examiner"},
        "spec": {
            "provider": "linkerd",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "examiner"},
            "progressDeadlineSeconds": 120,
            "skipAnalysis": skip_analysis,
            "service": {"port": 80, "targetPort": 8080},
            "analysis": {
                "interval": "10s",
                "threshold": 1,
                "maxWeight": 50,
                "stepWeight": 25,
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"}],
            },
        },
    }


def initialized(kube_api: Any, namespace: str, wait_for: Wait, *, skip_analysis: bool) -> Any:
    from kubernetes import client

    apps = client.AppsV1Api(kube_api)
    custom = client.CustomObjectsApi(kube_api)
    apps.create_namespaced_deployment(namespace, deployment("first"))
    custom.create_namespaced_custom_object(
        "flagger.app", "v1beta1", namespace, "canaries", canary(skip_analysis=skip_analysis)
    )

    def phase() -> str | None:
        obj = custom.get_namespaced_custom_object("flagger.app", "v1beta1", namespace, "canaries", "examiner")
        return (obj.get("status") or {}).get("phase")

    wait_for(lambda: phase() == "Initialized", 90, "canary examiner phase Initialized")
    return apps


def start_wait(lab: LabInfo, namespace: str, timeout: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tui", "wait", f"{namespace}/examiner", "--kubeconfig", str(lab.kubeconfig)]
    return subprocess.Popen(
        [*command, "--logger", "none", "--timeout", timeout], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def release(apps: Any, namespace: str, echo: str) -> None:
    apps.patch_namespaced_deployment("examiner", namespace, deployment(echo))


def finish(process: subprocess.Popen[str], timeout: float) -> tuple[int, list[str], str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, [line.split(" ", 1)[1] for line in out.splitlines()], err


def test_a_promoted_release_exits_0(lab: LabInfo, kube_api: Any, namespace: str, wait_for: Wait) -> None:
    apps = initialized(kube_api, namespace, wait_for, skip_analysis=True)
    wait = start_wait(lab, namespace, "150s")
    time.sleep(3)  # let the wait remember the Initialized revision before the release
    release(apps, namespace, "second")
    code, lines, err = finish(wait, 180)
    text = "\n".join(lines)
    assert code == 0, text + err
    assert lines[0].startswith(f"start {namespace}/examiner phase Initialized")
    assert f"event Normal New revision detected! Scaling up examiner.{namespace}" in text
    assert "phase Progressing" in text and "phase Succeeded" in text
    assert lines[-1].startswith(f"succeeded {namespace}/examiner revision ")


def test_a_failed_analysis_exits_1(lab: LabInfo, kube_api: Any, namespace: str, wait_for: Wait) -> None:
    # The lab's Flagger has no reachable Prometheus: the first metric check fails and threshold 1 rolls back.
    apps = initialized(kube_api, namespace, wait_for, skip_analysis=False)
    wait = start_wait(lab, namespace, "170s")
    time.sleep(3)
    release(apps, namespace, "second")
    code, lines, err = finish(wait, 200)
    text = "\n".join(lines)
    assert code == 1, text + err
    assert "phase Failed" in text
    assert lines[-1].startswith(f"failed {namespace}/examiner revision ")
    # Flagger resets failedChecks to 0 on rollback; the wait names the count and the check that failed.
    assert "1/1 failed checks; " in lines[-1] and "query failed" in lines[-1]
