"""A DaemonSet target as Flagger v1.44's DaemonSetController handles it (pkg/canary/daemonset_controller.go,
daemonset_ready.go, daemonset_status.go), for the simulated scheduler.

What differs from a Deployment: no replicas (one pod per node); "scaling to zero" adds the node selector
`flagger.app/scale-to-zero: "true"`, which no node has, and scaling up removes it; the revision hash ignores that
selector (and a missing nodeSelector hashes as an empty one); promotion copies the template without it, with
minReadySeconds, revisionHistoryLimit and updateStrategy; readiness reads desired/updated/available pods and its
deadline counts from the Canary's status.lastTransitionTime; the wording is its own (`canary damonset`, sic).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.domain.flagger import messages as msg
from tui.sim.deadline import progress_deadline_s
from tui.sim.workloads import DAEMONSET, SCALE_TO_ZERO

if TYPE_CHECKING:
    from tui.sim.workloads import Workloads

_COPIED = ("minReadySeconds", "revisionHistoryLimit", "updateStrategy")


def target_daemonset(deployment: dict[str, Any]) -> dict[str, Any]:
    """The scenario's target Deployment as a DaemonSet: the same pod template, one pod per node, RollingUpdate."""
    spec = {k: v for k, v in deployment["spec"].items() if k not in ("replicas", "progressDeadlineSeconds")}
    spec["updateStrategy"] = {"type": "RollingUpdate"}
    return {**copy.deepcopy(deployment), "kind": DAEMONSET, "spec": copy.deepcopy(spec)}


def normalized(target: dict[str, Any]) -> dict[str, Any]:
    """The target as Flagger hashes it (HasTargetChanged, SyncStatus): without the scale-to-zero node selector,
    and an empty nodeSelector where there is none."""
    result = copy.deepcopy(target)
    pod = result["spec"]["template"].setdefault("spec", {})
    selector = {k: v for k, v in (pod.get("nodeSelector") or {}).items() if k != SCALE_TO_ZERO}
    pod["nodeSelector"] = selector
    return result


def scaled(template: dict[str, Any], up: bool) -> dict[str, Any]:
    """ScaleToZero / ScaleFromZero: the pod template with the scale-to-zero node selector added or removed."""
    result = copy.deepcopy(template)
    pod = result.setdefault("spec", {})
    selector = dict(pod.get("nodeSelector") or {})
    if up:
        selector.pop(SCALE_TO_ZERO, None)
    else:
        selector[SCALE_TO_ZERO] = "true"
    if selector:
        pod["nodeSelector"] = selector
    else:
        pod.pop("nodeSelector", None)
    return result


def primary_daemonset(target: dict[str, Any], name: str, template: dict[str, Any]) -> dict[str, Any]:
    """createPrimaryDaemonSet: the `-primary` DaemonSet selecting its own pods, the template without the selector."""
    meta = target["metadata"]
    labels = {"app.kubernetes.io/name": name}
    template = scaled(template, up=True)
    spec: dict[str, Any] = {"selector": {"matchLabels": labels}, "template": template}
    spec.update({k: copy.deepcopy(target["spec"][k]) for k in _COPIED if k in target["spec"]})
    return {
        "apiVersion": "apps/v1",
        "kind": DAEMONSET,
        "metadata": {"name": name, "namespace": meta["namespace"], "labels": dict(labels)},
        "spec": spec,
    }


def not_found(name: str, namespace: str) -> str:
    """GetMetadata's error for a missing target DaemonSet (daemonset_controller.go)."""
    return f'daemonset {name}.{namespace} get query error: daemonsets.apps "{name}" not found'


def primary_not_ready(primary: str, reason: str) -> str:
    """IsPrimaryReady's wrapper (daemonset_ready.go:41)."""
    return f"primary daemonset {primary} not ready: {reason}"


def canary_not_ready(target: str, retriable: bool, reason: str) -> str:
    """IsCanaryReady's wrapper, spelling and `retryable %v` as Flagger writes them (daemonset_ready.go:57)."""
    return f"canary damonset {target} not ready with retryable {str(retriable).lower()}: {reason}"


def _epoch(stamp: Any) -> float | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def readiness(
    workloads: Workloads, canary: dict[str, Any], name: str, threshold: int, *, primary: bool
) -> tuple[str | None, bool]:
    """(Flagger's whole error text or None, retriable) of the DaemonSet `name` of this canary."""
    namespace = canary["metadata"]["namespace"]
    since = _epoch((canary.get("status") or {}).get("lastTransitionTime"))
    reason, retriable = workloads.daemonset_check(namespace, name, progress_deadline_s(canary), since, threshold)
    if reason is None:
        return None, True
    dotted = msg.dotted(name, namespace)
    if primary:
        return primary_not_ready(dotted, reason), retriable
    return canary_not_ready(dotted, retriable, reason), retriable
