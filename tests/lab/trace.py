"""What the real Flagger did during a lab run, recorded independently of canaryscope.

* events: the webhook payloads in the logger pod's log file (Flagger posts every event, in order);
* statuses: each change of the Canary's (phase, canaryWeight, failedChecks), from a watch;
* router: each change of the router's canary weight, from a watch (the TrafficSplit, or for other providers
  the VirtualService or HTTPRoute, read as Flagger's GetRoutes reads them);
* objects: every Canary, Deployment and router change in the namespace, for a replayable recording.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cluster.watch_loop import WatchLoop, WatchSpec
from tui.domain.flagger.logger_stream import LoggerStreamParser
from tui.domain.flagger.payload import EventPayload
from tui.domain.model import MetricSample
from tui.sources.mailbox import Mailbox

if TYPE_CHECKING:
    from tests.cluster.recording import Recording

CRI_LINE = re.compile(r"^(\S+) (stdout|stderr) [FP] (.*)$")
# Router kind -> (group, version, plural) as the trace watches it.
ROUTERS = {
    "TrafficSplit": ("split.smi-spec.io", "v1alpha1", "trafficsplits"),
    "VirtualService": ("networking.istio.io", "v1beta1", "virtualservices"),
    "HTTPRoute": ("gateway.networking.k8s.io", "v1", "httproutes"),
}


def canary_weight(obj: dict[str, Any], name: str) -> int:
    """The router's canary weight as Flagger v1.44's GetRoutes reads it (pkg/router/smi.go, istio.go,
    gateway_api.go): the backend named `<name>-canary`; for a VirtualService the last http rule routing to it,
    for an HTTPRoute the last rule with exactly two backendRefs."""
    canary, spec = f"{name}-canary", obj.get("spec") or {}
    if obj.get("kind") == "VirtualService":
        weight = 0
        for rule in spec.get("http") or []:
            routes = rule.get("route") or []
            if any(r["destination"]["host"] == canary for r in routes):
                weight = next(int(r.get("weight") or 0) for r in routes if r["destination"]["host"] == canary)
        return weight
    if obj.get("kind") == "HTTPRoute":
        weight = 0
        for rule in spec.get("rules") or []:
            refs = rule.get("backendRefs") or []
            if len(refs) == 2:
                weight = next((int(r.get("weight", 1)) for r in refs if r["name"] == canary), 0)
        return weight
    return {b["service"]: int(b["weight"]) for b in spec.get("backends") or []}.get(canary, 0)


def mirrored(obj: dict[str, Any], name: str) -> bool:
    """Whether the router mirrors to the canary as GetRoutes reads it: the VirtualService's rule routing to the
    canary has a `mirror` host, the HTTPRoute's rule with two backendRefs a RequestMirror filter to the canary."""
    canary, spec = f"{name}-canary", obj.get("spec") or {}
    if obj.get("kind") == "VirtualService":
        rules = [
            r for r in spec.get("http") or [] if any(d["destination"]["host"] == canary for d in r.get("route") or [])
        ]
        return bool(rules) and bool((rules[-1].get("mirror") or {}).get("host"))
    if obj.get("kind") == "HTTPRoute":
        for rule in spec.get("rules") or []:
            for item in rule.get("filters") or []:
                ref = (item.get("requestMirror") or {}).get("backendRef") or {}
                if item.get("type") == "RequestMirror" and ref.get("name") == canary:
                    return True
    return False


@dataclass(frozen=True)
class ObjectChange:
    t: float
    type: str
    object: dict[str, Any]


@dataclass(frozen=True)
class LogLine:
    t: float
    text: str


def read_log(path: Path, offset: int = 0) -> list[LogLine]:
    """The logger pod's log lines (CRI prefixes stripped) from a byte offset, with their write times."""
    from tui.kube.parse import parse_timestamp

    out = []
    with path.open("rb") as f:
        f.seek(offset)
        for raw in f.read().decode("utf-8", errors="replace").splitlines():
            match = CRI_LINE.match(raw)
            if match:
                out.append(LogLine(parse_timestamp(match.group(1)) or 0.0, match.group(3)))
    return out


