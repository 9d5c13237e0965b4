"""The lab's control plane does real Kubernetes and real Flagger work over real sockets."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tui.lab import controlplane
from tui.lab.binaries import KUBERNETES_VERSION
from tui.lab.controlplane import LabInfo

pytestmark = pytest.mark.lab

Wait = Callable[..., Any]


def deployment(name: str, app: str, image: str = "registry.invalid/examiner:1.0.0") -> dict[str, Any]:
    # The image is never pulled: kwok only fakes the pod's lifecycle.
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]},
            },
        },
    }


def test_api_server_reports_pinned_version(lab: LabInfo, kube_api: Any) -> None:
    from kubernetes import client

    # Flagger refuses to start unless this parses as semver >= 1.11.
    assert client.VersionApi(kube_api).get_code().git_version == KUBERNETES_VERSION


def test_deployment_becomes_ready_on_fake_node(lab: LabInfo, kube_api: Any, namespace: str, wait_for: Wait) -> None:
    from kubernetes import client

    apps = client.AppsV1Api(kube_api)
    core = client.CoreV1Api(kube_api)
    apps.create_namespaced_deployment(namespace, deployment("web", "web"))

    # kube-controller-manager creates the ReplicaSet and pod, kube-scheduler binds it, kwok makes it Ready.
    wait_for(
        lambda: apps.read_namespaced_deployment("web", namespace).status.ready_replicas == 1,
        60,
        "deployment web readyReplicas == 1",
    )
    pods = core.list_namespaced_pod(namespace, label_selector="app=web").items
    assert len(pods) == 1
    pod = pods[0]
    assert pod.spec.node_name == lab.node_name
    assert pod.status.phase == "Running"
    assert pod.status.pod_ip and pod.status.pod_ip.startswith("10.244.")
    owner = pod.metadata.owner_references[0]
    assert owner.kind == "ReplicaSet" and owner.name.startswith("web-")


def test_flagger_initializes_linkerd_canary(lab: LabInfo, kube_api: Any, namespace: str, wait_for: Wait) -> None:
    from kubernetes import client

    apps = client.AppsV1Api(kube_api)
    custom = client.CustomObjectsApi(kube_api)
    apps.create_namespaced_deployment(namespace, deployment("examiner", "examiner"))
    canary = {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "examiner"},
        "spec": {
            "provider": "linkerd",
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "examiner"},
            "progressDeadlineSeconds": 120,
            "service": {"port": 80, "targetPort": 8080},
            "analysis": {
                "interval": "10s",
                "threshold": 2,
                "maxWeight": 50,
                "stepWeight": 25,
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"}],
            },
        },
    }
    custom.create_namespaced_custom_object("flagger.app", "v1beta1", namespace, "canaries", canary)

    def phase() -> str | None:
        obj = custom.get_namespaced_custom_object("flagger.app", "v1beta1", namespace, "canaries", "examiner")
        return (obj.get("status") or {}).get("phase")

    # Two analysis ticks (10 s each): create primary, then see it ready and scale the target to zero.
    wait_for(lambda: phase() == "Initialized", 90, "canary examiner phase Initialized")

    primary = apps.read_namespaced_deployment("examiner-primary", namespace)
    assert primary.status.ready_replicas == 1
    assert apps.read_namespaced_deployment("examiner", namespace).spec.replicas == 0

    split = custom.get_namespaced_custom_object("split.smi-spec.io", "v1alpha1", namespace, "trafficsplits", "examiner")
    assert split["spec"]["service"] == "examiner"
    weights = {b["service"]: int(b["weight"]) for b in split["spec"]["backends"]}
    assert weights == {"examiner-primary": 100, "examiner-canary": 0}

    services = {s.metadata.name for s in client.CoreV1Api(kube_api).list_namespaced_service(namespace).items}
    assert {"examiner", "examiner-primary", "examiner-canary"} <= services


def test_status_from_another_process(lab: LabInfo) -> None:
    # `canaryscope lab status/down` run in a different process than `up`: only the lab dir is shared.
    code = (
        "import json, sys; from pathlib import Path; from tui.lab import controlplane as c; "
        "s = c.status(Path(sys.argv[1])); "
        "print(json.dumps({'healthy': s.healthy, 'running': s.running, 'kubeconfig': str(s.info.kubeconfig)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(lab.lab_dir)], capture_output=True, text=True, check=True, timeout=60
    )
    seen = json.loads(out.stdout)
    assert seen["healthy"] is True
    assert set(seen["running"]) == set(controlplane.STOP_ORDER)
    assert seen["kubeconfig"] == str(lab.kubeconfig)


def _cri(text: str) -> str:
    return f"2026-01-01T00:00:00.000000000Z stdout F {text}\n"


def test_pod_logs_served_through_api_server_and_followed(
    lab_logs: tuple[str, Path], kube_api: Any, wait_for: Wait
) -> None:
    from kubernetes import client

    core = client.CoreV1Api(kube_api)
    namespace, logs_file = lab_logs
    logs_file.write_text(_cri("first") + _cri("second"))
    core.create_namespace({"metadata": {"name": namespace}})
    try:
        pod = {"metadata": {"name": "logger"}, "spec": {"containers": [{"name": "app", "image": "registry.invalid/l"}]}}
        core.create_namespaced_pod(namespace, pod)
        wait_for(lambda: core.read_namespaced_pod("logger", namespace).status.phase == "Running", 60, "pod Running")

        # API server -> kwok's kubelet-like server (TLS, lab CA) -> the file, CRI prefixes stripped.
        assert core.read_namespaced_pod_log("logger", namespace, container="app") == "first\nsecond\n"

        stream = core.read_namespaced_pod_log(
            "logger", namespace, container="app", follow=True, _preload_content=False, _request_timeout=30
        )
        try:
            lines = stream.stream(amt=1024)
            seen = ""
            while seen.count("\n") < 2:
                seen += next(lines).decode()
            with logs_file.open("a") as f:
                f.write(_cri("appended while following"))
            while "appended while following\n" not in seen:
                seen += next(lines).decode()
        finally:
            stream.release_conn()
        assert seen == "first\nsecond\nappended while following\n"
    finally:
        core.delete_namespace(namespace)
