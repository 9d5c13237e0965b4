"""A/B testing and blue/green canaries on the session's lab, each in its own namespace beside the other canaries.

Flagger decides the strategy from `spec.analysis` (pkg/apis/flagger/v1beta1/canary.go DeploymentStrategy):
`iterations` with `match` is A/B testing, `iterations` alone blue/green. Each case here is the lab's Canary (the
simulation's `lab` scenario: interval 10s, threshold 2, success rate >= 99 % and p99 <= 500 ms over 30s) with its
weights replaced by `iterations: 3`, and:

* `lab-ab-istio`: A/B on Istio, matching the header `x-canary: insider` or the cookie `canary=always` (the cookie
  regex Flagger's docs give). The load sends a quarter of its requests with the header and a quarter with the
  cookie, so the canary's metrics come from matched users only; a good release, then a faulty one (its error
  requests carry the header, so they reach the canary as canaryscope's `e` does for matched users).
* `lab-ab-gatewayapi`: the same match on Gateway API (Flagger writes it as HTTPRoute header matches, the cookie as
  a RegularExpression match on `cookie`); a good release.
* `lab-bg-gatewayapi`: blue/green on Gateway API. No user reaches the canary before the promotion, so a second
  load addresses the `examiner-canary` Service directly, as a load tester's rollout hook would (Ingress host
  `canary.<namespace>.lab`); a good release.
* `lab-bg-mirror`: blue/green on Istio with `mirror: true`: Flagger mirrors the primary's traffic to the canary
  (the VirtualService's `mirror`), which is what the analysis reads; a good release.
* `lab-rest-bg-kubernetes`: blue/green with provider `kubernetes` (no router object: the apex Service keeps the
  primary, Flagger's GetRoutes is synthetic). The canary's traffic is a load test on the lab's loadtester: pre-rollout
  and rollout `cmd` hooks running a curl loop to the `examiner-canary` Service (an Ingress rule for its host
  `examiner-canary.<namespace>`), as Flagger's blue/green tutorial does with hey; a good release.
* `lab-rest-bg-daemonset`: the same load test, on Istio, with a DaemonSet target (one pod on the lab's one kwok
  node): Flagger's DaemonSetController parks the idle canary with its scale-to-zero node selector; a good release.

Each case runs in threads from the lab's start (tests/lab/conftest.py), with an independent FlaggerTrace per
release, so a test only waits for the outcome.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.lab.side_by_side import CANARY_REQUESTS, ERROR_RPS, LOAD_RPS, ROUTER_KINDS, STEP_TIMEOUT_S, Release, _ended
from tests.lab.trace import FlaggerTrace
from tui.lab import apps
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo
from tui.sim.scenario import BUILTIN, Scenario, from_mapping, load_scenario

ITERATIONS = 3
RECORD_ENV = "CANARYSCOPE_RECORD_LAB"  # a directory: close() writes strategies.json there
MATCH_HEADER = ("x-canary", "insider")
MATCH_COOKIE = "canary=always"
COOKIE_REGEX = "^(.*?;)?(canary=always)(;.*)?$"
AB_MATCH = [
    {"headers": {MATCH_HEADER[0]: {"exact": MATCH_HEADER[1]}}},
    {"headers": {"cookie": {"regex": COOKIE_REGEX}}},
]
# Who sends each request of the steady load, in turn: matched by header, by cookie, then two unmatched users.
USERS = ("header", "cookie", "plain", "plain")
MAX_ANSWERS = 20_000  # about half an hour of the steady load
MATCHED_SHARE = sum(user != "plain" for user in USERS) / len(USERS)
USER_HEADERS = {"header": {MATCH_HEADER[0]: MATCH_HEADER[1]}, "cookie": {"Cookie": f"session=7;{MATCH_COOKIE}"}}


@dataclass(frozen=True)
class Case:
    namespace: str
    provider: str  # canaryscope lab's name: istio, gatewayapi
    match: tuple[dict[str, Any], ...] = ()
    mirror: bool = False
    canary_load: bool = False  # a second load straight to the canary Service (a load tester's role)
    hook_load: bool = False  # the loadtester's curl loop to the canary Service, from pre-rollout and rollout hooks
    kind: str = "Deployment"  # the target's kind: Deployment, or DaemonSet (on the lab's one node)
    releases: tuple[str, ...] = ("good",)

    @property
    def host(self) -> str:
        return f"{self.namespace}.lab"

    @property
    def canary_host(self) -> str:
        return f"examiner-canary.{self.namespace}" if self.hook_load else f"canary.{self.namespace}.lab"

    def load_test(self, ingress_port: int) -> str:
        """The hooks' command: about 10 requests/s for a little longer than one 10 s interval, to the canary."""
        url = f"http://127.0.0.1:{ingress_port}/examine"
        return f"for i in $(seq 120); do curl -s -o /dev/null -H 'Host: {self.canary_host}' {url}; sleep 0.1; done"


