"""A tiny Deployment and DaemonSet controller: new pods become ready a little after a template or scale change.

It decides which pod template the ready pods serve (what the traffic sees) and what Flagger's readiness
checks report while a rollout is in progress. A DaemonSet runs one pod on each of its nodes, none while its pod
template asks for Flagger's scale-to-zero node selector, which no node has.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

from tui.domain.flagger import messages
from tui.domain.names import target_of
from tui.sim.store import ObjectStore


@dataclass
class _Rollout:
    template: Any
    replicas: int
    serving: Any = None
    serving_replicas: int = 0
    ready_at: float | None = None
    created: bool = True
    changed_at: float | None = None


# Kubernetes' default spec.progressDeadlineSeconds of a Deployment.
DEPLOYMENT_DEADLINE_S = 600
DAEMONSET = "DaemonSet"
SCALE_TO_ZERO = "flagger.app/scale-to-zero"  # Flagger's node selector for a DaemonSet "scaled to zero"
DEFAULT_NODES = 2
DAEMONSET_NOT_OBSERVED = "waiting for rollout to finish: observed daemonset generation less than desired generation"


class Workloads:
    def __init__(
        self,
        store: ObjectStore,
        ready_after_s: dict[tuple[str, str], float],
        never_ready: frozenset[tuple[str, str]] = frozenset(),
        nodes: dict[tuple[str, str], int] | None = None,
    ) -> None:
        """`never_ready`: Deployments (namespace, name) whose pods, once their template or scale changes, never
        become ready (the pods of their first rollout do). `nodes`: how many nodes an app's DaemonSets run on."""
        self._store = store
        self._nodes = nodes or {}
        self._ready_after = ready_after_s
        self._never_ready = never_ready
        self._rollouts: dict[tuple[str, str], _Rollout] = {}
        self._now: float | None = None

    def _delay(self, namespace: str, name: str, *, created: bool = False) -> float:
        if not created and (namespace, name) in self._never_ready:
            return math.inf
        base = target_of(name)
        return self._ready_after.get((namespace, base), 4.0)

    def sync(self, now: float) -> None:
        """React to spec changes and finish rollouts whose pods are ready by `now`."""
        self._now = now
        for obj in self._workloads():
            meta = obj["metadata"]
            key = (meta["namespace"], meta["name"])
            spec = obj["spec"]
            template, replicas = spec["template"], self._desired(obj)
            rollout = self._rollouts.get(key)
            if rollout is None:
                rollout = _Rollout(
                    template=template, replicas=replicas, ready_at=now + self._delay(*key, created=True), changed_at=now
                )
                self._rollouts[key] = rollout
                self._write(obj, rollout, now)
                continue
            if template != rollout.template or replicas != rollout.replicas:
                template_changed = template != rollout.template
                rollout.template, rollout.replicas = template, replicas
                rollout.created = False
                rollout.changed_at = now
                if replicas == 0:
                    rollout.serving, rollout.serving_replicas, rollout.ready_at = None, 0, None
                elif template_changed or rollout.serving_replicas < replicas:
                    rollout.ready_at = now + self._delay(*key)
                else:
                    rollout.serving_replicas, rollout.ready_at = replicas, None
                self._write(obj, rollout, now)
            elif rollout.ready_at is not None and rollout.ready_at <= now:
                self._write(obj, rollout, now)

    def _workloads(self) -> list[dict[str, Any]]:
        return [*self._store.list("Deployment"), *self._store.list(DAEMONSET)]

    def _desired(self, obj: dict[str, Any]) -> int:
        """A Deployment's replicas; a DaemonSet's nodes, none while it asks for the scale-to-zero node selector."""
        if obj.get("kind") != DAEMONSET:
            return int(obj["spec"].get("replicas", 1))
        selector = ((obj["spec"]["template"].get("spec") or {}).get("nodeSelector")) or {}
        meta = obj["metadata"]
        return (
            0
            if SCALE_TO_ZERO in selector
            else self._nodes.get((meta["namespace"], target_of(meta["name"])), DEFAULT_NODES)
        )

    def settle(self, now: float) -> None:
        """Make every pending rollout ready at once (the cluster was running before we looked)."""
        self.sync(now)
        for rollout in self._rollouts.values():
            if rollout.ready_at is not None:
                rollout.ready_at = now
        for obj in self._workloads():
            meta = obj["metadata"]
            rollout = self._rollouts.get((meta["namespace"], meta["name"]))
            if rollout is not None:
                self._write(obj, rollout, now)

    def _write(self, obj: dict[str, Any], rollout: _Rollout, now: float) -> None:
        if rollout.ready_at is not None and rollout.ready_at <= now:
            rollout.serving, rollout.serving_replicas, rollout.ready_at = rollout.template, rollout.replicas, None
        done = rollout.ready_at is None
        ready = rollout.serving_replicas if rollout.serving is not None else 0
        status = {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "replicas": rollout.replicas if done else max(rollout.replicas, ready),
            "updatedReplicas": rollout.replicas if done or rollout.serving is None else 0,
            "readyReplicas": ready,
            "availableReplicas": ready,
        }
        if obj.get("kind") == DAEMONSET:
            status = {
                "observedGeneration": status["observedGeneration"],
                "desiredNumberScheduled": rollout.replicas,
                "currentNumberScheduled": rollout.replicas,
                "updatedNumberScheduled": status["updatedReplicas"],
                "numberReady": ready,
                "numberAvailable": ready,
                "numberMisscheduled": 0,
            }
        if obj.get("status") != status:
            meta = obj["metadata"]
            self._store.patch(obj.get("kind") or "Deployment", meta["namespace"], meta["name"], status, status=True)

    def readiness(self, namespace: str, name: str, threshold: int = 100) -> str | None:
        """None when ready, else Flagger's reason text (all retriable here); `threshold` is the ready percentage."""
        rollout = self._rollouts.get((namespace, name))
        if rollout is None:
            return f'deployment "{name}" not found'
        if rollout.changed_at is not None and rollout.changed_at == self._now:
            # Changed within this second: as on a real cluster, where Flagger reads a Deployment it has just
            # created before the Deployment controller has observed it (seen on every lab run at initialisation).
            return messages.GENERATION_NOT_OBSERVED
        if rollout.ready_at is None and (rollout.serving is not None or rollout.replicas == 0):
            return None
        if rollout.serving is not None and rollout.serving != rollout.template:
            return f"waiting for rollout to finish: {rollout.serving_replicas} old replicas are pending termination"
        # deployment_ready.go:89-102: the available replicas needed, computed in float32 and truncated.
        needed = int(_f32(_f32(rollout.replicas) * _f32(_f32(threshold) / _f32(100))))
        if needed <= 0:
            return None
        return messages.rollout_unavailable(0, needed, threshold)

    def check(self, namespace: str, name: str, deadline_s: int, threshold: int = 100) -> tuple[str | None, bool]:
        """Flagger's isDeploymentReady: (None when ready, else the reason; whether it is retriable).

        A rollout stuck past the Deployment's own progressDeadlineSeconds is ProgressDeadlineExceeded, never
        retriable. A rollout with no available pod (Available False, MinimumReplicasUnavailable) stops being
        retriable once the Canary's `deadline_s` has passed since it started."""
        reason = self.readiness(namespace, name, threshold)
        rollout = self._rollouts.get((namespace, name))
        if reason is None or reason == messages.GENERATION_NOT_OBSERVED or rollout is None or self._now is None:
            return reason, True
        started = rollout.changed_at if rollout.changed_at is not None else self._now
        obj = self._store.get("Deployment", namespace, name) or {}
        own = (obj.get("spec") or {}).get("progressDeadlineSeconds")
        if rollout.ready_at is not None and self._now > started + (DEPLOYMENT_DEADLINE_S if own is None else own):
            return f'deployment "{name}" exceeded its progress deadline', False
        unavailable = rollout.serving is None and rollout.replicas > 0
        # Flagger: non-retriable once `lastUpdateTime + deadline` is before its `now`. The condition's time is
        # stored in whole seconds (metav1.Time), and a tick reads `now` a little after the second it starts in, so
        # the tick exactly `deadline_s` after the scale-up is already past it (9 warnings, not 10, for 90 s at 10 s).
        return reason, not (unavailable and started + deadline_s <= self._now)

    def daemonset_check(
        self, namespace: str, name: str, deadline_s: int, since: float | None, threshold: int = 100
    ) -> tuple[str | None, bool]:
        """Flagger's isDaemonSetReady: (None when ready, else the reason; whether it is retriable). The deadline
        counts from `since`, the Canary's status.lastTransitionTime (whole seconds, so the tick exactly
        `deadline_s` later is past it, as for a Deployment)."""
        rollout = self._rollouts.get((namespace, name))
        obj = self._store.get(DAEMONSET, namespace, name)
        if rollout is None or obj is None:
            return f'daemonsets.apps "{name}" not found', True
        if rollout.changed_at is not None and rollout.changed_at == self._now:
            return DAEMONSET_NOT_OBSERVED, True
        status = obj.get("status") or {}
        desired, updated = (
            int(status.get("desiredNumberScheduled") or 0),
            int(status.get("updatedNumberScheduled") or 0),
        )
        available = int(status.get("numberAvailable") or 0)
        needed = int(_f32(_f32(desired) * _f32(_f32(threshold) / _f32(100))))
        if updated >= desired and available >= needed:
            return None, True
        if since is not None and self._now is not None and since + deadline_s <= self._now:
            return f"exceeded its progressDeadlineSeconds: {deadline_s}", False
        if updated < desired:
            return f"waiting for rollout to finish: {updated} out of {desired} new pods have been updated", True
        return (
            f"waiting for rollout to finish: {available} of {needed} (readyThreshold {threshold}%) updated pods are "
            "available"
        ), True

    def serving(self, namespace: str, name: str) -> tuple[Any, int]:
        """(pod template the ready pods run, ready replicas)."""
        rollout = self._rollouts.get((namespace, name))
        if rollout is None or rollout.serving is None:
            return None, 0
        return rollout.serving, rollout.serving_replicas


def _f32(value: float) -> float:
    """Go's float32 rounding."""
    return float(struct.unpack("f", struct.pack("f", value))[0])
