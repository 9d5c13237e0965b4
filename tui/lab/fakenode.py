"""The lab's one node: a Node object that kwok manages, and the kwok Stages that bring it and its pods to life.

The Stages are kwok's own defaults (what kwokctl installs), read from the pinned kwok module, so pods on the
node go Pending -> Running/Ready as soon as they are scheduled.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from tui.lab import binaries
from tui.lab.components import NODE_ANNOTATION

NODE_NAME = "lab-node-0"
KWOK_STAGE_FILES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)


def write_kwok_config(path: Path, extra_docs: Iterable[dict[str, Any]] = ()) -> None:
    """kwok's --config: the default Stages plus ``extra_docs`` (e.g. ClusterLogs for served pod logs)."""
    kwok_dir = binaries.module_dir("sigs.k8s.io/kwok")
    docs = [(kwok_dir / rel).read_text().strip() for rel in KWOK_STAGE_FILES]
    docs += [yaml.safe_dump(doc, sort_keys=False).strip() for doc in extra_docs]
    path.write_text("\n---\n".join(docs) + "\n")


def fake_node(name: str = NODE_NAME) -> dict[str, Any]:
    resources = {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION[0]: NODE_ANNOTATION[1], "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/role": "agent",
            },
        },
        "status": {"allocatable": resources, "capacity": resources},
    }


def create_node(api_client: Any, name: str = NODE_NAME) -> None:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    try:
        client.CoreV1Api(api_client).create_node(fake_node(name))
    except ApiException as exc:
        if exc.status != 409:
            raise RuntimeError(f"creating node {name}: {exc.status} {exc.reason}") from exc


def node_ready(api_client: Any, name: str = NODE_NAME) -> bool:
    from kubernetes import client

    node = client.CoreV1Api(api_client).read_node(name)
    return any(c.type == "Ready" and c.status == "True" for c in (node.status.conditions or []))
