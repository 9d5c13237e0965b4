"""Other providers' canaries on the session's lab, each in its own namespace beside the seed's Linkerd one.

For each provider (istio, gatewayapi) a thread applies the examiner app with a Canary whose `spec.provider` names
it (tui.lab.apps.app_objects; its Ingress answers only the host `<provider>.lab`), sends a steady load through the
lab's ingress, waits for Flagger to initialise the Canary, then makes a good release (a new ECHO_VALUE) and, once
the canary's metric window is empty again, a faulty one (SERVER_ERROR_RATE as the simulation's faulty release, and
requests asking for status 500 beside the load, as canaryscope's `e` and the simulation's error injection do: with
SERVER_ERROR_RATE alone, the few requests the canary gets in its first 10 s can all succeed), recording each with
an independent FlaggerTrace. They start as soon as the lab is up, so they run while the seed's
own rollouts run (tests/lab/conftest.py), and a test only waits for the outcome.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.lab.trace import FlaggerTrace
from tui.lab import apps
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo
from tui.sim.scenario import load_scenario

PROVIDERS = ("istio", "gatewayapi")
ROUTER_KINDS = {"istio": "VirtualService", "gatewayapi": "HTTPRoute"}
# The canary Deployment's requests over the metric window, in each provider's own series.
CANARY_REQUESTS = {
    "istio": 'sum(increase(istio_requests_total{{destination_workload_namespace="{ns}",'
    'destination_workload="examiner"}}[30s]))',
    "gatewayapi": 'sum(increase(http_request_duration_seconds_count{{kubernetes_namespace="{ns}",'
    'kubernetes_pod_name=~"examiner-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"}}[30s]))',
}
LOAD_RPS = 10.0
ERROR_RPS = 4.0  # as canaryscope's error injection preset (2 workers x 2 requests/s)
STEP_TIMEOUT_S = 300.0


def _ended(trace: FlaggerTrace, phase: str) -> bool:
    statuses = trace.statuses()
    return any(s[0] == "Progressing" for s in statuses) and statuses[-1][0] == phase


def namespace_of(provider: str) -> str:
    return f"lab-{provider}"


@dataclass
class Release:
    kind: str
    after: str  # the Canary's phase when the release started
    trace: FlaggerTrace


@dataclass
class ProviderRun:
    provider: str
    releases: list[Release] = field(default_factory=list)
    initial_log_offset: int = 0
    error: str | None = None
    load_answers: dict[int, int] = field(default_factory=dict)
    injecting: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def namespace(self) -> str:
        return namespace_of(self.provider)


class SideBySide:
    def __init__(self, lab: LabInfo, providers: tuple[str, ...] = PROVIDERS) -> None:
        from kubernetes import config

        self.lab = lab
        self.api = config.new_client_from_config(config_file=str(lab.kubeconfig))
        self.log_file = Path(lab.extras[full_lab.LOGGER_LOG])
        self.stop = threading.Event()
        self.runs = {p: ProviderRun(p) for p in providers}
        self._threads: list[threading.Thread] = []

    def start(self) -> SideBySide:
        for run in self.runs.values():
            for target in (self._run, self._load, self._errors):
                thread = threading.Thread(target=target, args=(run,), name=f"{target.__name__}-{run.provider}")
                thread.daemon = True
                thread.start()
                self._threads.append(thread)
        return self

    def close(self) -> None:
        self.stop.set()
        for run in self.runs.values():
            for release in run.releases:
                release.trace.stop()
        for thread in self._threads:
            thread.join(timeout=10)

    def wait(self, provider: str, timeout: float) -> ProviderRun:
        run = self.runs[provider]
        if not run.done.wait(timeout):
            raise AssertionError(f"{provider}: the releases did not finish within {timeout:.0f}s")
        if run.error:
            raise AssertionError(f"{provider}: {run.error}")
        return run

    # --- one provider --------------------------------------------------------------------------------------

    def _run(self, run: ProviderRun) -> None:
        try:
            self._releases(run)
        except Exception:
            run.error = traceback.format_exc(limit=6)
        finally:
            run.done.set()

    def _releases(self, run: ProviderRun) -> None:
        spec = apps.lab_canary(run.namespace)
        run.initial_log_offset = self.log_file.stat().st_size
        objects = apps.app_objects(spec, self.lab.extras[full_lab.EVENT_WEBHOOK], run.provider, host=self._host(run))
        apps.apply(self.api, objects)
        self._until(run, "Initialized", lambda: apps.canary_phase(self.api, run.namespace, spec.name) == "Initialized")
        for kind in ("good", "faulty"):
            after = apps.canary_phase(self.api, run.namespace, spec.name) or ""
            if after != "Initialized":
                self._until(run, "an empty canary window", lambda: self._canary_requests(run) == 0)
            trace = FlaggerTrace(
                self.api, self.log_file, namespace=run.namespace, router_kind=ROUTER_KINDS[run.provider]
            )
            run.releases.append(Release(kind, after, trace.start()))
            self._release(run, kind, len(run.releases))
            if kind == "faulty":
                run.injecting.set()
            end = "Failed" if kind == "faulty" else "Succeeded"
            self._until(run, f"the {kind} release to end {end}", lambda t=trace, e=end: _ended(t, e))
            run.injecting.clear()
            trace.stop()

    def _release(self, run: ProviderRun, kind: str, count: int) -> None:
        """What the simulation's release does to the pod template (tui.sim.engine.Simulation.release)."""
        from kubernetes import client

        scenario = load_scenario("lab")
        values = scenario.release_values
        error_rate = str(scenario.faulty_error_rate) if kind == "faulty" else "0"
        env = [
            {"name": "ECHO_VALUE", "value": f"{values[(count - 1) % len(values)]} #{count + 1}"},
            {"name": "SERVER_ERROR_RATE", "value": error_rate},
        ]
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "examiner", "env": env}]}}}}
        client.AppsV1Api(self.api).patch_namespaced_deployment("examiner", run.namespace, patch)

    def _until(self, run: ProviderRun, what: str, check: Any) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not self.stop.is_set():
            try:
                if check():
                    return
            except Exception:  # a transient API or Prometheus error: keep polling until the deadline
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{run.provider}: no {what} within {STEP_TIMEOUT_S:.0f}s")
            self.stop.wait(0.5)
        raise AssertionError(f"{run.provider}: stopped while waiting for {what}")

    def _canary_requests(self, run: ProviderRun) -> float | None:
        query = CANARY_REQUESTS[run.provider].format(ns=run.namespace)
        answer = httpx.get(f"{self.lab.prometheus_url}/api/v1/query", params={"query": query}, timeout=5).json()
        result = answer["data"]["result"]
        return float(result[0]["value"][1]) if result else 0.0

    # --- load ----------------------------------------------------------------------------------------------

    @staticmethod
    def _host(run: ProviderRun) -> str:
        return f"{run.provider}.lab"

    def _load(self, run: ProviderRun) -> None:
        self._send(run, "/examine", LOAD_RPS, lambda: True)

    def _errors(self, run: ProviderRun) -> None:
        self._send(run, "/examine?status=500", ERROR_RPS, run.injecting.is_set)

    def _send(self, run: ProviderRun, path: str, rps: float, active: Any) -> None:
        ingress = urlsplit(self.lab.extras[full_lab.INGRESS])
        url = f"http://127.0.0.1:{ingress.port}{path}"
        with httpx.Client(headers={"Host": self._host(run)}, timeout=10) as http:
            while not self.stop.is_set() and not run.done.is_set():
                started = time.monotonic()
                if active():
                    try:
                        status = http.get(url).status_code
                    except httpx.HTTPError:
                        status = 0
                    run.load_answers[status] = run.load_answers.get(status, 0) + 1
                self.stop.wait(max(0.0, 1 / rps - (time.monotonic() - started)))
