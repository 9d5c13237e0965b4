"""DaemonSets as workloads: a canary may target one (Flagger then runs a `-primary` DaemonSet beside it).

A DaemonSet has no replica count: desired is how many nodes should run a pod (`status.desiredNumberScheduled`),
ready, updated and available count those pods as Flagger's readiness check reads them (pkg/canary/daemonset_ready.go).
While idle, Flagger scales the canary DaemonSet to zero with a node selector no node has: desired 0 is expected then.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tui.domain.model import DeploymentInfo
from tui.kube.parse import parse_deployment


def _count(status: dict[str, Any], key: str) -> int:
    value = status.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def parse_daemonset(obj: Any) -> DeploymentInfo | None:
    """The DaemonSet as the deployments panel shows a workload; None when it has no namespace or name."""
    parsed = parse_deployment(obj)
    if parsed is None:
        return None
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    return replace(
        parsed,
        kind="DaemonSet",
        desired=_count(status, "desiredNumberScheduled"),
        ready=_count(status, "numberReady"),
        updated=_count(status, "updatedNumberScheduled"),
        available=_count(status, "numberAvailable"),
    )
