"""Canaries with webhooks on the lab's real loadtester, and one whose pods never become ready, each in its own
namespace of the session's lab (tests/lab/conftest.py starts them with the lab, so they run beside the seed's
rollouts and the side-by-side canaries).

Each run applies the examiner app (Linkerd, Ingress host `<namespace>.lab`) with its hooks, waits for Flagger to
initialise it, then makes one release traced with an independent FlaggerTrace:

* `lab-hooks-prefail`: a blocking pre-rollout task (`type: bash`, exits 1), so the loadtester answers 500;
* `lab-hooks-load`: pre-rollout and rollout tasks (`type: cmd`, queued) that send load with curl through the
  mesh emulator's ingress, the only traffic the canary gets;
* `lab-deadline-canary`: a release whose pods ask for a node that does not exist, so they stay Pending and the
  canary Deployment never becomes available (progressDeadlineSeconds 95: the deadline falls between two ticks,
  so the second the cluster stamps on the Deployment's condition, late on a busy machine, cannot move it across
  one);
* `lab-gate-promote` and `lab-gate-rollback`: a confirm-promotion gate (and a rollback hook) on the loadtester's
  /gate/check and /rollback/check, with a steady load; the run waits in WaitingPromotion for the test to press
  canaryscope's `p` or `a`.
"""

from __future__ import annotations

import contextlib
import dataclasses
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

STEP_TIMEOUT_S = 300.0
LOAD_RPS = 5.0
PREFAIL, LOAD, DEADLINE, GATE_PROMOTE, GATE_ROLLBACK = (
    "lab-hooks-prefail",
    "lab-hooks-load",
    "lab-deadline-canary",
    "lab-gate-promote",
    "lab-gate-rollback",
)
GATED = (GATE_PROMOTE, GATE_ROLLBACK)
# Half an interval past a tick: at 90 s the deadline fell on the ninth tick, and whether that tick warned once more
# depended on the second the deployment controller stamped on the condition (a second late made ten warnings).
DEADLINE_S = 95
# The simulation's scenario-wide fields for a canary: the load test's canary gets no other traffic.
SIMULATED_LOAD = {LOAD: {"backgroundOn": False}}
# The run's end: the phase each release ends in (the gated ones wait for the test's key first).
ENDS = {PREFAIL: "Failed", LOAD: "Succeeded", DEADLINE: "Failed"}


def host(namespace: str) -> str:
    return f"{namespace}.lab"


def load_command(ingress_port: int, namespace: str) -> str:
    # About 10 requests/s for a little longer than one 10 s interval: the next tick's task takes over.
    url = f"http://127.0.0.1:{ingress_port}/examine"
    return f"for i in $(seq 120); do curl -s -o /dev/null -H 'Host: {host(namespace)}' {url}; sleep 0.1; done"


# The simulation's fields for the same Canary (tui.sim.scenario): its manifests name each gate hook by its type.
# The load test is the lab's own curl loop, through the Ingress by its host (the port is the simulation's any).
SIMULATED = {
    PREFAIL: {"webhooks": [{"name": "smoke", "type": "pre-rollout", "fails": "always"}]},
    LOAD: {
        "host": host(LOAD),
        "webhooks": [
            {"name": "load-test", "type": hook_type, "cmd": load_command(80, LOAD)}
            for hook_type in ("pre-rollout", "rollout")
        ],
    },
    DEADLINE: {"neverReady": "canary", "progressDeadlineSeconds": DEADLINE_S},
    GATE_PROMOTE: {"gates": ["confirm-promotion"]},
    GATE_ROLLBACK: {"gates": ["confirm-promotion", "rollback"]},
}


def hooks_for(namespace: str, loadtester: str, ingress_port: int) -> list[dict[str, Any]]:
    if namespace == PREFAIL:
        return [
            {
                "name": "smoke",
                "type": "pre-rollout",
                "url": f"{loadtester}/",
                "metadata": {"type": "bash", "cmd": "exit 1"},
            }
        ]
    if namespace == LOAD:
        metadata = {"type": "cmd", "cmd": load_command(ingress_port, namespace)}
        return [
            {"name": "load-test", "type": hook_type, "url": f"{loadtester}/", "metadata": metadata}
            for hook_type in ("pre-rollout", "rollout")
        ]
    if namespace == GATE_PROMOTE:
        return [{"name": "confirm-promotion", "type": "confirm-promotion", "url": f"{loadtester}/gate/check"}]
    if namespace == GATE_ROLLBACK:
        return [
            {"name": "confirm-promotion", "type": "confirm-promotion", "url": f"{loadtester}/gate/check"},
            {"name": "rollback", "type": "rollback", "url": f"{loadtester}/rollback/check"},
        ]
    return []


def _ended(trace: FlaggerTrace, phase: str) -> bool:
    statuses = trace.statuses()
    return any(s[0] == "Progressing" for s in statuses) and statuses[-1][0] == phase


