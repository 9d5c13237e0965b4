"""Flagger's canary scheduler (v1.44, canary strategy) re-enacted against the simulated object store.

One job per Canary ticks every analysis interval (floored at 10 s), first when the control loop picks the
canary up. Each tick follows Flagger's order of checks and writes the router before the status, with
Flagger's exact event wording, event types and webhook phases. The tick is split into the steps of Flagger's
advanceCanary (pkg/controller/scheduler.go), named after its functions (shouldAdvance, checkCanaryStatus,
hasCanaryRevisionChanged, shouldSkipAnalysis, runRollbackHooks, runAnalysis, runCanary…), so the two can be read
side by side. The router is the provider's (tui.sim.routers) and the builtin checks run through its observer
(tui.sim.observers). A/B testing and blue/green (with mirroring) run as Flagger's runAB and runBlueGreen
(tui.sim.strategies); provider `kubernetes` runs Flagger's forced blue/green (iterations, no traffic shifting).
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.domain.flagger import messages as msg
from tui.domain.flagger.hashing import object_hash
from tui.domain.flagger.payload import EventPayload
from tui.domain.flagger.weights import max_weight, next_step
from tui.domain.names import primary_name
from tui.kube.parse import parse_interval
from tui.sim import autoscaler, config_tracker
from tui.sim.custom_checks import CustomChecks, SimPrometheus
from tui.sim.deadline import failed_promotion, progress_deadline_s
from tui.sim.finalizer import Finalizer, has_finalizer, wants_finalizer
from tui.sim.hooks import HookRunner
from tui.sim.loadtester import SimLoadtester
from tui.sim.logger_pod import LoggerPod
from tui.sim.observers import metrics_provider, observer_for
from tui.sim.routers import RouterError, SimRouter, router_for
from tui.sim.store import ObjectStore, rfc3339
from tui.sim.strategies import IterationStrategies
from tui.sim.target_daemonset import DAEMONSET, normalized, not_found, primary_daemonset, readiness, scaled
from tui.sim.traffic import TrafficModel
from tui.sim.workloads import Workloads

PROVIDER = "linkerd"  # the simulated Flagger's -mesh-provider unless the scenario names another
KUBERNETES = "kubernetes"
CONTROL_LOOP_S = 10
MIN_INTERVAL_S = 10
HISTORY_LIMIT = 5000

_PROMOTED = {
    "Initializing": ("Unknown", "New Deployment detected, starting initialization."),
    "Initialized": ("True", "Deployment initialization completed."),
    "Waiting": ("Unknown", "Waiting for approval."),
    "Progressing": ("Unknown", "New revision detected, progressing canary analysis."),
    "WaitingPromotion": ("Unknown", "Waiting for approval."),
    "Promoting": ("Unknown", "Canary analysis completed, starting primary rolling update."),
    "Finalising": ("Unknown", "Canary analysis completed, routing all traffic to primary."),
    "Succeeded": ("True", "Canary analysis completed successfully, promotion finished."),
    "Failed": ("False", "Canary analysis failed, Deployment scaled to zero."),
    # MakeStatusConditions has no case for Terminating: the default text (canary/status.go:204-234).
    "Terminating": ("Unknown", "New Deployment detected, starting initialization."),
}
# Writing any other phase resets canaryWeight and iterations to 0 (Flagger's status quirk).
_KEEPS_WEIGHT = frozenset({"Progressing", "Waiting", "Promoting"})


@dataclass(frozen=True)
class Recorded:
    """One event as Flagger recorded it, for fidelity tests."""

    t: float
    namespace: str
    name: str
    type: str
    message: str
    phase: str


@dataclass
class _Run:
    """What one tick of one canary reads at its start, as Flagger's advanceCanary holds it in locals."""

    canary: dict[str, Any]
    namespace: str
    name: str
    obj: str  # name.namespace of the Canary
    target_name: str
    target: str  # name.namespace of the target
    primary_name: str
    apex: str  # the service (and router) name
    analysis: dict[str, Any]
    provider: str  # spec.provider, else Flagger's -mesh-provider
    router: SimRouter
    status: dict[str, Any]
    phase: str
    skip: bool
    failed: int
    threshold: int
    target_obj: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    mirrored: bool = False  # GetRoutes' third answer: the router mirrors requests to the canary
    kind: str = "Deployment"  # targetRef.kind: Deployment or DaemonSet

    @property
    def iterations(self) -> int:
        """analysis.iterations as this tick sees it (provider kubernetes sets 10 in memory when it is unset)."""
        return int(self.analysis.get("iterations") or 0)

    @classmethod
    def of(cls, canary: dict[str, Any], mesh_provider: str, router: Callable[[str], SimRouter]) -> _Run:
        meta, spec = canary["metadata"], canary["spec"]
        namespace, name = meta["namespace"], meta["name"]
        analysis = spec.get("analysis") or {}
        status = copy.deepcopy(canary.get("status") or {})
        target_name = spec["targetRef"]["name"]
        provider = spec.get("provider") or mesh_provider
        return cls(
            canary=canary,
            namespace=namespace,
            name=name,
            obj=msg.dotted(name, namespace),
            target_name=target_name,
            target=msg.dotted(target_name, namespace),
            primary_name=primary_name(target_name),
            apex=(spec.get("service") or {}).get("name") or target_name,
            analysis=dict(analysis),
            provider=provider,
            router=router(provider),
            status=status,
            phase=status.get("phase") or "",
            skip=bool(spec.get("skipAnalysis")),
            failed=int(status.get("failedChecks") or 0),
            threshold=max(1, int(analysis.get("threshold") or 1)),
            kind=spec["targetRef"].get("kind") or "Deployment",
        )


