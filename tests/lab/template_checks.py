"""A canary whose checks are its own, on the session's lab: a MetricTemplate `error-rate` (provider prometheus, the
lab's Prometheus as its address; the canary's failed requests in %, max 1, from the mesh emulator's Linkerd
`response_total`) and an inline query `latency-p99` (the canary's p99 in seconds, max 0.8), as in the simulation's
`custom-metrics` scenario, with the lab's timing (interval 10s, stepWeight 25, maxWeight 50, threshold 2).

The run (namespace `lab-checks-custom`, Linkerd, Ingress host `lab-checks-custom.lab`) applies the template and the
app, waits for Flagger to initialise the Canary, then makes one faulty release (SERVER_ERROR_RATE as the simulation's
faulty release, and requests asking for status 500 beside the steady load, as tests/lab/side_by_side.py sends
them) traced with an independent FlaggerTrace. It starts with the lab (tests/lab/conftest.py), so a test only waits
for the outcome.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.lab.fidelity import Sequences, initialisation, normalise, reduce
from tests.lab.side_by_side import ERROR_RPS, LOAD_RPS, STEP_TIMEOUT_S, _ended
from tests.lab.strategies import RECORD_ENV
from tests.lab.trace import FlaggerTrace, payloads, read_log
from tui.domain.flagger.logger_stream import parse_lines
from tui.domain.model import CanaryKey
from tui.lab import apps
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo
from tui.sim import check_manifests
from tui.sim.engine import Simulation
from tui.sim.logger_pod import LOG_LINES_LIMIT
from tui.sim.scenario import BUILTIN, Scenario, from_mapping

NAMESPACE = "lab-checks-custom"
KEY = CanaryKey(NAMESPACE, "examiner")
# The value a templateRef or inline-query check measured, in its Halt: "advancement error-rate 12.34 > 1".
_CHECK_VALUE = r"(advancement [a-z0-9-]+ )-?[0-9.]+( [<>] )"


def checks_scenario(namespace: str = NAMESPACE) -> Scenario:
    """The `lab` scenario with the `custom-metrics` scenario's checks and MetricTemplate, in ``namespace``."""
    raw = copy.deepcopy(BUILTIN["lab"])
    custom = copy.deepcopy(BUILTIN["custom-metrics"])
    raw["metricTemplates"] = [{**t, "namespace": namespace} for t in custom["metricTemplates"]]
    canary = raw["canaries"][0]
    canary["namespace"] = namespace
    canary["analysis"]["metrics"] = custom["canaries"][0]["analysis"]["metrics"]
    return from_mapping(raw)


def host(namespace: str = NAMESPACE) -> str:
    return f"{namespace}.lab"


def lab_objects(event_url: str, prometheus_url: str, namespace: str = NAMESPACE) -> list[dict[str, Any]]:
    """The namespace, the MetricTemplates (addressed to the lab's Prometheus), then the app with its Canary."""
    scenario = checks_scenario(namespace)
    namespace_obj, *app = apps.app_objects(scenario.canaries[0], event_url, "linkerd", host=host(namespace))
    templates = [check_manifests.metric_template(t, address=prometheus_url) for t in scenario.templates]
    return [namespace_obj, *templates, *app]


