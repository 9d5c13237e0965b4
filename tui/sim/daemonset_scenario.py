"""A scenario's `targetRef: {kind: DaemonSet}` and `nodes`: which target kind a canary has, checked where the
simulation would not do what Flagger v1.44 does with it."""

from __future__ import annotations

from typing import Any

DEPLOYMENT = "Deployment"
DAEMONSET = "DaemonSet"
TARGET_KINDS = (DEPLOYMENT, DAEMONSET)
DEFAULT_NODES = 2
MAX_NODES = 20
# Providers whose builtin checks select a DaemonSet's pods as the simulation measures them: Istio's
# destination_workload is the DaemonSet's name. Linkerd's queries select `deployment=` (nothing for a DaemonSet),
# and the HTTP observer's pod-name regex (kubernetes, gatewayapi) needs two suffixes a DaemonSet pod lacks.
DAEMONSET_PROVIDERS = ("istio",)


class TargetError(ValueError):
    """One line naming the key."""


def target_kind(raw: dict[str, Any], path: str, provider: str) -> tuple[str, int]:
    """(kind, nodes) of a canary's mapping, refusing what a DaemonSet target cannot have."""
    ref = raw.get("targetRef", {})
    if not isinstance(ref, dict) or set(ref) - {"kind"}:
        raise TargetError(f"{path}.targetRef: expected a mapping with kind (Deployment or DaemonSet), got {ref!r}")
    kind = ref.get("kind", DEPLOYMENT)
    if kind not in TARGET_KINDS:
        raise TargetError(f"{path}.targetRef.kind: expected Deployment or DaemonSet, got {kind!r}")
    nodes = raw.get("nodes", DEFAULT_NODES)
    if kind == DEPLOYMENT:
        if "nodes" in raw:
            raise TargetError(f"{path}.nodes: only a DaemonSet target runs one pod per node (use replicas)")
        return kind, DEFAULT_NODES
    if isinstance(nodes, bool) or not isinstance(nodes, int) or not 1 <= nodes <= MAX_NODES:
        raise TargetError(f"{path}.nodes: expected a whole number of nodes from 1 to {MAX_NODES}, got {nodes!r}")
    for key, why in (
        ("replicas", "a DaemonSet runs one pod per node (use nodes)"),
        ("autoscaler", "Flagger scales no DaemonSet"),
        ("revertOnDeletion", "not simulated for a DaemonSet target"),
        ("echoValueFrom", "a DaemonSet target reads ECHO_VALUE from its env only here"),
    ):
        if key in raw:
            raise TargetError(f"{path}.{key}: {why}")
    if provider not in DAEMONSET_PROVIDERS:
        raise TargetError(
            f"{path}.targetRef.kind: a DaemonSet target is simulated on provider istio only (Flagger's {provider} "
            "builtin checks do not select a DaemonSet's pods as the simulation measures them)"
        )
    return kind, nodes
