"""Flagger's HPA reconciler (pkg/canary/hpa_reconciler.go, v1.44) for a Canary with `spec.autoscalerRef`.

Every tick the target's HorizontalPodAutoscaler is copied to `<hpa>-primary`, aimed at the primary Deployment
(min/max/metrics/behavior, with autoscalerRef.primaryScalerReplicas overriding min and max); a missing target HPA
is a Warning that ends the tick. The simulated HPAs do not scale anything: the replica counts stay Flagger's.
"""

from __future__ import annotations

import copy
from typing import Any

from tui.domain.names import primary_name
from tui.sim.store import ObjectStore

KIND = "HorizontalPodAutoscaler"


def reconcile_primary(store: ObjectStore, canary: dict[str, Any]) -> str | None:
    """ReconcilePrimaryScaler: None when done (or no autoscalerRef), else the Warning Flagger records."""
    ref = canary["spec"].get("autoscalerRef") or {}
    if ref.get("kind") != KIND or not ref.get("name"):
        return None
    namespace, name = canary["metadata"]["namespace"], ref["name"]
    hpa = store.get(KIND, namespace, name)
    if hpa is None:
        error = f'horizontalpodautoscalers.autoscaling "{name}" not found'
        return f"HorizontalPodAutoscaler {name}.{namespace} get query error: {error}"  # hpa_reconciler.go:42
    spec = copy.deepcopy(hpa["spec"])
    spec["scaleTargetRef"] = {
        **spec.get("scaleTargetRef", {}),
        "name": primary_name(canary["spec"]["targetRef"]["name"]),
    }
    overrides = ref.get("primaryScalerReplicas") or {}
    for key in ("minReplicas", "maxReplicas"):
        if overrides.get(key) is not None:
            spec[key] = overrides[key]
    primary = primary_name(name)
    existing = store.get(KIND, namespace, primary)
    if existing is None:
        store.create(
            {
                "apiVersion": "autoscaling/v2",
                "kind": KIND,
                "metadata": {
                    "name": primary,
                    "namespace": namespace,
                    "labels": dict(hpa["metadata"].get("labels") or {}),
                },
                "spec": spec,
            }
        )
    elif existing["spec"] != spec:
        store.replace_spec(KIND, namespace, primary, spec)
    return None


def scale_from_zero_replicas(store: ObjectStore, canary: dict[str, Any], target_replicas: int) -> int | None:
    """ScaleFromZero with an HPA (deployment_controller.go:166-211): the target's replicas if any, else the HPA's
    minReplicas when above 1, else 1; None without an autoscalerRef (the caller's own rule applies)."""
    ref = canary["spec"].get("autoscalerRef") or {}
    if not ref:
        return None
    if target_replicas > 0:
        return target_replicas
    hpa = store.get(KIND, canary["metadata"]["namespace"], ref.get("name", "")) if ref.get("kind") == KIND else None
    minimum = int(((hpa or {}).get("spec") or {}).get("minReplicas") or 0)
    return minimum if minimum > 1 else 1