def normalise_checks(events: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Each event with what was measured left out (tests/lab/fidelity.py's `<measured>`), custom checks' values
    too."""
    pattern = re.compile(_CHECK_VALUE)
    return [(t, phase, pattern.sub(r"\1<measured>\2", normalise(m))) for t, phase, m in events]


def simulate_faulty(seed: int = 1, namespace: str = NAMESPACE) -> Sequences:
    """The same Canary through one faulty release (with injected errors) in the simulation, from Initialized."""
    sim = Simulation(checks_scenario(namespace), seed=seed)
    key = CanaryKey(namespace, KEY.name)

    def status() -> tuple[str, int, int]:
        st = sim.store.get("Canary", key.namespace, key.name)["status"]
        return st["phase"], int(st["canaryWeight"]), int(st["failedChecks"])

    def canary_weight() -> int:
        weights = sim.weights(key)
        return weights[1] if weights else 0

    before = len(sim.logger.tail(LOG_LINES_LIMIT))
    statuses, router = [status()], [canary_weight()]
    sim.release(key, faulty=True)
    errors = sim.inject_errors(key)
    for _ in range(900):
        sim.advance(1)
        if status() != statuses[-1]:
            statuses.append(status())
        if canary_weight() != router[-1]:
            router.append(canary_weight())
        if statuses[-1][0] == "Failed" and any(s[0] == "Progressing" for s in statuses):
            break
    sim.stop_load(errors)
    return reduce(parse_lines(sim.logger.tail(LOG_LINES_LIMIT)[before:]), statuses, router)


def simulated_initialisation(seed: int = 1, namespace: str = NAMESPACE) -> list[tuple[str, str, str]]:
    sim = Simulation(checks_scenario(namespace), seed=seed)
    return [(r.type, r.phase, r.message) for r in sim.flagger.history]


@dataclass
class ChecksRun:
    namespace: str = NAMESPACE
    trace: FlaggerTrace | None = None
    initial_log_offset: int = 0
    error: str | None = None
    load_answers: dict[int, int] = field(default_factory=dict)
    injecting: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


class CheckRuns:
    def __init__(self, lab: LabInfo) -> None:
        from kubernetes import config

        self.lab = lab
        self.api = config.new_client_from_config(config_file=str(lab.kubeconfig))
        self.log_file = Path(lab.extras[full_lab.LOGGER_LOG])
        self.stop = threading.Event()
        self.run = ChecksRun()
        self._threads: list[threading.Thread] = []

    def start(self) -> CheckRuns:
        for target in (self._run, self._load, self._errors):
            thread = threading.Thread(target=target, name=f"{target.__name__}-{NAMESPACE}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        self.stop.set()
        if self.run.trace is not None:
            self.run.trace.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        if os.environ.get(RECORD_ENV):
            self.record(Path(os.environ[RECORD_ENV]) / "checks.json")

    def record(self, path: Path) -> None:
        """What Flagger did: the initialisation's events and the release's reduced sequences (the measured values
        kept), for tests/lab/test_checks_recorded.py."""
        run = self.run
        out: dict[str, Any] = {"namespace": NAMESPACE, "error": run.error}
        logged = payloads(read_log(self.log_file, run.initial_log_offset))
        events = [(p.event_type, p.phase, p.message) for p in logged if p.namespace == NAMESPACE]
        with contextlib.suppress(AssertionError):
            out["initialisation"] = initialisation(events)
        if run.trace is not None:
            try:
                out["release"] = dataclasses.asdict(
                    reduce(run.trace.events(), run.trace.statuses(), run.trace.router())
                )
            except AssertionError as exc:  # an unfinished release: keep what there is
                out["release_error"] = str(exc)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, ensure_ascii=False))

    def wait(self, timeout: float) -> ChecksRun:
        if not self.run.done.wait(timeout):
            raise AssertionError(f"{NAMESPACE}: the release did not finish within {timeout:.0f}s")
        if self.run.error:
            raise AssertionError(f"{NAMESPACE}: {self.run.error}")
        return self.run

    def _run(self) -> None:
        try:
            self._release()
        except Exception:
            self.run.error = traceback.format_exc(limit=6)
        finally:
            self.run.done.set()

    def _release(self) -> None:
        from kubernetes import client

        run = self.run
        run.initial_log_offset = self.log_file.stat().st_size
        apps.apply(self.api, lab_objects(self.lab.extras[full_lab.EVENT_WEBHOOK], self.lab.prometheus_url))
        self._until("Initialized", lambda: apps.canary_phase(self.api, NAMESPACE, KEY.name) == "Initialized")
        run.trace = FlaggerTrace(self.api, self.log_file, namespace=NAMESPACE).start()
        scenario = checks_scenario()
        env = [
            {"name": "ECHO_VALUE", "value": f"{scenario.release_values[0]} #2"},
            {"name": "SERVER_ERROR_RATE", "value": str(scenario.faulty_error_rate)},
        ]
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "examiner", "env": env}]}}}}
        client.AppsV1Api(self.api).patch_namespaced_deployment(KEY.name, NAMESPACE, patch)
        run.injecting.set()
        trace = run.trace
        self._until("the faulty release to end Failed", lambda: _ended(trace, "Failed"))
        # Flagger writes the phase before it records the release's last event: wait for that event too.
        self._until(
            "the release's last event", lambda: any(p.message.startswith("Canary failed!") for p in trace.events())
        )
        run.injecting.clear()
        trace.stop()

    def _until(self, what: str, check: Any) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not self.stop.is_set():
            try:
                if check():
                    return
            except Exception:  # a transient API error: keep polling until the deadline
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{NAMESPACE}: no {what} within {STEP_TIMEOUT_S:.0f}s")
            self.stop.wait(0.5)
        raise AssertionError(f"{NAMESPACE}: stopped while waiting for {what}")

    def _load(self) -> None:
        self._send("/examine", LOAD_RPS, lambda: True)

    def _errors(self) -> None:
        self._send("/examine?status=500", ERROR_RPS, self.run.injecting.is_set)

    def _send(self, path: str, rps: float, active: Any) -> None:
        ingress = urlsplit(self.lab.extras[full_lab.INGRESS])
        url = f"http://127.0.0.1:{ingress.port}{path}"
        answers = self.run.load_answers
        with httpx.Client(headers={"Host": host()}, timeout=10) as http:
            while not self.stop.is_set() and not self.run.done.is_set():
                started = time.monotonic()
                if active():
                    status = 0
                    with contextlib.suppress(httpx.HTTPError):
                        status = http.get(url).status_code
                    answers[status] = answers.get(status, 0) + 1
                self.stop.wait(max(0.0, 1 / rps - (time.monotonic() - started)))