@dataclass
class HookRun:
    namespace: str
    trace: FlaggerTrace | None = None
    error: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)  # released (and, if gated, waiting)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def loaded(self) -> bool:
        return self.namespace in GATED


class HookRuns:
    def __init__(self, lab: LabInfo, namespaces: tuple[str, ...] = (PREFAIL, LOAD, DEADLINE, *GATED)) -> None:
        from kubernetes import config

        self.lab = lab
        self.api = config.new_client_from_config(config_file=str(lab.kubeconfig))
        self.log_file = Path(lab.extras[full_lab.LOGGER_LOG])
        self.loadtester = lab.extras[full_lab.LOADTESTER]
        self.ingress_port = int(urlsplit(lab.extras[full_lab.INGRESS]).port or 80)
        self.stop = threading.Event()
        self.runs = {ns: HookRun(ns) for ns in namespaces}
        self._threads: list[threading.Thread] = []

    def start(self) -> HookRuns:
        for run in self.runs.values():
            targets = [self._run, self._load] if run.loaded else [self._run]
            for target in targets:
                thread = threading.Thread(target=target, args=(run,), name=f"{target.__name__}-{run.namespace}")
                thread.daemon = True
                thread.start()
                self._threads.append(thread)
        return self

    def close(self) -> None:
        self.stop.set()
        for run in self.runs.values():
            if run.trace is not None:
                run.trace.stop()
        for thread in self._threads:
            thread.join(timeout=10)

    def wait_ready(self, namespace: str, timeout: float) -> HookRun:
        run = self.runs[namespace]
        if not (run.ready.wait(timeout) or run.done.is_set()):
            raise AssertionError(f"{namespace}: the release was not under way within {timeout:.0f}s")
        if run.error:
            raise AssertionError(f"{namespace}: {run.error}")
        return run

    def wait_done(self, namespace: str, timeout: float) -> HookRun:
        run = self.runs[namespace]
        if not run.done.wait(timeout):
            raise AssertionError(f"{namespace}: the release did not end within {timeout:.0f}s")
        if run.error:
            raise AssertionError(f"{namespace}: {run.error}")
        return run

    def until(self, what: str, check: Any, timeout: float = STEP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not self.stop.is_set():
            try:
                if check():
                    return
            except Exception:  # a transient API error: keep polling until the deadline
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout:.0f}s")
            self.stop.wait(0.5)
        raise AssertionError(f"stopped while waiting for {what}")

    # --- one canary ----------------------------------------------------------------------------------------

    def _run(self, run: HookRun) -> None:
        try:
            self._release(run)
        except Exception:
            run.error = traceback.format_exc(limit=6)
            run.ready.set()
        finally:
            if run.namespace not in GATED or run.error:
                run.done.set()

    def _release(self, run: HookRun) -> None:
        from kubernetes import client

        spec = apps.lab_canary(run.namespace)
        if run.namespace == DEADLINE:
            spec = dataclasses.replace(spec, progress_deadline_s=DEADLINE_S)
        objects = apps.app_objects(spec, self.lab.extras[full_lab.EVENT_WEBHOOK], "linkerd", host=host(run.namespace))
        canary = objects[-1]
        webhooks = canary["spec"]["analysis"]["webhooks"]
        webhooks[:0] = hooks_for(run.namespace, self.loadtester, self.ingress_port)
        apps.apply(self.api, objects)
        phase = lambda: apps.canary_phase(self.api, run.namespace, spec.name)  # noqa: E731
        self.until(f"{run.namespace} Initialized", lambda: phase() == "Initialized")
        run.trace = FlaggerTrace(self.api, self.log_file, namespace=run.namespace).start()
        template: dict[str, Any] = {
            "containers": [{"name": "examiner", "env": [{"name": "ECHO_VALUE", "value": "v2"}]}]
        }
        if run.namespace == DEADLINE:
            template["nodeSelector"] = {"kubernetes.io/hostname": "no-such-node"}
        patch = {"spec": {"template": {"spec": template}}}
        client.AppsV1Api(self.api).patch_namespaced_deployment(spec.name, run.namespace, patch)
        if run.namespace in GATED:
            self.until(f"{run.namespace} WaitingPromotion", lambda: phase() == "WaitingPromotion")
            run.ready.set()
            return
        run.ready.set()
        end = ENDS[run.namespace]
        trace = run.trace
        self.until(f"{run.namespace} to end {end}", lambda: _ended(trace, end))
        trace.stop()

    def _load(self, run: HookRun) -> None:
        url = f"http://127.0.0.1:{self.ingress_port}/examine"
        with httpx.Client(headers={"Host": host(run.namespace)}, timeout=10) as http:
            while not self.stop.is_set() and not run.done.is_set():
                started = time.monotonic()
                with contextlib.suppress(httpx.HTTPError):
                    http.get(url)
                self.stop.wait(max(0.0, 1 / LOAD_RPS - (time.monotonic() - started)))
