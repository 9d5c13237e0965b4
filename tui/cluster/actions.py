"""The action keys on a real cluster: the same keys as in the simulation, safe by default.

Every action asks for confirmation naming the object and the change (unless --yes), runs in a worker thread,
and follows up where Flagger needs it: a rollback gate is closed again once the canary has failed, a
promotion gate once promotion has started, spec.skipAnalysis is unset once promoted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.actions.base import ActionKind, Outcome, errors_already_running
from tui.cluster import release as rel
from tui.cluster.discovery import ServedGroups
from tui.cluster.http import HttpProblem, get_json
from tui.cluster.kubeconfig import Connection
from tui.cluster.loadtester import GATE_CHECK, ROLLBACK_CHECK, LoadtesterError, gate_route, hook, loadtester_for
from tui.model import CanaryInfo, CanaryKey, Phase, Webhook
from tui.observations import LoadObserved, LoadRemoved, Observation
from tui.redact import scrub
from tui.state import AppState

SKIP_ANALYSIS_WARNING = (
    "Flagger promotes at its next tick without checking any metric; canaryscope unsets skipAnalysis after the "
    "promotion (a GitOps tool may also revert it)"
)
FLUX_WARNING = "Flux puts git's value back at its next reconcile unless the Kustomization is suspended"
LOAD_REPORT_EVERY_S = 1.0


@dataclass
class FollowUp:
    key: CanaryKey
    phases: frozenset[str]
    undo: Callable[[], None]
    what: str


class ClusterActions:
    read_only = False
    blocking = True

    def __init__(
        self,
        connection: Connection,
        state: Callable[[], AppState],
        *,
        served: Callable[[], ServedGroups | None],
        release: rel.ReleaseConfig,
        target_url: str,
        loads: Any,
        background: Any,
        errors: Any,
        loadtester_url: str | None = None,
        confirm: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.connection = connection
        self.state = state
        self.served = served
        self.release = release
        self.target_url = target_url
        self.loads = loads
        self.background = background
        self.errors = errors
        self.loadtester_url = loadtester_url
        self.needs_confirmation = confirm
        self.clock = clock
        self._report: Callable[[list[Observation]], None] | None = None
        self._follow_ups: list[FollowUp] = []
        self._lock = threading.Lock()
        self._releases = 0
        self._stop = threading.Event()
        self._reporter: threading.Thread | None = None
        self._known_loads: set[str] = set()

    # --- wiring ------------------------------------------------------------------------------------------

    def bind(self, report: Callable[[list[Observation]], None]) -> None:
        """Where load statistics go (a thread-safe poster into the app)."""
        self._report = report

    def stop(self) -> None:
        self._stop.set()
        self.loads.stop_all(timeout=1.0, close=True)
        self._report_loads()

    # --- what a confirmation says ------------------------------------------------------------------------

    def _info(self, key: CanaryKey) -> CanaryInfo | None:
        view = self.state().canaries.get(key)
        return view.info if view else None

    def _strategy(self, info: CanaryInfo) -> str:
        if self.release.strategy:
            return self.release.strategy
        dep = self.state().deployment(info.key.namespace, info.target)
        return "helmrelease" if dep is not None and dep.helm_release else "deployment"

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return scrub(self._describe(kind, key))

    def _gate_question(self, info: CanaryInfo, webhook: Webhook, what: str, then: str = "") -> str:
        """`what` on the exact service (or URL) it posts to, or why nothing will be posted at all."""
        try:
            where = gate_route(info, webhook, self.loadtester_url).describe()
        except LoadtesterError as exc:
            return f"{what}? Refused, nothing will be sent: {exc}."
        return f"{what} on {where}?{then}"

    def _describe(self, kind: ActionKind, key: CanaryKey) -> str:
        info = self._info(key)
        if kind in (ActionKind.TOGGLE_LOAD, ActionKind.INJECT_ERRORS):
            preset = self.background if kind is ActionKind.TOGGLE_LOAD else self.errors
            if kind is ActionKind.TOGGLE_LOAD and self.loads.running_with_label(preset.label):
                return f"Stop the background load against {self.target_url}?"
            spec = preset.spec(self.target_url)
            until = f" for {int(spec.duration_s)}s" if spec.duration_s else ""
            return (
                f"Send load to {spec.url}: -c {spec.concurrency} -q {spec.rate_per_worker:g}{until} "
                f"(up to {spec.max_rate:g} requests/s)?"
            )
        if info is None:
            return f"{key} is not in view any more"
        namespace, target = key.namespace, info.target
        if kind in (ActionKind.RELEASE, ActionKind.FAULTY_RELEASE):
            faulty = kind is ActionKind.FAULTY_RELEASE
            change = f"a new {rel.ECHO_KEY}" + (
                f" and {rel.ERROR_KEY}={self.release.faulty_error_rate} (faulty)" if faulty else f", {rel.ERROR_KEY}=0"
            )
            strategy = self._strategy(info)
            if strategy == "helmrelease":
                dep = self.state().deployment(namespace, target)
                owner = dep.helm_release if dep and dep.helm_release else (namespace, target)
                return (
                    f"Merge-patch HelmRelease {owner[0]}/{owner[1]} {self.release.value_path}: {change}. "
                    f"{FLUX_WARNING}. Continue?"
                )
            if strategy == "git":
                return (
                    f"Commit {self.release.git_file} in {self.release.git_repo} with {change}, and push? "
                    "Flux then applies it and Flagger starts an analysis."
                )
            return (
                f"Patch Deployment {namespace}/{target}: {change} in the pod template. Flagger starts a canary "
                "analysis at its next tick. Continue?"
            )
        if kind is ActionKind.PROMOTE:
            gate = _promotion_hook(info)
            if gate is not None:
                return self._gate_question(info, gate, f"Open the promotion gate of {key} (POST /gate/open)")
            return f"Set spec.skipAnalysis=true on Canary {key}? {SKIP_ANALYSIS_WARNING}."
        if kind is ActionKind.ABORT:
            rollback = hook(info, "rollback", ROLLBACK_CHECK)
            if rollback is not None:
                return self._gate_question(
                    info,
                    rollback,
                    f"Open the rollback gate of {key} (POST /rollback/open)",
                    " Flagger rolls back at its next tick; canaryscope closes the gate again once the canary "
                    "has failed.",
                )
            return f"{key} has no rollback webhook; nothing can abort it from here."
        if kind is ActionKind.TOGGLE_SUSPEND:
            traffic = hook(info, "confirm-traffic-increase", GATE_CHECK)
            if traffic is not None:
                return self._gate_question(info, traffic, f"Toggle the traffic-increase gate of {key} (pause/resume)")
            verb = "Resume" if info.suspend else "Suspend"
            effect = "Flagger continues the analysis" if info.suspend else "Flagger skips it, routing stays as it is"
            return f"{verb} Canary {key} (spec.suspend={'false' if info.suspend else 'true'}): {effect}?"
        return f"{kind} {key}?"

    # --- doing it ----------------------------------------------------------------------------------------

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        try:
            if kind is ActionKind.TOGGLE_LOAD:
                return self._toggle_load()
            if kind is ActionKind.INJECT_ERRORS:
                return self._inject_errors()
            info = self._info(key)
            if info is None:
                return Outcome(False, f"{key} is not in view any more")
            if kind in (ActionKind.RELEASE, ActionKind.FAULTY_RELEASE):
                return self._release(info, faulty=kind is ActionKind.FAULTY_RELEASE)
            if kind is ActionKind.PROMOTE:
                return self._promote(info)
            if kind is ActionKind.ABORT:
                return self._abort(info)
            if kind is ActionKind.TOGGLE_SUSPEND:
                return self._suspend(info)
        except (HttpProblem, LoadtesterError) as exc:
            return Outcome(False, f"Nothing changed: {exc}")
        except Exception as exc:  # a failing action is reported on screen, whatever went wrong
            from tui.load.errors import LoadError

            if isinstance(exc, LoadError):
                return Outcome(False, str(exc))
            status = getattr(exc, "status", None)
            if status == 403:
                return Outcome(False, f"Forbidden: your credentials may not change this object ({kind} on {key})")
            return Outcome(False, f"{kind} failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:160]}")
        return Outcome(False, f"Unknown action {kind}")

    def _apis(self) -> tuple[Any, Any]:
        from kubernetes import client

        api = self.connection.api_client
        return client.AppsV1Api(api), client.CustomObjectsApi(api)

    def _release(self, info: CanaryInfo, *, faulty: bool) -> Outcome:
        with self._lock:
            self._releases += 1
            count = self._releases
        now = self.clock()
        values = rel.release_values(count, faulty=faulty, error_rate=self.release.faulty_error_rate, now=now)
        rid = rel.release_id(count, faulty=faulty, now=now)
        namespace, target = info.key.namespace, info.target
        apps, custom = self._apis()
        strategy = self._strategy(info)
        what = rel.describe_values(values)
        if strategy == "git":
            from tui.release.git_release import ReleaseError, release_via_git

            if not self.release.git_repo:
                return Outcome(False, "The git strategy needs --git-repo PATH")
            try:
                result = release_via_git(
                    Path(self.release.git_repo),
                    self.release.git_file,
                    values,
                    value_path=self.release.value_path,
                    message=f"Release {target}: {rel.ECHO_KEY}={values[rel.ECHO_KEY]}"
                    + (f", {rel.ERROR_KEY}={values[rel.ERROR_KEY]}" if faulty else ""),
                )
            except ReleaseError as exc:
                return Outcome(False, str(exc))
            pushed = result.push.describe() if result.push is not None else "not pushed"
            return Outcome(result.pushed, f"Committed {result.short} '{result.subject}'; {pushed}")
        if strategy == "helmrelease":
            dep = get_json(apps.read_namespaced_deployment, name=target, namespace=namespace)
            owner = rel.helm_release_of(dep) or (namespace, target)
            served = self.served()
            version = served.version("helm.toolkit.fluxcd.io") if served else None
            if version is None:
                return Outcome(False, "Flux's HelmRelease API (helm.toolkit.fluxcd.io) is not served by this cluster")
            resp = custom.patch_namespaced_custom_object(
                "helm.toolkit.fluxcd.io",
                version,
                owner[0],
                "helmreleases",
                owner[1],
                rel.helmrelease_patch(self.release.value_path, values),
                _preload_content=False,
            )
            _release_conn(resp)
            return Outcome(True, f"Patched HelmRelease {owner[0]}/{owner[1]}: {what}. {FLUX_WARNING}.")
        dep = get_json(apps.read_namespaced_deployment, name=target, namespace=namespace)
        container = rel.first_container(dep)
        if container is None:
            return Outcome(False, f"Deployment {namespace}/{target} has no container to release")
        resp = apps.patch_namespaced_deployment(
            target,
            namespace,
            rel.deployment_patch(container, values, rid),
            _content_type="application/strategic-merge-patch+json",
            _preload_content=False,
        )
        _release_conn(resp)
        return Outcome(True, f"Released {info.key}: {what} (patched Deployment {namespace}/{target})")

    def _patch_canary(self, info: CanaryInfo, spec: dict[str, Any]) -> None:
        served = self.served()
        version = (served.version("flagger.app") if served else None) or "v1beta1"
        _, custom = self._apis()
        resp = custom.patch_namespaced_custom_object(
            "flagger.app",
            version,
            info.key.namespace,
            "canaries",
            info.key.name,
            {"spec": spec},
            _preload_content=False,
        )
        _release_conn(resp)

    def _loadtester(self, info: CanaryInfo, webhook: Webhook) -> Any:
        """The loadtester of this very hook (the rollback hook's for `a`), never another hook's host."""
        return loadtester_for(gate_route(info, webhook, self.loadtester_url), self.connection.api_client)

    def _promote(self, info: CanaryInfo) -> Outcome:
        key = info.key
        gate = _promotion_hook(info)
        if gate is not None:
            tester = self._loadtester(info, gate)
            tester.open_gate(key.name, key.namespace)
            self._follow(
                key,
                {Phase.PROMOTING, Phase.FINALISING, Phase.SUCCEEDED, Phase.FAILED},
                lambda: tester.close_gate(key.name, key.namespace),
                "close the promotion gate",
            )
            return Outcome(True, f"Promotion gate opened for {key}; closed again once promotion starts")
        self._patch_canary(info, {"skipAnalysis": True})
        self._follow(
            key,
            {Phase.SUCCEEDED, Phase.FAILED},
            lambda: self._patch_canary(info, {"skipAnalysis": None}),
            "unset spec.skipAnalysis",
        )
        return Outcome(True, f"Promoting {key}: spec.skipAnalysis=true. {SKIP_ANALYSIS_WARNING}")

    def _abort(self, info: CanaryInfo) -> Outcome:
        key = info.key
        rollback = hook(info, "rollback", ROLLBACK_CHECK)
        if rollback is None:
            return Outcome(
                False,
                f"Abort needs a rollback webhook on {key} pointing at a flagger-loadtester's "
                "/rollback/check (the demo chart's loadtester.enabled adds one)",
            )
        tester = self._loadtester(info, rollback)
        tester.open_rollback(key.name, key.namespace)
        # Left open, the next release would be rolled back on its first tick.
        self._follow(
            key,
            {Phase.FAILED, Phase.SUCCEEDED},
            lambda: tester.close_rollback(key.name, key.namespace),
            "close the rollback gate",
        )
        return Outcome(True, f"Rollback gate opened: Flagger rolls back {key} at its next tick")

    def _suspend(self, info: CanaryInfo) -> Outcome:
        key = info.key
        traffic = hook(info, "confirm-traffic-increase", GATE_CHECK)
        if traffic is not None:
            tester = self._loadtester(info, traffic)
            if tester.gate_open(key.name, key.namespace):
                tester.close_gate(key.name, key.namespace)
                return Outcome(True, f"Paused {key}: the traffic-increase gate is closed, weights stay as they are")
            tester.open_gate(key.name, key.namespace)
            return Outcome(True, f"Resumed {key}: the traffic-increase gate is open")
        suspend = not info.suspend
        self._patch_canary(info, {"suspend": True if suspend else None})
        if suspend:
            return Outcome(True, f"Suspended {key} (spec.suspend=true): Flagger skips it, routing stays as it is")
        return Outcome(True, f"Resumed {key} (spec.suspend unset)")

    def _toggle_load(self) -> Outcome:
        if self.loads.running_with_label(self.background.label):
            self.loads.toggle(self.background.spec(self.target_url), self.background.label)
            self._ensure_reporter()
            return Outcome(True, "Background load stopped")
        gen = self.loads.start(self.background.spec(self.target_url), self.background.label)
        self._ensure_reporter()
        return Outcome(
            True,
            f"Background load on: -c {gen.spec.concurrency} -q {gen.spec.rate_per_worker:g} against {gen.spec.url}",
        )

    def _inject_errors(self) -> Outcome:
        running = self.loads.running_with_label(self.errors.label)
        if running is not None:
            stats = running.stats()
            end = stats.started_at + stats.duration_s if stats.duration_s else None
            return errors_already_running(max(0.0, end - self.clock()) if end is not None else None)
        gen = self.loads.start(self.errors.spec(self.target_url), self.errors.label)
        self._ensure_reporter()
        duration = f" -z {int(gen.spec.duration_s)}s" if gen.spec.duration_s else ""
        return Outcome(
            True,
            f"Injecting errors: -c {gen.spec.concurrency} -q {gen.spec.rate_per_worker:g}{duration} "
            f"against {gen.spec.url}",
        )

    # --- follow-ups and load statistics ------------------------------------------------------------------

    def _follow(self, key: CanaryKey, phases: set[Phase], undo: Callable[[], None], what: str) -> None:
        with self._lock:
            self._follow_ups.append(FollowUp(key, frozenset(str(p) for p in phases), undo, what))

    def after_state(self, state: AppState) -> None:
        """Called by the app with each new state: run the follow-ups whose moment has come (in a thread)."""
        due: list[FollowUp] = []
        with self._lock:
            keep = []
            for follow_up in self._follow_ups:
                view = state.canaries.get(follow_up.key)
                if view is None or view.info.phase in follow_up.phases:
                    due.append(follow_up)
                else:
                    keep.append(follow_up)
            self._follow_ups = keep
        for follow_up in due:
            threading.Thread(target=self._run_follow_up, args=(follow_up,), daemon=True).start()

    def _run_follow_up(self, follow_up: FollowUp) -> None:
        try:
            follow_up.undo()
        except Exception:
            # Keep it and try again with the next state change.
            with self._lock:
                self._follow_ups.append(follow_up)

    def pending_follow_ups(self) -> list[str]:
        with self._lock:
            return [f"{f.what} for {f.key}" for f in self._follow_ups]

    def _ensure_reporter(self) -> None:
        if self._reporter is None or not self._reporter.is_alive():
            self._reporter = threading.Thread(target=self._report_loop, name="load-stats", daemon=True)
            self._reporter.start()
        self._report_loads()

    def _report_loop(self) -> None:
        while not self._stop.wait(LOAD_REPORT_EVERY_S):
            self._report_loads()
            if not any(g.running for g in self.loads.generators()):
                self._report_loads()
                return

    def _report_loads(self) -> None:
        if self._report is None:
            return
        stats = self.loads.stats()
        current = {s.id for s in stats}
        observations: list[Observation] = [LoadObserved(s) for s in stats]
        observations += [LoadRemoved(gen_id) for gen_id in self._known_loads - current]
        self._known_loads = current
        if observations:
            self._report(observations)


def _promotion_hook(info: CanaryInfo) -> Webhook | None:
    return hook(info, "confirm-promotion", GATE_CHECK) or hook(info, "confirm-traffic-increase", GATE_CHECK)


def _release_conn(resp: Any) -> None:
    from tui.cluster.http import check

    try:
        check(resp)
    finally:
        release = getattr(resp, "release_conn", None)
        if release is not None:
            release()