def payloads(lines: list[LogLine]) -> list[EventPayload]:
    parser = LoggerStreamParser()
    return [p for line in lines for p in parser.feed_line(line.text)]


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    (obj.get("metadata") or {}).pop("managedFields", None)
    return obj


@dataclass
class FlaggerTrace:
    api_client: Any
    log_file: Path
    namespace: str = "apps"
    name: str = "examiner"
    router_kind: str = "TrafficSplit"  # "" for none (provider kubernetes)
    started: float = 0.0
    log_offset: int = 0
    initial: list[dict[str, Any]] = field(default_factory=list)
    changes: list[ObjectChange] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _listed: set[str] = field(default_factory=set)
    _loops: list[WatchLoop] = field(default_factory=list)

    def start(self) -> FlaggerTrace:
        from kubernetes import client

        self.started = time.time()
        self.log_offset = self.log_file.stat().st_size
        custom = client.CustomObjectsApi(self.api_client)
        apps = client.AppsV1Api(self.api_client)
        calls = {
            "Canary": functools.partial(
                custom.list_namespaced_custom_object, "flagger.app", "v1beta1", self.namespace, "canaries"
            ),
            "Deployment": functools.partial(apps.list_namespaced_deployment, self.namespace),
        }
        if self.router_kind:
            calls[self.router_kind] = functools.partial(
                custom.list_namespaced_custom_object,
                *ROUTERS[self.router_kind][:2],
                self.namespace,
                ROUTERS[self.router_kind][2],
            )
        emitter = Mailbox(wake=lambda: None)
        for kind, call in calls.items():
            loop = WatchLoop(
                WatchSpec(kind, f"list {kind}", f"{kind} not served", call),
                emitter,
                functools.partial(self._listed_items, kind),
                self._changed,
                self._stop,
                read_timeout_s=30.0,
            )
            self._loops.append(loop)
            threading.Thread(target=loop.run, name=f"trace-{kind}", daemon=True).start()
        deadline = time.monotonic() + 30
        while len(self._listed) < len(calls):
            if time.monotonic() > deadline:
                raise AssertionError(f"trace watches not listed: {set(calls) - self._listed}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._stop.set()
        for loop in self._loops:
            loop.close()

    def _listed_items(self, kind: str, items: list[dict[str, Any]]) -> None:
        with self._lock:
            if kind in self._listed:
                # A relist after a dropped watch: record the current objects as changes.
                self.changes += [ObjectChange(time.time(), "MODIFIED", _clean(i)) for i in items]
            else:
                self.initial += [_clean(i) for i in items]
                self._listed.add(kind)

    def _changed(self, event_type: str, obj: dict[str, Any]) -> None:
        with self._lock:
            self.changes.append(ObjectChange(time.time(), event_type, _clean(obj)))

    # --- what happened ---------------------------------------------------------------------------------------

    def object_changes(self) -> list[ObjectChange]:
        with self._lock:
            return list(self.changes)

    def log_lines(self) -> list[LogLine]:
        return read_log(self.log_file, self.log_offset)

    def events(self) -> list[EventPayload]:
        return [p for p in payloads(self.log_lines()) if (p.namespace, p.name) == (self.namespace, self.name)]

    def statuses(self) -> list[tuple[str, int, int]]:
        """(phase, canaryWeight, failedChecks) each time it changed, starting from the state at start()."""
        out: list[tuple[str, int, int]] = []
        canaries = [o for o in self.initial if o.get("kind") == "Canary"] + [
            c.object for c in self.object_changes() if c.object.get("kind") == "Canary"
        ]
        for obj in canaries:
            if obj["metadata"]["name"] != self.name:
                continue
            status = obj.get("status") or {}
            row = (status.get("phase", ""), int(status.get("canaryWeight") or 0), int(status.get("failedChecks") or 0))
            if not out or out[-1] != row:
                out.append(row)
        return out

    def iterations(self) -> list[tuple[str, int, int, int]]:
        """(phase, canaryWeight, failedChecks, iterations) each time it changed: A/B and blue/green advance only
        status.iterations."""
        out: list[tuple[str, int, int, int]] = []
        for obj in self._objects("Canary"):
            status = obj.get("status") or {}
            row = (
                status.get("phase", ""),
                int(status.get("canaryWeight") or 0),
                int(status.get("failedChecks") or 0),
                int(status.get("iterations") or 0),
            )
            if not out or out[-1] != row:
                out.append(row)
        return out

    def router_states(self) -> list[tuple[int, bool]]:
        """(canary weight, mirrored) of the router each time it changed. With no router object (provider
        kubernetes) it is what Flagger's NopRouter.GetRoutes answers: all on the canary once status.iterations > 0."""
        out: list[tuple[int, bool]] = []
        rows = (
            [(canary_weight(obj, self.name), mirrored(obj, self.name)) for obj in self._objects(self.router_kind)]
            if self.router_kind
            else [(100 if row[3] > 0 else 0, False) for row in self.iterations()]
        )
        for row in rows:
            if not out or out[-1] != row:
                out.append(row)
        return out

    def routers(self) -> list[dict[str, Any]]:
        """The router objects as they were at start() and after each change."""
        return self._objects(self.router_kind)

    def _objects(self, kind: str) -> list[dict[str, Any]]:
        objs = [o for o in self.initial if o.get("kind") == kind] + [
            c.object for c in self.object_changes() if c.object.get("kind") == kind
        ]
        return [o for o in objs if o["metadata"]["name"] == self.name]

    def router(self) -> list[int]:
        """The router's canary weight each time it changed."""
        if not self.router_kind:
            return [weight for i, (weight, _) in enumerate(self.router_states())]
        out: list[int] = []
        kind = self.router_kind
        routers = [o for o in self.initial if o.get("kind") == kind] + [
            c.object for c in self.object_changes() if c.object.get("kind") == kind
        ]
        for obj in routers:
            if obj["metadata"]["name"] != self.name:
                continue
            weight = canary_weight(obj, self.name)
            if not out or out[-1] != weight:
                out.append(weight)
        return out


def to_recording(name: str, trace: FlaggerTrace, samples: list[MetricSample], until: float) -> Recording:
    """The run as a replayable recording (tests/cluster/recording.py): one step per second with the object
    changes, the logger pod's new lines and the metric samples canaryscope read in that second."""
    from tests.cluster.recording import Recording, Step

    start = int(trace.started)
    first = Step(float(start))
    first.changes = [{"type": "ADDED", "object": obj} for obj in trace.initial]
    # What a watcher finds in the logger's log when it starts: the records of the lab so far.
    with trace.log_file.open("rb") as f:
        earlier = f.read(trace.log_offset).decode("utf-8", errors="replace").splitlines()
    first.log = [m.group(3) for m in map(CRI_LINE.match, earlier) if m]
    steps = {start: first}

    def step(t: float) -> Step:
        second = max(start, int(t))
        return steps.setdefault(second, Step(float(second)))

    for change in trace.object_changes():
        if change.t <= until:
            step(change.t).changes.append({"type": change.type, "object": change.object})
    for line in trace.log_lines():
        if line.t <= until:
            step(line.t).log.append(line.text)
    for sample in samples:
        if trace.started <= sample.t <= until:
            step(sample.t).samples.append(
                {
                    "namespace": sample.namespace,
                    "deployment": sample.deployment,
                    "success_rate": sample.success_rate,
                    "rps": sample.rps,
                    "p99_ms": sample.p99_ms,
                }
            )
    return Recording(name, [steps[t] for t in sorted(steps)])