CASES = (
    Case("lab-ab-istio", "istio", match=tuple(AB_MATCH), releases=("good", "faulty")),
    Case("lab-ab-gatewayapi", "gatewayapi", match=tuple(AB_MATCH)),
    Case("lab-bg-gatewayapi", "gatewayapi", canary_load=True),
    Case("lab-bg-mirror", "istio", mirror=True),
    Case("lab-rest-bg-kubernetes", "kubernetes", hook_load=True),
    Case("lab-rest-bg-daemonset", "istio", hook_load=True, kind="DaemonSet"),
)
# canaryscope lab's provider names as Flagger spells them, and the provider with no router object.
FLAGGER_PROVIDERS = {**apps.FLAGGER_PROVIDERS, "kubernetes": "kubernetes"}


def strategy_scenario(case: Case, ingress_port: int = 80) -> Scenario:
    """The `lab` scenario with its Canary for ``case``: `iterations` in place of its weights (a Canary takes one of
    iterations, stepWeight and stepWeights; without stepWeightPromotion the promotion routes all traffic back to the
    primary in one tick), the case's match or mirror, on its provider and namespace; its load as this module sends
    it (the matched share of the steady load, and every injected error matched under A/B). The lab applies this
    scenario's Canary, and tests/lab/strategy_fidelity.py simulates it."""
    raw = copy.deepcopy(BUILTIN["lab"])
    raw["provider"] = FLAGGER_PROVIDERS[case.provider]
    canary = raw["canaries"][0]
    canary["namespace"] = case.namespace
    analysis = canary.setdefault("analysis", {})
    for key in ("stepWeight", "stepWeights", "maxWeight", "stepWeightPromotion"):
        analysis.pop(key, None)
    analysis["iterations"] = ITERATIONS
    if case.match:
        analysis["match"] = copy.deepcopy(list(case.match))
    if case.mirror:
        analysis["mirror"] = True
    if case.kind != "Deployment":
        canary["targetRef"] = {"kind": case.kind}
        canary["nodes"] = 1
    if case.hook_load:
        command = case.load_test(ingress_port)
        canary["webhooks"] = [{"name": "load-test", "type": t, "cmd": command} for t in ("pre-rollout", "rollout")]
    raw["load"] = {"background": {"matchedShare": MATCHED_SHARE}, "errors": {"matchedShare": 1.0 if case.match else 0}}
    return from_mapping(raw)


