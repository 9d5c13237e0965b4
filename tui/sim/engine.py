"""The simulated cluster as a source: steps virtual time in whole seconds and reports observations.

Everything random draws from generators seeded by `seed`, and actions apply between steps, so the same
seed and the same actions at the same virtual times give the same run.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.actions import planner
from tui.actions.performer import carry_out
from tui.actions.plan import (
    ChangeConfig,
    CloseGate,
    FollowUp,
    Gate,
    Load,
    OpenGate,
    Release,
    SetSkipAnalysis,
    SetSuspend,
    StartLoad,
    Step,
    StopLoad,
    ToggleGate,
    Voice,
)
from tui.base.clock import VirtualClock
from tui.domain.flagger.logger_stream import LoggerStreamParser
from tui.domain.flagger.payload import as_event
from tui.domain.model import CanaryKey, FlaggerSettings, Health, MetricSample, SourceHealth
from tui.domain.names import primary_name
from tui.domain.observations import (
    ClockTick,
    EventObserved,
    FlaggerSettingsObserved,
    HealthObserved,
    LoadObserved,
    LoadRemoved,
    MetricsObserved,
    Observation,
)
from tui.kube.parse import RELEASE_ANNOTATION
from tui.kube.translate import Translator
from tui.sim import check_manifests, custom_checks, manifests
from tui.sim.config_tracker import ChangeConfigMap, resolved_env
from tui.sim.curl_loop import parse_task_load
from tui.sim.finalizer import DeleteCanary
from tui.sim.flagger import SimFlagger
from tui.sim.forecast import SimForecasts
from tui.sim.hey import HeyError
from tui.sim.loadtester import SimLoadtester
from tui.sim.logger_pod import LoggerPod
from tui.sim.observers import metrics_provider, observer_for
from tui.sim.routers import RouterError, SimRouter
from tui.sim.scenario import CanaryScenario, LoadSpec, Scenario
from tui.sim.store import ObjectStore
from tui.sim.traffic import SimLoadGenerator, TrafficModel
from tui.sim.workloads import Workloads

LOAD_STATS_EVERY_S = 2


@dataclass
class _FollowUp:
    """Undo something once a canary reaches a phase (close a gate, unset skipAnalysis)."""

    when: FollowUp
    undo: Callable[[], None]


class Simulation:
    def __init__(self, scenario: Scenario, seed: int = 1) -> None:
        self.scenario = scenario
        self.seed = seed
        self.clock = VirtualClock(scenario.start)
        self.store = ObjectStore(self.clock.now)
        self.workloads = Workloads(
            self.store,
            {(c.namespace, c.name): c.ready_after_s for c in scenario.canaries},
            frozenset(key for c in scenario.canaries for key in c.never_ready_keys),
            {(c.namespace, c.name): c.nodes for c in scenario.canaries},
        )
        # Flagger runs with the scenario's provider as its -mesh-provider; the mesh exports that provider's series.
        self.observer = observer_for(metrics_provider(scenario.provider, scenario.provider))
        self.traffic = TrafficModel(random.Random(f"{seed}:traffic"), self.observer.bounds)
        self.loadtester = SimLoadtester(start_task=self._start_task)
        self.logger = LoggerPod()
        self.prometheus = custom_checks.SimPrometheus(self.store, self.traffic, *custom_checks.behaviours(scenario))
        self.flagger = SimFlagger(
            self.store, self.workloads, self.traffic, self.loadtester, self.logger, mesh_provider=scenario.provider
        )
        self.flagger.custom_checks = custom_checks.CustomChecks(self.store, self.prometheus)
        self._forecasts = SimForecasts(self.store, self.flagger, self.loadtester)
        self._parser = LoggerStreamParser()
        self._translator = Translator(self.clock.now)
        self._pending: list[Observation] = []
        self._loads: dict[str, SimLoadGenerator] = {}
        # Load a loadtester task sends to one Deployment's Service (NAME-canary, NAME-primary) instead of the apex.
        self._direct: dict[str, str] = {}
        self._error_runs = 0
        self._releases: dict[CanaryKey, int] = {}
        self._follow_ups: list[_FollowUp] = []
        self.canaries = {CanaryKey(c.namespace, c.name): c for c in scenario.canaries}
        self._pending.append(HealthObserved(SourceHealth("simulation", Health.CONNECTED, f"seed {seed}")))
        # The simulated Flagger's own settings are known: it runs with the scenario's provider.
        settings = FlaggerSettings(mesh_provider=scenario.provider, found_in="simulation")
        self._pending.append(FlaggerSettingsObserved(settings))
        for template in scenario.templates:
            self.store.create(check_manifests.metric_template(template))
        for spec in scenario.canaries:
            self._create_app(spec)
            if scenario.background_on:
                self.set_background(CanaryKey(spec.namespace, spec.name), True)
        self.workloads.settle(self.clock.now())
        self._collect()
        if scenario.warmup_s:
            self.advance(scenario.warmup_s)

    # --- time -------------------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float, before_step: Callable[[float], None] | None = None) -> None:
        """Move virtual time forward, one whole second at a time; `before_step(now)` runs before each second."""
        target = self.clock.now() + seconds
        while self.clock.now() + 1 <= target + 1e-9:
            if before_step is not None:
                before_step(self.clock.now())
            self.clock.advance(1)
            self._step(int(self.clock.now()))
        self._pending.append(ClockTick(self.clock.now()))

    def drain(self) -> list[Observation]:
        pending, self._pending = self._pending, []
        return pending

    def _step(self, second: int) -> None:
        self.workloads.sync(second)
        for gen_id in sorted(self._loads):
            generator = self._loads[gen_id]
            self.traffic.send(second, generator, *self._routing(generator.app, self._direct.get(gen_id)))
        self.flagger.step(second)
        for gen_id in sorted(self._loads):
            generator = self._loads[gen_id]
            if generator.expired(second):
                generator.running = False
                self._pending.append(LoadObserved(generator.stats(second)))
                del self._loads[gen_id]
                self._direct.pop(gen_id, None)
            elif second % LOAD_STATS_EVERY_S == 0:
                self._pending.append(LoadObserved(generator.stats(second)))
        if second % int(self.scenario.sample_every_s) == 0:
            self._sample(second)
        self._run_follow_ups()
        self._collect()

    # --- observations -----------------------------------------------------------------------------------

    def _collect(self) -> None:
        for change, obj in self.store.drain():
            translated = self._translator.changed(change, obj)
            if not translated and obj.get("kind") == custom_checks.TEMPLATE_KIND:
                translated = custom_checks.template_observations(change, obj)
            self._pending.extend(translated)
            self._pending.extend(self._forecasts.changed(change, obj))
        for line in self.logger.read_new():
            for payload in self._parser.feed_line(line):
                self._pending.append(EventObserved(as_event(payload)))

    def _sample(self, second: int) -> None:
        samples = []
        for spec in self.scenario.canaries:
            for deployment in (spec.name, primary_name(spec.name)):
                window = self.traffic.metrics(spec.namespace, deployment).window(second, spec.metric_interval_s)
                samples.append(
                    MetricSample(
                        namespace=spec.namespace,
                        deployment=deployment,
                        t=float(second),
                        success_rate=window.success_rate,
                        rps=window.rps,
                        p99_ms=self.observer.shown_p99_ms(window),
                    )
                )
        self._pending.append(MetricsObserved(tuple(samples)))
        if self.scenario.templates or any(c.metrics for c in self.scenario.canaries):
            canaries = self.store.list("Canary")
            self._pending.extend(custom_checks.check_samples(canaries, self.prometheus, self.store, float(second)))

    def _router(self, namespace: str, name: str) -> SimRouter:
        return self.flagger.router(self.canaries[CanaryKey(namespace, name)].provider)

    def _routing(
        self, app: tuple[str, str], direct: str | None = None
    ) -> tuple[
        list[tuple[str, int, dict[str, str]]],
        list[tuple[str, int, dict[str, str]]] | None,
        tuple[str, dict[str, str], float] | None,
    ]:
        """The backends of requests without and with the A/B match, and the mirrored backend, for `send`."""
        namespace, target = app
        if direct is not None:
            # A load test aimed at one Deployment's own Service (`<target>-canary`) bypasses the router.
            return self._ready([(direct, 100)], namespace), None, None
        # The data plane splits by the provider's router object; without one the apex Service has the target's pods.
        split = self._router(namespace, target).data_plane(namespace, target)
        if split is None:
            return self._ready([(target, 100)], namespace), None, None
        matched = None
        if split.matched is not None:
            matched = self._ready([(primary_name(target), split.matched[0]), (target, split.matched[1])], namespace)
        mirror = None
        if split.mirror_percent > 0:
            shadow = self._ready([(target, 100)], namespace)
            mirror = (target, shadow[0][2], split.mirror_percent) if shadow else None
        return (
            self._ready([(primary_name(target), split.default[0]), (target, split.default[1])], namespace),
            matched,
            mirror,
        )

    def _ready(self, choices: list[tuple[str, int]], namespace: str) -> list[tuple[str, int, dict[str, str]]]:
        backends = []
        for name, weight in choices:
            template, ready = self.workloads.serving(namespace, name)
            if ready > 0 and template is not None:
                backends.append((name, weight, resolved_env(self.store, namespace, template)))
        return backends

    def _start_task(self, namespace: str, name: str, cmd: str) -> bool:
        """The loadtester runs a queued `cmd` task: a `hey` load or a curl loop, skipped while the same one runs."""
        gen_id = f"task:{namespace}/{name}:{cmd}"
        if gen_id in self._loads:
            return False
        try:
            hey = parse_task_load(cmd)
        except HeyError:
            return True  # the real task fails in the loadtester's log; Flagger never learns of it
        spec = self.canaries.get(CanaryKey(namespace, name))
        if spec is None:
            return True
        services = {f"{spec.name}-canary": spec.name, primary_name(spec.name): primary_name(spec.name)}
        service = hey.app_service(spec.name, spec.host)
        if service is None:
            return True  # a host the simulated cluster does not have: the load only counts errors
        self._loads[gen_id] = SimLoadGenerator(
            gen_id,
            "load test (webhook)",
            (namespace, spec.name),
            hey.url,
            hey.concurrency,
            hey.rate,
            hey.duration_s,
            self.now,
        )
        if service in services:
            self._direct[gen_id] = services[service]
        self._pending.append(LoadObserved(self._loads[gen_id].stats(self.now)))
        return True

    # --- the cluster's initial objects ------------------------------------------------------------------

    def _create_app(self, spec: CanaryScenario) -> None:
        for obj in manifests.app_objects(spec):
            self.store.create(obj)

    # --- commands (what the action keys do to this cluster) --------------------------------------------

    def spec_of(self, key: CanaryKey) -> CanaryScenario:
        return self.canaries[key]

    def release(self, key: CanaryKey, *, faulty: bool) -> str:
        """Change the target's pod template: a new ECHO_VALUE (and SERVER_ERROR_RATE when faulty)."""
        spec = self.canaries[key]
        count = self._releases.get(key, 0) + 1
        self._releases[key] = count
        values = self.scenario.release_values
        value = f"{values[(count - 1) % len(values)]} #{count + 1}"
        target = self.store.get(spec.target_kind, key.namespace, spec.name)
        template = copy.deepcopy(target["spec"]["template"])
        error_rate = str(self.scenario.faulty_error_rate) if faulty else "0"
        if spec.echo_value_from == "configMap":
            self._write_config_map(spec, value)
        template["spec"]["containers"][0]["env"] = [
            manifests.echo_env(spec, value),
            {"name": "SERVER_ERROR_RATE", "value": error_rate},
        ]
        template["metadata"].setdefault("annotations", {})[RELEASE_ANNOTATION] = (
            f"r{count + 1}{'-faulty' if faulty else ''}"
        )
        self.store.replace_spec_field(spec.target_kind, key.namespace, spec.name, "template", template)
        self.workloads.sync(self.now)
        self._collect()
        return value

    def change_config_map(self, key: CanaryKey) -> str | None:
        """A new ECHO_VALUE in the ConfigMap the target reads, the pod template untouched; None without one."""
        spec = self.canaries[key]
        if spec.echo_value_from != "configMap" or self.store.get("Canary", key.namespace, key.name) is None:
            return None
        count = self._releases.get(key, 0) + 1
        self._releases[key] = count
        values = self.scenario.release_values
        value = f"{values[(count - 1) % len(values)]} #{count + 1}"
        self._write_config_map(spec, value)
        self._collect()
        return value

    def _write_config_map(self, spec: CanaryScenario, value: str) -> None:
        name = manifests.config_map_name(spec)
        self.store.patch("ConfigMap", spec.namespace, name, {"data": {"ECHO_VALUE": value}})

    def _url(self, spec: CanaryScenario, load: LoadSpec) -> str:
        url = f"http://{spec.host}/examine?delay={load.delay}"
        if load.status is not None:
            url += f"&status={load.status}"
        return url

    def background_id(self, key: CanaryKey) -> str:
        return f"background:{key}"

    def background_on(self, key: CanaryKey) -> bool:
        return self.background_id(key) in self._loads

    def set_background(self, key: CanaryKey, on: bool) -> None:
        gen_id = self.background_id(key)
        if on and gen_id not in self._loads:
            spec, load = self.canaries[key], self.scenario.background
            self._loads[gen_id] = SimLoadGenerator(
                gen_id,
                "background load",
                (key.namespace, spec.name),
                self._url(spec, load),
                load.concurrency,
                load.rate,
                load.duration_s,
                self.now,
            )
            self._loads[gen_id].matched_share = load.matched_share
            self._pending.append(LoadObserved(self._loads[gen_id].stats(self.now)))
        elif not on and gen_id in self._loads:
            del self._loads[gen_id]
            self._pending.append(LoadRemoved(gen_id))

    def inject_errors(self, key: CanaryKey) -> str:
        self._error_runs += 1
        gen_id = f"errors:{key}:{self._error_runs}"
        spec, load = self.canaries[key], self.scenario.errors
        self._loads[gen_id] = SimLoadGenerator(
            gen_id,
            "error injection",
            (key.namespace, spec.name),
            self._url(spec, load),
            load.concurrency,
            load.rate,
            load.duration_s,
            self.now,
        )
        self._loads[gen_id].matched_share = load.matched_share
        self._pending.append(LoadObserved(self._loads[gen_id].stats(self.now)))
        return gen_id

    def errors_running(self, key: CanaryKey) -> SimLoadGenerator | None:
        """The error injection running against `key`, if any."""
        prefix = f"errors:{key}:"
        return next((g for i, g in self._loads.items() if i.startswith(prefix) and g.running), None)

    def stop_load(self, gen_id: str) -> bool:
        if self._loads.pop(gen_id, None) is None:
            return False
        self._direct.pop(gen_id, None)
        self._pending.append(LoadRemoved(gen_id))
        return True

    def has_gate(self, key: CanaryKey, gate: str) -> bool:
        return gate in self.canaries[key].gates

    def set_gate(self, key: CanaryKey, gate: Gate, is_open: bool) -> None:
        """The loadtester's gates: one rollback gate, and one gate shared by every /gate/check hook."""
        if gate is Gate.ROLLBACK:
            self.loadtester.set_rollback(key.name, key.namespace, is_open)
        else:
            self.loadtester.set_gate(key.name, key.namespace, is_open)

    def gate_open(self, key: CanaryKey, gate: Gate) -> bool:
        if gate is Gate.ROLLBACK:
            return self.loadtester.rollback_open(key.name, key.namespace)
        return self.loadtester.gate_open(key.name, key.namespace)

    def open_promotion_gate(self, key: CanaryKey) -> None:
        """`p` on a canary with a confirm-promotion gate."""
        carry_out(self, key, planner.open_promotion_gate(key, Gate.PROMOTION, Voice.SIMULATION))

    def open_rollback_gate(self, key: CanaryKey) -> None:
        """`a`: the rollback gate, closed again as the planner says."""
        carry_out(self, key, planner.open_rollback_gate(key, Voice.SIMULATION))

    def set_suspend(self, key: CanaryKey, suspend: bool) -> None:
        self.store.patch("Canary", key.namespace, key.name, {"spec": {"suspend": suspend or None}})
        self._collect()

    def set_skip_analysis(self, key: CanaryKey, on: bool, *, collect: bool = True) -> None:
        self.store.patch("Canary", key.namespace, key.name, {"spec": {"skipAnalysis": on or None}})
        if collect:
            self._collect()

    def delete_canary(self, key: CanaryKey) -> bool:
        """`kubectl delete canary`: Flagger's informer syncs a Canary marked for deletion at once."""
        found = self.flagger.finalizer.delete(key.namespace, key.name, self.now)
        canary = self.store.get("Canary", key.namespace, key.name)
        if canary is not None:
            self.flagger.sync_deletion(canary)
        self._collect()
        return found

    def promote_now(self, key: CanaryKey) -> None:
        """`p` without a gate: spec.skipAnalysis, unset again once promoted so later releases are analysed."""
        carry_out(self, key, planner.skip_analysis(key, Voice.SIMULATION))

    def apply(self, key: CanaryKey, step: Step | DeleteCanary | ChangeConfigMap, *, collect: bool = True) -> Any:
        """Take one planned step now; a Release returns the new ECHO_VALUE, a ToggleGate whether it is open."""
        match step:
            case OpenGate(gate) | CloseGate(gate):
                self.set_gate(key, gate, isinstance(step, OpenGate))
            case ToggleGate(gate):
                now_open = not self.gate_open(key, gate)
                self.set_gate(key, gate, now_open)
                return now_open
            case SetSkipAnalysis(on):
                self.set_skip_analysis(key, on, collect=collect)
            case SetSuspend(on):
                self.set_suspend(key, on)
            case StartLoad(Load.BACKGROUND) | StopLoad(Load.BACKGROUND):
                self.set_background(key, isinstance(step, StartLoad))
            case StartLoad(Load.ERRORS):
                return self.inject_errors(key)
            case StopLoad(Load.ERRORS):
                running = self.errors_running(key)
                return running is not None and self.stop_load(running.id)
            case Release(faulty):
                return self.release(key, faulty=faulty)
            case DeleteCanary():
                return self.delete_canary(key)
            case ChangeConfig() | ChangeConfigMap():
                return self.change_config_map(key)
        return None

    def schedule(self, follow_up: FollowUp) -> None:
        """Run at the end of the step in which the canary reaches one of the follow-up's phases."""
        key, step = follow_up.key, follow_up.step
        # Between steps the end of the step collects the change; no observation of its own.
        self._follow_ups.append(_FollowUp(follow_up, lambda: self.apply(key, step, collect=False)))

    def _run_follow_ups(self) -> None:
        remaining = []
        for follow_up in self._follow_ups:
            key = follow_up.when.key
            canary = self.store.get("Canary", key.namespace, key.name)
            phase = ((canary or {}).get("status") or {}).get("phase")
            if follow_up.when.due(phase, present=canary is not None):
                follow_up.undo()
            else:
                remaining.append(follow_up)
        self._follow_ups = remaining

    def phase(self, key: CanaryKey) -> str | None:
        canary = self.store.get("Canary", key.namespace, key.name)
        return ((canary or {}).get("status") or {}).get("phase")

    def weights(self, key: CanaryKey) -> tuple[int, int] | None:
        """(primary, canary) as Flagger's GetRoutes reads them from the router; None while there is nothing to read."""
        canary = self.store.get("Canary", key.namespace, key.name)
        if canary is None:
            return None
        try:
            return self.flagger.router_of(canary).get_routes(canary)
        except RouterError:
            return None
