"""Deleting a Canary, as Flagger v1.44 and the API server handle it.

With `spec.revertOnDeletion` Flagger adds its finalizer when it first syncs the Canary, so a delete only marks the
object (metadata.deletionTimestamp). Flagger's finalize (pkg/controller/finalizer.go) then writes phase Terminating
(Events "Terminating canary …"), gives the target back the primary's replicas, waits for it to be ready (3 s
backoff doubling, capped at the analysis interval, 4 attempts; on failure the key is requeued), and reverts the
routers; it removes the finalizer and records "Terminated canary …". Phase Terminated is never written.
Without revertOnDeletion nothing is reverted: the Canary goes at once, and the garbage collector removes what
Flagger created with an owner reference to it (the primary and the router objects); the target stays at 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.domain.names import primary_name
from tui.kube.parse import parse_interval
from tui.sim.store import ObjectStore, rfc3339
from tui.sim.workloads import Workloads

FINALIZER = "finalizer.flagger.app"  # finalizer.go:32
TERMINATING = "Terminating"
BACKOFF_FIRST_S = 3
BACKOFF_STEPS = 4
REQUEUE_S = 5  # the workqueue's rate limiter before the next sync of a canary that could not be finalized

# Objects Flagger creates with a controller owner reference to the Canary, by kind and name (apex is the router's
# name, ingress the apex Ingress's): the garbage collector deletes them with the Canary.
_OWNED = (
    ("TrafficSplit", "{apex}"),
    ("VirtualService", "{apex}"),
    ("DestinationRule", "{apex}-primary"),
    ("DestinationRule", "{apex}-canary"),
    ("HTTPRoute", "{apex}"),
    ("Ingress", "{ingress}-canary"),
)


def terminating(name: str, namespace: str) -> str:
    return f"Terminating canary {name}.{namespace}"  # finalizer.go:56


def terminated(name: str, namespace: str) -> str:
    return f"Terminated canary {name}.{namespace}"  # controller.go:293


def has_finalizer(canary: dict[str, Any]) -> bool:
    return FINALIZER in (canary["metadata"].get("finalizers") or [])


def wants_finalizer(canary: dict[str, Any]) -> bool:
    """controller.go:307-315: the finalizer is added while revertOnDeletion is set and the Canary is not deleting."""
    meta = canary["metadata"]
    return bool(canary["spec"].get("revertOnDeletion")) and not meta.get("deletionTimestamp")


@dataclass(frozen=True)
class DeleteCanary:
    """A simulation step: delete the Canary (the cluster's own actions have no such key)."""


@dataclass
class _Pending:
    """One finalize in flight: the readiness attempts still to make, and when the next one is due."""

    waits: list[float]
    next_at: float
    phase_read: str  # the phase of the Canary the sync read: Flagger's Events carry it


Emit = Callable[[dict[str, Any], str, str], None]  # (canary, message, payload phase): a Normal Event
SetPhase = Callable[[dict[str, Any], str], None]


class Finalizer:
    def __init__(self, store: ObjectStore, workloads: Workloads, emit: Emit, set_phase: SetPhase) -> None:
        self._store = store
        self._workloads = workloads
        self._emit = emit
        self._set_phase = set_phase
        self._pending: dict[tuple[str, str], _Pending] = {}

    # --- the API server's side ------------------------------------------------------------------------

    def add(self, canary: dict[str, Any]) -> None:
        meta = canary["metadata"]
        finalizers = [*(meta.get("finalizers") or []), FINALIZER]
        self._store.patch("Canary", meta["namespace"], meta["name"], {"metadata": {"finalizers": finalizers}})

    def delete(self, namespace: str, name: str, now: float) -> bool:
        """`kubectl delete canary`: marked while Flagger's finalizer is on it, else gone with what it owns."""
        canary = self._store.get("Canary", namespace, name)
        if canary is None:
            return False
        if has_finalizer(canary):
            if not canary["metadata"].get("deletionTimestamp"):
                self._store.patch("Canary", namespace, name, {"metadata": {"deletionTimestamp": rfc3339(now)}})
            return True
        self._remove(canary)
        return True

    def _remove(self, canary: dict[str, Any]) -> None:
        meta, spec = canary["metadata"], canary["spec"]
        namespace, target = meta["namespace"], spec["targetRef"]["name"]
        self._store.delete("Canary", namespace, meta["name"])
        self._pending.pop((namespace, meta["name"]), None)
        apex = (spec.get("service") or {}).get("name") or target
        ingress = (spec.get("ingressRef") or {}).get("name") or ""
        owned = [("Deployment", primary_name(target))]
        owned += [(kind, pattern.format(apex=apex, ingress=ingress)) for kind, pattern in _OWNED]
        hpa = (spec.get("autoscalerRef") or {}).get("name")
        if hpa:
            owned.append(("HorizontalPodAutoscaler", primary_name(hpa)))
        for kind, name in owned:
            if kind == "Ingress" and not ingress:
                continue
            self._store.delete(kind, namespace, name)

    # --- Flagger's side -------------------------------------------------------------------------------

    def sync(self, canary: dict[str, Any], now: float) -> None:
        """syncHandler for a Canary marked for deletion that still carries the finalizer."""
        meta = canary["metadata"]
        key = (meta["namespace"], meta["name"])
        if key in self._pending or not has_finalizer(canary) or not canary["spec"].get("revertOnDeletion"):
            return
        phase = (canary.get("status") or {}).get("phase") or ""
        if phase != TERMINATING:
            self._set_phase(canary, TERMINATING)
            self._emit(canary, terminating(*key[::-1]), phase)
        self._revert_target(canary, now)
        self._pending[key] = _Pending(self._waits(canary), now, phase)
        self.step(now)

    @staticmethod
    def _waits(canary: dict[str, Any]) -> list[float]:
        """The pauses between IsCanaryReady attempts: 3 s doubling, capped at the analysis interval, 4 attempts."""
        interval = parse_interval((canary["spec"].get("analysis") or {}).get("interval")) or 60
        waits, wait = [], float(BACKOFF_FIRST_S)
        for _ in range(BACKOFF_STEPS - 1):
            waits.append(min(wait, interval))
            wait *= 2
        return waits

    def _revert_target(self, canary: dict[str, Any], now: float) -> None:
        """DeploymentController.Finalize: the target gets the primary's replicas (ScaleFromZero without one)."""
        namespace, target = canary["metadata"]["namespace"], canary["spec"]["targetRef"]["name"]
        target_obj = self._store.get("Deployment", namespace, target)
        if target_obj is None:
            return
        primary = self._store.get("Deployment", namespace, primary_name(target))
        replicas = int((primary or {}).get("spec", {}).get("replicas") or 1)
        if int(target_obj["spec"].get("replicas") or 0) != replicas:
            self._store.patch("Deployment", namespace, target, {"spec": {"replicas": replicas}})
            self._workloads.sync(now)

    def step(self, now: float) -> None:
        """The readiness attempts due at `now`: a ready target completes the finalize; after the last failed attempt
        the key is requeued, and the next sync (which reads phase Terminating, so records no Event) starts over."""
        for key in sorted(self._pending):
            pending = self._pending[key]
            if pending.next_at > now:
                continue
            canary = self._store.get("Canary", *key)
            if canary is None:
                del self._pending[key]
                continue
            target = canary["spec"]["targetRef"]["name"]
            if not self._workloads.readiness(key[0], target):
                self._complete(canary, pending.phase_read)
            elif pending.waits:
                pending.next_at = now + pending.waits.pop(0)
            else:
                del self._pending[key]
                self._revert_target(canary, now)
                self._pending[key] = _Pending(self._waits(canary), now + REQUEUE_S, TERMINATING)

    def _complete(self, canary: dict[str, Any], phase_read: str) -> None:
        """Routers reverted (the apex Service and mesh objects Flagger owns need none), finalizer removed, Event."""
        meta = canary["metadata"]
        self._pending.pop((meta["namespace"], meta["name"]), None)
        finalizers = [f for f in meta.get("finalizers") or [] if f != FINALIZER]
        self._store.patch("Canary", meta["namespace"], meta["name"], {"metadata": {"finalizers": finalizers or None}})
        self._emit(canary, terminated(meta["name"], meta["namespace"]), phase_read)
        self._remove(canary)

    def busy(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self._pending