def case_objects(case: Case, event_url: str, loadtester: str = "", ingress_port: int = 80) -> list[dict[str, Any]]:
    spec = strategy_scenario(case, ingress_port).canaries[0]
    objects = apps.app_objects(spec, event_url, case.provider, host=case.host)
    for hook in objects[-1]["spec"]["analysis"].get("webhooks") or []:
        if hook.get("type") != "event":
            hook["url"] = f"{loadtester}/"  # the lab's loadtester runs on loopback
    if case.canary_load or case.hook_load:
        direct = copy.deepcopy(next(o for o in objects if o["kind"] == "Ingress"))
        direct["metadata"]["name"] = "canary-direct"
        rule = direct["spec"]["rules"][0]
        rule["host"] = case.canary_host
        rule["http"]["paths"][0]["backend"]["service"]["name"] = f"{spec.name}-canary"
        objects.append(direct)
    return objects


@dataclass
class CaseRun:
    case: Case
    releases: list[Release] = field(default_factory=list)
    initial_log_offset: int = 0
    error: str | None = None
    # (time, user, body) of the steady load's answers with status 200 (the first MAX_ANSWERS of them).
    answers: list[tuple[float, str, str]] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    injecting: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


class StrategyRuns:
    def __init__(self, lab: LabInfo, cases: tuple[Case, ...] = CASES) -> None:
        from kubernetes import config

        self.lab = lab
        self.api = config.new_client_from_config(config_file=str(lab.kubeconfig))
        self.log_file = Path(lab.extras[full_lab.LOGGER_LOG])
        self.stop = threading.Event()
        self.runs = {c.namespace: CaseRun(c) for c in cases}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> StrategyRuns:
        for run in self.runs.values():
            targets = [self._run, self._load, self._errors]
            if run.case.canary_load:
                targets.append(self._canary_load)
            for target in targets:
                name = f"{target.__name__}-{run.case.namespace}"
                thread = threading.Thread(target=target, args=(run,), name=name, daemon=True)
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
        if os.environ.get(RECORD_ENV):
            self.record(Path(os.environ[RECORD_ENV]) / "strategies.json")

    def record(self, path: Path) -> None:
        """What Flagger did in each case, per release: the reduced sequences tests/lab/strategy_fidelity.py compares
        (events, revisions, (phase, canaryWeight, failedChecks, iterations), (router canary weight, mirrored)), and
        the router objects."""
        from tests.lab.strategy_fidelity import reduce_strategy

        out: dict[str, Any] = {}
        for namespace, run in self.runs.items():
            releases = []
            for r in run.releases:
                entry: dict[str, Any] = {"kind": r.kind, "after": r.after}
                try:
                    entry.update(dataclasses.asdict(reduce_strategy(r.trace)))
                except AssertionError as exc:  # an unfinished release: keep what there is
                    entry["error"] = str(exc)
                entry["routers"] = [o.get("spec") for o in r.trace.routers()]
                releases.append(entry)
            out[namespace] = {"error": run.error, "releases": releases}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, ensure_ascii=False))

    def answers(self, run: CaseRun, since: float, until: float) -> Counter[tuple[str, str]]:
        """(user, body) of the steady load's answers between two times."""
        with self._lock:
            return Counter((user, body) for t, user, body in run.answers if since <= t <= until)

    def wait(self, namespace: str, timeout: float) -> CaseRun:
        run = self.runs[namespace]
        if not run.done.wait(timeout):
            raise AssertionError(f"{namespace}: the releases did not finish within {timeout:.0f}s")
        if run.error:
            raise AssertionError(f"{namespace}: {run.error}")
        return run

    # --- one case ------------------------------------------------------------------------------------------

    def _run(self, run: CaseRun) -> None:
        try:
            self._releases(run)
        except Exception:
            run.error = traceback.format_exc(limit=6)
        finally:
            run.done.set()

    def _releases(self, run: CaseRun) -> None:
        case = run.case
        run.initial_log_offset = self.log_file.stat().st_size
        ingress_port = int(urlsplit(self.lab.extras[full_lab.INGRESS]).port or 80)
        objects = case_objects(
            case, self.lab.extras[full_lab.EVENT_WEBHOOK], self.lab.extras[full_lab.LOADTESTER], ingress_port
        )
        apps.apply(self.api, objects)
        self._until(run, "Initialized", lambda: self._phase(run) == "Initialized")
        for count, kind in enumerate(case.releases, start=1):
            after = self._phase(run) or ""
            if after != "Initialized":
                self._until(run, "an empty canary window", lambda: self._canary_requests(run) == 0)
            trace = FlaggerTrace(
                self.api, self.log_file, namespace=case.namespace, router_kind=ROUTER_KINDS.get(case.provider, "")
            )
            run.releases.append(Release(kind, after, trace.start()))
            self._release(run, kind, count)
            if kind == "faulty":
                run.injecting.set()
            end = "Failed" if kind == "faulty" else "Succeeded"
            self._until(run, f"the {kind} release to end {end}", lambda t=trace, e=end: _ended(t, e))
            run.injecting.clear()
            trace.stop()

    def _phase(self, run: CaseRun) -> str | None:
        return apps.canary_phase(self.api, run.case.namespace, "examiner")

    def _release(self, run: CaseRun, kind: str, count: int) -> None:
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
        apps = client.AppsV1Api(self.api)
        if run.case.kind == "DaemonSet":
            apps.patch_namespaced_daemon_set("examiner", run.case.namespace, patch)
        else:
            apps.patch_namespaced_deployment("examiner", run.case.namespace, patch)

    def _until(self, run: CaseRun, what: str, check: Any) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not self.stop.is_set():
            try:
                if check():
                    return
            except Exception:  # a transient API or Prometheus error: keep polling until the deadline
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{run.case.namespace}: no {what} within {STEP_TIMEOUT_S:.0f}s")
            self.stop.wait(0.5)
        raise AssertionError(f"{run.case.namespace}: stopped while waiting for {what}")

    def _canary_requests(self, run: CaseRun) -> float:
        query = CANARY_REQUESTS[run.case.provider].format(ns=run.case.namespace)
        answer = httpx.get(f"{self.lab.prometheus_url}/api/v1/query", params={"query": query}, timeout=5).json()
        result = answer["data"]["result"]
        return float(result[0]["value"][1]) if result else 0.0

    # --- load ----------------------------------------------------------------------------------------------

    def _load(self, run: CaseRun) -> None:
        users = iter(range(1 << 62))

        def request(http: httpx.Client, url: str) -> None:
            user = USERS[next(users) % len(USERS)]
            try:
                answer = http.get(url, headers=USER_HEADERS.get(user, {}))
            except httpx.HTTPError:
                return
            with self._lock:
                run.statuses[answer.status_code] += 1
                if answer.status_code == 200 and len(run.answers) < MAX_ANSWERS:
                    run.answers.append((time.time(), user, answer.text))

        self._send(run, run.case.host, "/examine", LOAD_RPS, lambda: True, request)

    def _errors(self, run: CaseRun) -> None:
        headers = USER_HEADERS["header"] if run.case.match else {}
        self._send(run, run.case.host, "/examine?status=500", ERROR_RPS, run.injecting.is_set, _plain(headers))

    def _canary_load(self, run: CaseRun) -> None:
        self._send(run, run.case.canary_host, "/examine", LOAD_RPS / 2, lambda: True, _plain({}))

    def _send(self, run: CaseRun, host: str, path: str, rps: float, active: Any, request: Any) -> None:
        ingress = urlsplit(self.lab.extras[full_lab.INGRESS])
        url = f"http://127.0.0.1:{ingress.port}{path}"
        with httpx.Client(headers={"Host": host}, timeout=10) as http:
            while not self.stop.is_set() and not run.done.is_set():
                started = time.monotonic()
                if active():
                    request(http, url)
                self.stop.wait(max(0.0, 1 / rps - (time.monotonic() - started)))


def _plain(headers: dict[str, str]) -> Any:
    def request(http: httpx.Client, url: str) -> None:
        with contextlib.suppress(httpx.HTTPError):
            http.get(url, headers=headers)

    return request