def _ready_threshold(run: _Run, *, primary: bool) -> int:
    """GetAnalysisPrimaryReadyThreshold / GetAnalysisCanaryReadyThreshold: a percentage, 100 unless set (0 counts)."""
    value = run.analysis.get("primaryReadyThreshold" if primary else "canaryReadyThreshold")
    return 100 if value is None else int(value)


@dataclass
class _Job:
    namespace: str
    name: str
    interval_s: int
    next_at: float


class SimFlagger(IterationStrategies):
    def __init__(
        self,
        store: ObjectStore,
        workloads: Workloads,
        traffic: TrafficModel,
        loadtester: SimLoadtester,
        logger: LoggerPod,
        mesh_provider: str = PROVIDER,
    ) -> None:
        self.mesh_provider = mesh_provider
        # templateRef and inline-query checks; the simulation gives it its scenario's Prometheus answers.
        self.custom_checks = CustomChecks(store, SimPrometheus(store, traffic, {}, {}))
        self._routers: dict[str, SimRouter] = {}
        self._store = store
        self._workloads = workloads
        self._traffic = traffic
        self._loadtester = loadtester
        self._logger = logger
        self._hook_runner = HookRunner(loadtester, self._event)
        self._jobs: dict[tuple[str, str], _Job] = {}
        self._now = 0.0
        self._event_index = 0
        self._last_stamp_ms = 0
        self.history: deque[Recorded] = deque(maxlen=HISTORY_LIMIT)
        self.finalizer = Finalizer(
            store,
            workloads,
            lambda canary, message, phase: self._event(canary, msg.NORMAL, message, phase),
            lambda canary, phase: self._write_status(canary, phase=phase),
        )

    # --- scheduling -------------------------------------------------------------------------------------

    def step(self, now: float) -> None:
        """Run the control loop and every analysis tick due at `now`."""
        self._now = now
        self.finalizer.step(now)
        if now % CONTROL_LOOP_S == 0:
            self._control_loop(now)
        for key in sorted(self._jobs):
            job = self._jobs.get(key)
            if job is not None and job.next_at <= now:
                job.next_at = now + job.interval_s
                self._tick(job.namespace, job.name)

    def _control_loop(self, now: float) -> None:
        canaries = {(c["metadata"]["namespace"], c["metadata"]["name"]): c for c in self._store.list("Canary")}
        for key in list(self._jobs):
            if key not in canaries:
                del self._jobs[key]
        for key, canary in canaries.items():
            if not self.sync_deletion(canary):
                continue
            interval = self._interval(canary)
            job = self._jobs.get(key)
            if job is not None and job.interval_s == interval:
                continue
            if not (canary.get("status") or {}).get("phase"):
                self._write_status(canary, phase="Initializing")
            # A new or re-timed job ticks at once, then once per interval.
            self._jobs[key] = _Job(key[0], key[1], interval, now)

    def sync_deletion(self, canary: dict[str, Any]) -> bool:
        """syncHandler's finalizer part: add it while revertOnDeletion is set, finalize a marked Canary (False)."""
        if canary["metadata"].get("deletionTimestamp"):
            if canary["spec"].get("revertOnDeletion") and has_finalizer(canary):
                self.finalizer.sync(canary, self._now)
            return False
        if wants_finalizer(canary) and not has_finalizer(canary):
            self.finalizer.add(canary)
        return True

    @staticmethod
    def _interval(canary: dict[str, Any]) -> int:
        seconds = parse_interval((canary["spec"].get("analysis") or {}).get("interval"))
        if seconds is None:
            return 60
        return max(MIN_INTERVAL_S, int(seconds))

    def next_tick(self, namespace: str, name: str) -> float | None:
        job = self._jobs.get((namespace, name))
        return job.next_at if job else None

    # --- effects ----------------------------------------------------------------------------------------

    def _event(self, canary: dict[str, Any], event_type: str, message: str, phase: str | None = None) -> None:
        meta, status = canary["metadata"], canary.get("status") or {}
        phase = phase if phase is not None else (status.get("phase") or "")
        self._event_index += 1
        # Events within one tick are a few milliseconds apart, as in a real tick, and never earlier than the last.
        stamp = max(int(self._now * 1000), self._last_stamp_ms + 3)
        self._last_stamp_ms = stamp
        self.history.append(Recorded(self._now, meta["namespace"], meta["name"], event_type, message, phase))
        hooks = [h for h in (canary["spec"].get("analysis") or {}).get("webhooks") or [] if h.get("type") == "event"]
        if not hooks:
            return
        checksum = object_hash(
            {"tracked": status.get("trackedConfigs") or {}, "spec": status.get("lastAppliedSpec", "")}
        )
        payload = EventPayload(
            name=meta["name"],
            namespace=meta["namespace"],
            phase=phase,
            message=message,
            event_type=event_type,
            timestamp_ms=stamp,
            checksum=checksum,
        )
        self._logger.receive(payload)

    def _write_status(self, canary: dict[str, Any], **fields: Any) -> None:
        status = copy.deepcopy(canary.get("status") or {})
        phase = fields.pop("phase", None)
        if phase is not None:
            status["phase"] = phase
            if phase not in _KEEPS_WEIGHT:
                status["canaryWeight"] = 0
                status["iterations"] = 0
        names = {
            "weight": "canaryWeight",
            "failed": "failedChecks",
            "iterations": "iterations",
            "applied": "lastAppliedSpec",
            "promoted": "lastPromotedSpec",
        }
        for name, value in fields.items():
            status[names[name]] = value
        if "applied" in fields:
            # SyncStatus writes the tracked ConfigMaps/Secrets with lastAppliedSpec (canary/status.go:46-49).
            status["trackedConfigs"] = self._tracked_configs(canary)
        status.setdefault("canaryWeight", 0)
        status.setdefault("failedChecks", 0)
        status.setdefault("iterations", 0)
        status["lastTransitionTime"] = rfc3339(self._now)
        condition, message = _PROMOTED.get(status.get("phase", ""), ("Unknown", ""))
        status["conditions"] = [
            {
                "type": "Promoted",
                "status": condition,
                "reason": status.get("phase", ""),
                "message": message,
                "lastUpdateTime": rfc3339(self._now),
                "lastTransitionTime": rfc3339(self._now),
            }
        ]
        meta = canary["metadata"]
        self._store.patch("Canary", meta["namespace"], meta["name"], status, status=True)
        canary["status"] = self._store.get("Canary", meta["namespace"], meta["name"])["status"]

    def router(self, provider: str) -> SimRouter:
        """The router Flagger's factory makes for `provider`, one per provider name."""
        if provider not in self._routers:
            self._routers[provider] = router_for(provider, self._store)
        return self._routers[provider]

    def router_of(self, canary: dict[str, Any]) -> SimRouter:
        return self.router(canary["spec"].get("provider") or self.mesh_provider)

    def _route(self, canary: dict[str, Any], primary: int, canary_weight: int, mirrored: bool = False) -> bool:
        """meshRouter.SetRoutes; a failure is Flagger's Warning and ends what the caller was doing."""
        try:
            self.router_of(canary).set_routes(canary, primary, canary_weight, mirrored)
        except RouterError as exc:
            self._event(canary, msg.WARNING, str(exc))
            return False
        return True

    def _scale(self, namespace: str, name: str, replicas: int) -> None:
        daemonset = self._store.get(DAEMONSET, namespace, name)
        if daemonset is not None and self._store.get("Deployment", namespace, name) is None:
            # ScaleToZero / ScaleFromZero of a DaemonSet: Flagger's node selector that no node has.
            template = scaled(daemonset["spec"]["template"], up=replicas > 0)
            self._store.replace_spec_field(DAEMONSET, namespace, name, "template", template)
        else:
            self._store.patch("Deployment", namespace, name, {"spec": {"replicas": replicas}})
        self._workloads.sync(self._now)

    def _hook_passes(self, hook: dict[str, Any], name: str, namespace: str) -> bool:
        return self._hook_runner.call({"metadata": {"name": name, "namespace": namespace}}, hook) is None

    @staticmethod
    def _hooks(canary: dict[str, Any], hook_type: str) -> list[dict[str, Any]]:
        hooks = (canary["spec"].get("analysis") or {}).get("webhooks") or []
        return [h for h in hooks if (h.get("type") or "rollout") == hook_type]

    # --- one tick ---------------------------------------------------------------------------------------

    # --- one tick: Flagger's advanceCanary, step by step (pkg/controller/scheduler.go) -------------------------

    def _tick(self, namespace: str, name: str) -> None:
        """advanceCanary: each step either lets the tick go on or has done what this tick does."""
        canary = self._store.get("Canary", namespace, name)
        if canary is None:
            return
        if canary["spec"].get("suspend"):
            self._event(canary, msg.NORMAL, msg.suspended())
            return
        run = _Run.of(canary, self.mesh_provider, self.router)
        if not self._initialize(run) or not self._should_advance(run):
            return
        if not run.skip and not self._is_ready(run, run.primary_name, primary=True):
            return
        try:
            primary_w, canary_w = run.router.get_routes(canary)
            run.mirrored = run.router.mirrored(canary)
        except RouterError as exc:
            self._event(canary, msg.WARNING, str(exc))
            return
        if not self._check_canary_status(run):
            return
        if self._has_canary_revision_changed(run):
            self._restart_analysis(run)
            return
        if not self._is_ready(run, run.target_name, primary=False):
            return
        if self._should_skip_analysis(run) or self._run_rollback_hooks(run):
            return
        if run.phase == "Promoting":
            if run.provider == KUBERNETES:
                # No traffic to shift: promotion goes straight on to Finalising, without an event.
                self._write_status(canary, phase="Finalising")
                return
            step = int(run.analysis.get("stepWeightPromotion") or 0)
            self._promotion_step(canary, run.obj, primary_w, canary_w, step)
            return
        if run.phase == "Finalising":
            self._finalise(run)
            return
        if run.phase in ("Progressing", "WaitingPromotion") and run.failed >= run.threshold:
            self._rollback(canary, run.target_obj, threshold_reached=True)
            return
        if not self._run_analysis(run, canary_w):
            return
        if run.provider == KUBERNETES and run.analysis.get("match"):
            self._event(canary, msg.WARNING, msg.KUBERNETES_NO_AB)
            run.analysis["match"] = None
        if run.provider == KUBERNETES and run.iterations < 1:
            self._event(canary, msg.WARNING, msg.KUBERNETES_NO_PROGRESSIVE)
            self._event(canary, msg.WARNING, msg.setting_iterations(msg.KUBERNETES_ITERATIONS))
            run.analysis["iterations"] = msg.KUBERNETES_ITERATIONS
        if run.iterations > 0:
            (self._run_ab if run.analysis.get("match") else self._run_blue_green)(run)
            return
        self._run_canary(run, primary_w, canary_w)

    def _initialize(self, run: _Run) -> bool:
        """canaryController.Initialize, the scale-down and the router's Reconcile, then setPhaseInitialized."""
        canary, namespace = run.canary, run.namespace
        initializing = run.phase in ("", "Initializing")
        if initializing and not run.skip:
            unavailable = self.custom_checks.availability_error(canary)
            if unavailable:
                self._event(canary, msg.WARNING, unavailable)
            else:
                self._event(canary, msg.NORMAL, msg.metrics_providers_available())
        target_obj = self._store.get("Deployment", namespace, run.target_name)
        if run.kind == DAEMONSET:
            # Hashed and promoted as Flagger's DaemonSetController reads it: without its scale-to-zero selector.
            target_obj = self._store.get(DAEMONSET, namespace, run.target_name)
            target_obj = normalized(target_obj) if target_obj is not None else None
        if target_obj is None:
            missing = f'deployments.apps "{run.target_name}" not found'
            self._event(
                canary, msg.WARNING, not_found(run.target_name, namespace) if run.kind == DAEMONSET else missing
            )
            return False
        run.target_obj = target_obj
        if self._store.get(run.kind, namespace, run.primary_name) is None:
            self._create_primary(target_obj, run.primary_name)
        if initializing:
            threshold = _ready_threshold(run, primary=True)
            if run.kind == DAEMONSET:
                error, _ = readiness(self._workloads, canary, run.primary_name, threshold, primary=True)
            else:
                reason = self._workloads.readiness(namespace, run.primary_name, threshold)
                error = msg.not_ready(msg.dotted(run.primary_name, namespace), reason) if reason else None
            if error:
                self._event(canary, msg.WARNING, error)
                return False
            self._scale(namespace, run.target_name, 0)
        scaler_error = autoscaler.reconcile_primary(self._store, canary)  # every tick (scheduler.go:234-239)
        if scaler_error:
            self._event(canary, msg.WARNING, scaler_error)
            return False
        try:
            run.router.reconcile(canary)
        except RouterError as exc:
            self._event(canary, msg.WARNING, str(exc))
            return False
        if initializing:
            spec_hash = object_hash(target_obj["spec"]["template"])
            self._write_status(
                canary, phase="Initialized", weight=0, failed=0, iterations=0, applied=spec_hash, promoted=spec_hash
            )
            self._event(canary, msg.NORMAL, msg.initialization_done(run.obj), "Initialized")
            return False
        return True

    def _should_advance(self, run: _Run) -> bool:
        """shouldAdvance: an analysis in flight, or a new revision of a canary at rest."""
        run.changed = self._changed(run.canary, run.target_obj)
        if run.phase == "Failed":
            # Flagger re-syncs a failed canary's status on every tick, so lastAppliedSpec follows the target (and
            # lastTransitionTime moves); whether the target changed is still judged against what it read before.
            self._write_status(run.canary, applied=object_hash(run.target_obj["spec"]["template"]))
        return not (run.phase in ("Initialized", "Succeeded", "Failed", "Terminating") and not run.changed)

    def _is_ready(self, run: _Run, deployment: str, *, primary: bool) -> bool:
        """IsPrimaryReady / IsCanaryReady: a Deployment not ready yet ends the tick with Flagger's warning; one
        stuck past its progress deadline also rolls back (a primary stuck in promotion fails the promotion)."""
        threshold = _ready_threshold(run, primary=primary)
        if run.kind == DAEMONSET:
            error, retriable = readiness(self._workloads, run.canary, deployment, threshold, primary=primary)
        else:
            reason, retriable = self._workloads.check(
                run.namespace, deployment, progress_deadline_s(run.canary), threshold
            )
            dotted = msg.dotted(deployment, run.namespace)
            error = (
                (msg.not_ready(dotted, reason) if primary else msg.canary_not_ready(dotted, reason)) if reason else None
            )
        if not error:
            return True
        self._event(run.canary, msg.WARNING, error)
        if not retriable:
            if primary and run.phase in ("Promoting", "Finalising"):
                self._failed_promotion(run, error)
            else:
                self._rollback(run.canary, run.target_obj, threshold_reached=run.failed >= run.threshold)
        return False

    def _failed_promotion(self, run: _Run, error: str) -> None:
        """handleFailedPromotion (v1.44): all traffic to the canary, the only healthy copy; Failed at weight 100."""
        self._event(run.canary, msg.WARNING, failed_promotion(run.target, error))
        if not self._route(run.canary, 0, 100):
            return
        self._write_status(
            run.canary,
            phase="Failed",
            weight=100,
            failed=0,
            iterations=0,
            applied=object_hash(run.target_obj["spec"]["template"]),
        )
        self._hook_runner.post_rollout(run.canary, run.phase)

    def _check_canary_status(self, run: _Run) -> bool:
        """checkCanaryStatus: a canary at rest with a new revision starts its analysis (after confirm-rollout)."""
        canary, phase = run.canary, run.phase
        if phase not in ("Initialized", "Succeeded", "Failed", "Waiting"):
            return True
        for hook in self._hooks(canary, "confirm-rollout"):
            if not self._hook_passes(hook, run.name, run.namespace):
                if phase != "Waiting":
                    self._write_status(canary, phase="Waiting")
                    self._event(canary, msg.WARNING, msg.waiting_for_approval(run.obj, hook["name"]), phase)
                return False
            self._event(canary, msg.NORMAL, msg.confirm_rollout_passed(hook["name"]))
        self._event(canary, msg.NORMAL, msg.new_revision(run.target), "Progressing")
        primary = self._store.get(run.kind, run.namespace, run.primary_name)
        replicas = int(run.target_obj["spec"].get("replicas") or 0) or int(primary["spec"].get("replicas") or 1)
        with_hpa = autoscaler.scale_from_zero_replicas(
            self._store, canary, int(run.target_obj["spec"].get("replicas") or 0)
        )
        self._scale(run.namespace, run.target_name, replicas if with_hpa is None else with_hpa)
        self._write_status(
            canary,
            phase="Progressing",
            weight=0,
            failed=0,
            iterations=0,
            applied=object_hash(run.target_obj["spec"]["template"]),
        )
        return False

    def _has_canary_revision_changed(self, run: _Run) -> bool:
        return run.phase in ("Progressing", "WaitingPromotion") and run.changed

    def _restart_analysis(self, run: _Run) -> None:
        self._event(run.canary, msg.NORMAL, msg.restarting_analysis(run.target))
        if not self._route(run.canary, 100, 0):
            return
        self._write_status(
            run.canary,
            phase="Progressing",
            weight=0,
            failed=0,
            iterations=0,
            applied=object_hash(run.target_obj["spec"]["template"]),
        )

    def _should_skip_analysis(self, run: _Run) -> bool:
        """shouldSkipAnalysis: with spec.skipAnalysis the new revision is promoted at once."""
        if not run.skip:
            return False
        if not self._route(run.canary, 100, 0):
            return True
        self._event(run.canary, msg.NORMAL, msg.copying_spec(run.target, msg.dotted(run.primary_name, run.namespace)))
        self._promote(run.target_obj, run.primary_name)
        self._scale(run.namespace, run.target_name, 0)
        self._write_status(run.canary, phase="Succeeded", promoted=run.status.get("lastAppliedSpec"))
        self._hook_runner.post_rollout(run.canary, "Succeeded")
        self._event(run.canary, msg.NORMAL, msg.promotion_skipped(run.target), "Succeeded")
        return True

    def _run_rollback_hooks(self, run: _Run) -> bool:
        """runRollbackHooks: an open rollback gate rolls the analysis back now."""
        if run.phase not in ("Progressing", "WaitingPromotion"):
            return False
        for hook in self._hooks(run.canary, "rollback"):
            if self._hook_passes(hook, run.name, run.namespace):
                self._event(run.canary, msg.WARNING, msg.rollback_check_passed(hook["name"]))
                self._event(run.canary, msg.WARNING, msg.rolling_back_manual(run.obj))
                self._rollback(run.canary, run.target_obj, threshold_reached=False)
                return True
            self._event(run.canary, msg.NORMAL, msg.rollback_not_signaling(hook["name"]))
        return False

    def _finalise(self, run: _Run) -> None:
        """Finalising: the target scaled to zero, the canary Succeeded."""
        self._scale(run.namespace, run.target_name, 0)
        self._write_status(run.canary, phase="Succeeded", promoted=run.status.get("lastAppliedSpec"))
        self._hook_runner.post_rollout(run.canary, "Succeeded")
        self._event(run.canary, msg.NORMAL, msg.promotion_completed(run.target), "Succeeded")

    def _run_analysis(self, run: _Run, canary_w: int) -> bool:
        """The first tick of an analysis starts it with the pre-rollout hooks; later ones run the rollout hooks,
        then the metric checks (runAnalysis). A failure of either counts a failed check, at any weight."""
        mirrored = bool(run.analysis.get("mirror")) and run.mirrored
        if canary_w == 0 and int(run.status.get("iterations") or 0) == 0 and not mirrored:
            self._event(run.canary, msg.NORMAL, msg.starting_analysis(run.target))
            if not self._hook_runner.pre_rollout(run.canary, run.obj):
                self._write_status(run.canary, failed=run.failed + 1)
                return False
            return True
        if not self._hook_runner.rollout(run.canary, run.obj):
            self._write_status(run.canary, failed=run.failed + 1)
            return False
        failure = self._check_metrics(run.canary, run.obj, run.target)
        if failure:
            self._event(run.canary, msg.WARNING, failure)
            self._write_status(run.canary, failed=run.failed + 1)
            return False
        return True

    def _run_canary(self, run: _Run, primary_w: int, canary_w: int) -> None:
        """The canary strategy: confirm-traffic-increase, then one more step, or promotion at the max weight."""
        canary, analysis = run.canary, run.analysis
        step = next_step(canary_w, analysis.get("stepWeight"), analysis.get("stepWeights") or [])
        top = max_weight(analysis.get("maxWeight"), analysis.get("stepWeights") or [])
        if step <= 0:
            return
        if not run.mirrored and run.phase not in ("Promoting", "WaitingPromotion", "Finalising"):
            for hook in self._hooks(canary, "confirm-traffic-increase"):
                if not self._hook_passes(hook, run.name, run.namespace):
                    self._event(canary, msg.WARNING, msg.traffic_increase_waiting(run.obj, hook["name"]))
                    return
                self._event(canary, msg.NORMAL, f"Confirm-traffic-increase check {hook['name']} passed")
        if canary_w < top:
            new_primary, new_canary, mirrored = max(0, primary_w - step), min(100, canary_w + step), False
            if analysis.get("mirror") and canary_w == 0:
                # One tick of mirroring before the first step (Flagger logs "Running mirror step", no event).
                mirrored = not run.mirrored
                new_primary, new_canary = (100, 0) if mirrored else (100 - step, step)
            if not self._route(canary, new_primary, new_canary, mirrored):
                return
            self._write_status(canary, weight=new_canary)
            self._event(canary, msg.NORMAL, msg.advance_canary(run.obj, new_canary))
            return
        if not self._confirm_promotion(run):
            return
        self._start_promotion(run)

    def _confirm_promotion(self, run: _Run) -> bool:
        """runConfirmPromotionHooks: a closed gate parks the canary in WaitingPromotion."""
        canary = run.canary
        for hook in self._hooks(canary, "confirm-promotion"):
            if not self._hook_passes(hook, run.name, run.namespace):
                iterations = run.iterations - 1
                if run.phase != "WaitingPromotion":
                    self._write_status(canary, phase="WaitingPromotion", iterations=iterations)
                    self._event(canary, msg.WARNING, msg.promotion_waiting(run.obj, hook["name"]), run.phase)
                else:
                    self._write_status(canary, iterations=iterations)
                return False
            self._event(canary, msg.NORMAL, msg.confirm_promotion_passed(hook["name"]))
        return True

    def _start_promotion(self, run: _Run) -> None:
        self._event(run.canary, msg.NORMAL, msg.copying_spec(run.target, msg.dotted(run.primary_name, run.namespace)))
        self._promote(run.target_obj, run.primary_name)
        self._write_status(run.canary, phase="Promoting")

    def _promotion_step(self, canary: dict[str, Any], obj: str, primary_w: int, canary_w: int, step: int) -> None:
        if step == 0 or canary_w <= 0:
            self._event(canary, msg.NORMAL, msg.routing_all_to_primary())
            if not self._route(canary, 100, 0):
                return
            self._write_status(canary, phase="Finalising")
            return
        new_primary = min(100, primary_w + step)
        new_canary = max(0, canary_w - step)
        if not self._route(canary, new_primary, new_canary):
            return
        self._event(canary, msg.NORMAL, msg.advance_primary(obj, new_primary))
        if new_primary == 100:
            self._write_status(canary, phase="Finalising")
        else:
            self._write_status(canary, weight=new_canary)

    def _rollback(self, canary: dict[str, Any], target_obj: dict[str, Any], *, threshold_reached: bool) -> None:
        meta, status = canary["metadata"], canary.get("status") or {}
        phase = status.get("phase") or ""  # the events after the status write still carry the tick's phase
        obj = msg.dotted(meta["name"], meta["namespace"])
        failed = int(status.get("failedChecks") or 0)
        threshold = int((canary["spec"].get("analysis") or {}).get("threshold") or 0) or 1
        # rollback() reports a reached threshold whatever the trigger, a manual rollback too (scheduler.go:948-957).
        if threshold_reached or failed >= threshold:
            self._event(canary, msg.WARNING, msg.threshold_reached(obj, failed))
        if not self._route(canary, 100, 0):
            return
        self._event(canary, msg.WARNING, msg.canary_failed(obj), "Failed")
        self._scale(meta["namespace"], target_obj["metadata"]["name"], 0)
        self._write_status(
            canary,
            phase="Failed",
            weight=0,
            failed=0,
            iterations=0,
            applied=object_hash(target_obj["spec"]["template"]),
        )
        self._hook_runner.post_rollout(canary, phase)

    def _check_metrics(self, canary: dict[str, Any], obj: str, target: str) -> str | None:
        """The first failing check's message, or None when all pass: the builtin checks (as the provider's observer
        measures) and inline queries in order, then the templateRef checks (tui.sim.custom_checks)."""
        meta = canary["metadata"]
        target_name = canary["spec"]["targetRef"]["name"]
        provider = metrics_provider(canary["spec"].get("provider"), self.mesh_provider)
        observer = observer_for(provider)
        series = self._traffic.metrics(meta["namespace"], target_name)
        for metric in (canary["spec"].get("analysis") or {}).get("metrics") or []:
            window = parse_interval(metric.get("interval")) or 60.0
            stats = series.window(int(self._now), window)
            bounds = metric.get("thresholdRange") or {}
            if metric.get("name") == "request-success-rate":
                value = stats.success_rate
                if value is None:
                    return msg.no_values_success_rate(provider, target, wrapped=observer.wraps_errors)
                if bounds.get("min") is not None and value < float(bounds["min"]):
                    return msg.success_rate_below(obj, value, float(bounds["min"]))
                if bounds.get("max") is not None and value > float(bounds["max"]):
                    return msg.success_rate_above(obj, value, float(bounds["max"]))
            elif metric.get("name") == "request-duration":
                millis = observer.duration_ms(stats)  # whole milliseconds, as Flagger compares them
                if millis is None:
                    return msg.no_values_duration(provider, target)
                if bounds.get("max") is not None and millis > float(bounds["max"]):
                    return msg.duration_above(obj, millis, float(bounds["max"]))
            if metric.get("query"):
                failure = self.custom_checks.inline_failure(canary, metric, self._now)
                if failure:
                    return failure
        return self.custom_checks.template_failures(canary, self._now)

    # --- objects Flagger creates ------------------------------------------------------------------------

    def _tracked_configs(self, canary: dict[str, Any]) -> dict[str, str] | None:
        meta, target = canary["metadata"], canary["spec"]["targetRef"]["name"]
        target_obj = self._store.get("Deployment", meta["namespace"], target)
        if target_obj is None:
            return None
        return config_tracker.tracked_configs(self._store, meta["namespace"], target_obj["spec"]["template"])

    def _changed(self, canary: dict[str, Any], target_obj: dict[str, Any]) -> bool:
        """HasTargetChanged or HaveDependenciesChanged (scheduler.go:869-882)."""
        status = canary.get("status") or {}
        template = target_obj["spec"]["template"]
        namespace = target_obj["metadata"]["namespace"]
        if config_tracker.has_config_changed(self._store, namespace, template, status.get("trackedConfigs")):
            return True
        current = object_hash(template)
        if not status.get("lastAppliedSpec"):
            return True
        if current == status.get("lastPromotedSpec"):
            return False
        return current != status.get("lastAppliedSpec")

    def _create_primary(self, target_obj: dict[str, Any], primary_name: str) -> None:
        if target_obj.get("kind") == DAEMONSET:
            self._store.create(primary_daemonset(target_obj, primary_name, self._primary_template(target_obj)))
            self._workloads.sync(self._now)
            return
        meta = target_obj["metadata"]
        primary = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": primary_name,
                "namespace": meta["namespace"],
                "labels": {"app.kubernetes.io/name": primary_name},
            },
            "spec": {
                "replicas": int(target_obj["spec"].get("replicas") or 1),
                "selector": {"matchLabels": {"app.kubernetes.io/name": primary_name}},
                "template": self._primary_template(target_obj),
            },
        }
        if "progressDeadlineSeconds" in target_obj["spec"]:
            primary["spec"]["progressDeadlineSeconds"] = target_obj["spec"]["progressDeadlineSeconds"]
        self._store.create(primary)
        self._workloads.sync(self._now)

    def _promote(self, target_obj: dict[str, Any], primary_name: str) -> None:
        namespace = target_obj["metadata"]["namespace"]
        template = self._primary_template(target_obj)
        if target_obj.get("kind") == DAEMONSET:
            template = scaled(template, up=True)
        self._store.replace_spec_field(
            target_obj.get("kind") or "Deployment", namespace, primary_name, "template", template
        )
        self._workloads.sync(self._now)

    def _primary_template(self, target_obj: dict[str, Any]) -> dict[str, Any]:
        """The tracked configs copied to their -primary twins, and the target's template pointed at them."""
        namespace, template = target_obj["metadata"]["namespace"], target_obj["spec"]["template"]
        config_tracker.copy_to_primary(self._store, namespace, template)
        return config_tracker.primary_template(self._store, namespace, template)
