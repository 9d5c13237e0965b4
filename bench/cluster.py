"""The API stand-in (tests/standin) filled with canaries, and a writer that changes them at a steady rate."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.cluster import objects
from tests.standin.apiserver import ApiServer
from tests.standin.events import EventRecorder
from tests.standin.resources import DEMO_CRDS, ResourceType
from tests.standin.store import rfc3339

PHASES = ("Progressing", "Promoting", "Finalising", "Succeeded", "Progressing", "Failed")
MESSAGES = (
    "Advance {name}.{namespace} canary weight {weight}",
    "Starting canary analysis for {name}.{namespace}",
    "Halt advancement no values found for linkerd metric request-success-rate probably {name}.{namespace} is not "
    "receiving traffic",
    "Copying {name}.{namespace} template spec to {name}-primary.{namespace}",
)


# `mixed`: the providers most Flagger users run, canary by canary in turn, each with the router Flagger writes for it
# (kubernetes has none), so every router kind is watched and Prometheus is asked once per observer family.
MIXED_PROVIDERS = ("linkerd", "istio", "gatewayapi:v1", "kubernetes")
VIRTUALSERVICES = ResourceType(
    "networking.istio.io", ("v1", "v1beta1"), "virtualservices", "VirtualService", singular="virtualservice"
)


@dataclass(frozen=True)
class CanaryRef:
    namespace: str
    name: str


def names(canaries: int, namespaces: int) -> list[CanaryRef]:
    width = len(str(max(0, namespaces - 1)))
    return [CanaryRef(f"team-{i % namespaces:0{width}d}", f"app-{i:04d}") for i in range(canaries)]


def populate(
    api: ApiServer, refs: list[CanaryRef], *, routers: bool = True, phase: str = "Succeeded", mixed: bool = False
) -> None:
    """A Canary, its two Deployments and (optionally) its router for each ref: a TrafficSplit, or with `mixed` the
    router of each canary's provider."""
    stamp = rfc3339(datetime.now(UTC))
    for index, ref in enumerate(refs):
        canary = objects.canary(ref.name, ref.namespace, phase=phase, transition=stamp)
        provider = MIXED_PROVIDERS[index % len(MIXED_PROVIDERS)] if mixed else "linkerd"
        canary["spec"]["provider"] = provider
        api.put(canary)
        api.put(objects.deployment(ref.name, ref.namespace, replicas=0, ready=0))
        api.put(objects.deployment(f"{ref.name}-primary", ref.namespace))
        router = router_object(provider, ref) if routers else None
        if router is not None:
            api.put(router)


def router_object(provider: str, ref: CanaryRef) -> dict | None:
    """The router Flagger writes for `provider`, all traffic on the primary."""
    meta = {"name": ref.name, "namespace": ref.namespace}
    primary, canary = f"{ref.name}-primary", f"{ref.name}-canary"
    if provider == "istio":
        route = [{"destination": {"host": primary}, "weight": 100}, {"destination": {"host": canary}, "weight": 0}]
        return {
            "apiVersion": "networking.istio.io/v1beta1",
            "kind": "VirtualService",
            "metadata": meta,
            "spec": {"hosts": [ref.name], "gateways": ["mesh"], "http": [{"route": route}]},
        }
    if provider.startswith("gatewayapi"):
        refs = [
            {"group": "", "kind": "Service", "name": primary, "port": 9898, "weight": 100},
            {"group": "", "kind": "Service", "name": canary, "port": 9898, "weight": 0},
        ]
        return {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": meta,
            "spec": {
                "parentRefs": [{"group": "", "kind": "Service", "name": ref.name, "port": 9898}],
                "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": refs}],
            },
        }
    if provider == "linkerd":
        return objects.traffic_split(ref.name, ref.namespace)
    return None  # kubernetes: blue/green without a router


def new_standin(history: int = 10_000, *, peer_support: bool = False, mixed: bool = False) -> ApiServer:
    """`peer_support`: also what kubectl and k9s need (Tables, access reviews, CRDs, Nodes), and no token, since
    kubectl and k9s send no credentials over plain HTTP."""
    # A deep history and watch queue: the writer must never push a watcher into 410 or a cut-off.
    extra: dict = {"peer_support": True, "token": None} if peer_support else {}
    crds = (*DEMO_CRDS, VIRTUALSERVICES) if mixed else DEMO_CRDS
    return ApiServer(crds=crds, bookmark_interval=5.0, history_size=history, watch_queue_size=100_000, **extra).start()


@contextmanager
def standin(refs: list[CanaryRef], tmp: Path, *, routers: bool = True) -> Iterator[tuple[ApiServer, Path]]:
    api = new_standin()
    try:
        populate(api, refs, routers=routers)
        yield api, api.write_kubeconfig(tmp / "kubeconfig", namespace=refs[0].namespace if refs else "default")
    finally:
        api.stop()


class ChangeWriter:
    """`rate` changes per second, alternating between a Canary status change (weight and phase, with the
    TrafficSplit following) and a core Event about a Canary, as Flagger writes both during rollouts."""

    def __init__(self, api: ApiServer, refs: list[CanaryRef], rate: float, seed: int = 1) -> None:
        self.api = api
        self.refs = refs
        self.rate = rate
        self.rng = random.Random(seed)
        self.recorder = EventRecorder(api)
        self.written = 0
        self.late = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="change-writer", daemon=True)

    def start(self) -> ChangeWriter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _run(self) -> None:
        period = 1.0 / self.rate
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.change_one()
            next_at += period
            delay = next_at - time.monotonic()
            if delay < 0:
                self.late += 1
                if delay < -1.0:  # fell a second behind: drop the backlog rather than burst
                    next_at = time.monotonic()
            self._stop.wait(max(0.0, delay))

    def change_one(self) -> None:
        ref = self.rng.choice(self.refs)
        self.written += 1
        weight = self.rng.choice((0, 10, 20, 30, 40, 50))
        if self.written % 2:
            phase = self.rng.choice(PHASES)
            self.api.patch_status(
                "canaries.flagger.app",
                ref.name,
                ref.namespace,
                {
                    "phase": phase,
                    "canaryWeight": weight,
                    "iterations": self.rng.randint(0, 9),
                    "lastTransitionTime": rfc3339(datetime.now(UTC)),
                },
            )
            return
        canary = {
            "apiVersion": "flagger.app/v1beta1",
            "kind": "Canary",
            "metadata": {"name": ref.name, "namespace": ref.namespace, "uid": f"uid-{ref.namespace}-{ref.name}"},
        }
        message = self.rng.choice(MESSAGES).format(name=ref.name, namespace=ref.namespace, weight=weight)
        if self.rng.random() < 0.2:
            self.recorder.warning(canary, message)
        else:
            self.recorder.normal(canary, message)
