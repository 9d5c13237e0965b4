"""Each provider the simulation speaks: the router object Flagger v1.44 writes, tick by tick, and its event wording.

The expected objects are written out here from Flagger's router code (pkg/router/istio.go, gateway_api.go, ingress.go,
smi.go) for the weights of each step, not taken from the simulation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.sim.test_scheduler import HAPPY_PATH
from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.domain.model import FlaggerSettings
from tui.domain.observations import FlaggerSettingsObserved, LoadObserved
from tui.kube.parse import pod_template_env
from tui.sim.engine import Simulation
from tui.sim.traffic import SimLoadGenerator

NS, APEX = "apps", "examiner"
# The demo's Canary: 30 s ticks, stepWeight 10 up to 50, stepWeightPromotion 17.
WEIGHTS = [(100, 0), (90, 10), (80, 20), (70, 30), (60, 40), (50, 50), (50, 50), (67, 33), (84, 16), (100, 0), (100, 0)]


def scenario(provider: str, **canary: Any) -> dict[str, Any]:
    return {"provider": provider, "canaries": [{"name": APEX, "namespace": NS, **canary}]}


def spec(sim: Simulation, kind: str, name: str = APEX) -> dict[str, Any]:
    obj = sim.store.get(kind, NS, name)
    assert obj is not None, f"{kind} {name} missing"
    return copy.deepcopy(obj["spec"])


def virtual_service(primary: int, canary: int) -> dict[str, Any]:
    return {
        "hosts": ["examiner"],
        "gateways": ["mesh"],
        "http": [
            {
                "route": [
                    {"destination": {"host": "examiner-primary"}, "weight": primary},
                    {"destination": {"host": "examiner-canary"}, "weight": canary},
                ]
            }
        ],
    }


def http_route(primary: int, canary: int) -> dict[str, Any]:
    return {
        "parentRefs": [{"name": "examiner", "namespace": "apps", "group": "core", "kind": "Service", "port": 80}],
        "rules": [
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [
                    {"group": "", "kind": "Service", "name": "examiner-primary", "port": 80, "weight": primary},
                    {"group": "", "kind": "Service", "name": "examiner-canary", "port": 80, "weight": canary},
                ],
            }
        ],
    }


def traffic_split(primary: int, canary: int) -> dict[str, Any]:
    return {
        "service": "examiner",
        "backends": [
            {"service": "examiner-canary", "weight": str(canary)},
            {"service": "examiner-primary", "weight": str(primary)},
        ],
    }


def canary_ingress_annotations(canary: int) -> dict[str, str]:
    return {"nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": str(canary)}


ROUTERS: dict[str, tuple[str, str, Callable[[int, int], dict[str, Any]]]] = {
    "linkerd": ("TrafficSplit", "split.smi-spec.io/v1alpha1", traffic_split),
    "istio": ("VirtualService", "networking.istio.io/v1beta1", virtual_service),
    "gatewayapi": ("HTTPRoute", "gateway.networking.k8s.io/v1", http_route),
}


def ticks(sim: Simulation, until: str, limit: int = 30) -> list[str]:
    phases = []
    for _ in range(limit):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
        phases.append(sim.phase(EXAMINER) or "")
        yield phases[-1]
        if phases[-1] == until:
            return
    raise AssertionError(f"{until} not reached: {phases}")


@pytest.mark.parametrize("provider", ["linkerd", "istio", "gatewayapi"])
def test_the_router_object_carries_each_steps_weights_as_flagger_writes_them(provider: str) -> None:
    kind, api_version, expected = ROUTERS[provider]
    sim = simulation(scenario(provider))
    router = sim.store.get(kind, NS, APEX)
    assert router["apiVersion"] == api_version
    assert spec(sim, kind) == expected(100, 0)
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=False)
    seen = [(sim.weights(EXAMINER), spec(sim, kind)) for _ in ticks(sim, "Succeeded")]
    assert seen == [(w, expected(*w)) for w in WEIGHTS]
    assert [e.message for e in history_since(sim, start)] == HAPPY_PATH


def test_istio_creates_the_destination_rules_before_the_virtual_service() -> None:
    sim = simulation(scenario("istio"))
    created = sorted(
        (int(o["metadata"]["uid"].split("-")[1]), o["kind"], o["metadata"]["name"])
        for kind in ("DestinationRule", "VirtualService")
        for o in sim.store.list(kind)
    )
    assert [(k, n) for _, k, n in created] == [
        ("DestinationRule", "examiner-canary"),
        ("DestinationRule", "examiner-primary"),
        ("VirtualService", "examiner"),
    ]
    assert spec(sim, "DestinationRule", "examiner-canary") == {"host": "examiner-canary"}
    assert spec(sim, "DestinationRule", "examiner-primary") == {"host": "examiner-primary"}
    assert sim.store.get("TrafficSplit", NS, APEX) is None
    assert sim.store.get("Canary", NS, APEX)["spec"]["provider"] == "istio"


def test_nginx_copies_the_apex_ingress_and_weighs_it_with_annotations() -> None:
    sim = simulation(scenario("nginx"))
    canary = sim.store.get("Canary", NS, APEX)["spec"]
    assert canary["provider"] == "nginx"
    assert canary["ingressRef"] == {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "examiner"}
    apex = sim.store.get("Ingress", NS, APEX)
    copy = sim.store.get("Ingress", NS, "examiner-canary")
    # The copy routes the apex's paths to the canary Service; the apex Ingress is left alone.
    backend = copy["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "examiner-canary", "port": {"number": 80}}
    assert apex["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "examiner"
    assert copy["spec"]["ingressClassName"] == "nginx"
    assert copy["metadata"]["annotations"] == canary_ingress_annotations(0)
    sim.release(EXAMINER, faulty=False)
    seen = [
        (sim.weights(EXAMINER), dict(sim.store.get("Ingress", NS, "examiner-canary")["metadata"]["annotations"]))
        for _ in ticks(sim, "Succeeded")
    ]
    assert seen == [(w, canary_ingress_annotations(w[1])) for w in WEIGHTS]


@pytest.mark.parametrize("provider", ["istio", "gatewayapi", "nginx"])
def test_the_mesh_splits_requests_by_the_router_objects_weights(provider: str) -> None:
    sim = simulation(scenario(provider))
    sim.release(EXAMINER, faulty=False)
    run_until(sim, lambda s: s.weights(EXAMINER) == (50, 50))
    sim.advance(25)  # the next tick is 30 s away: 25 s at 50/50
    canary = sim.traffic.metrics(NS, "examiner").window(int(sim.now), 20).total
    primary = sim.traffic.metrics(NS, "examiner-primary").window(int(sim.now), 20).total
    assert canary > 100 and primary > 100
    assert 0.35 < canary / (canary + primary) < 0.65


@pytest.mark.parametrize("provider", ["istio", "gatewayapi", "nginx"])
def test_a_rollback_routes_everything_back_to_the_primary(provider: str) -> None:
    sim = simulation(scenario(provider))
    sim.release(EXAMINER, faulty=True)
    start = len(sim.flagger.history)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=600)
    events = history_since(sim, start)
    assert [e.message for e in events[-2:]] == [
        "Rolling back examiner.apps failed checks threshold reached 2",
        "Canary failed! Scaling down examiner.apps",
    ]
    assert sim.weights(EXAMINER) == (100, 0)
    if provider == "istio":
        assert spec(sim, "VirtualService") == virtual_service(100, 0)
    elif provider == "gatewayapi":
        assert spec(sim, "HTTPRoute") == http_route(100, 0)
    else:
        annotations = sim.store.get("Ingress", NS, "examiner-canary")["metadata"]["annotations"]
        assert annotations == canary_ingress_annotations(0)


@pytest.mark.parametrize(
    ("provider", "success_rate", "duration"),
    [
        (
            "istio",
            "Halt advancement no values found for istio metric request-success-rate probably examiner.apps is not "
            "receiving traffic: running query failed: no values found",
            "",
        ),
        (
            "gatewayapi",
            # Flagger's HttpObserver hands the success-rate query's error back unwrapped.
            "Halt advancement no values found for gatewayapi:v1 metric request-success-rate probably examiner.apps is "
            "not receiving traffic: no values found",
            "",
        ),
        (
            "nginx",
            "Halt advancement no values found for nginx metric request-success-rate probably examiner.apps is not "
            "receiving traffic: running query failed: no values found",
            "",
        ),
        (
            "linkerd",
            "Halt advancement no values found for linkerd metric request-success-rate probably examiner.apps is not "
            "receiving traffic: running query failed: no values found",
            "",
        ),
    ],
)
def test_no_traffic_halts_with_the_providers_own_words(provider: str, success_rate: str, duration: str) -> None:
    sim = simulation(scenario(provider))
    sim.set_background(EXAMINER, False)
    sim.release(EXAMINER, faulty=False)
    start = len(sim.flagger.history)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=600)
    halts = [e for e in history_since(sim, start) if e.message.startswith("Halt advancement no values")]
    assert [(e.type, e.message) for e in halts] == [("Warning", success_rate)] * 2


def test_request_duration_halts_name_the_provider_when_only_the_success_rate_is_checked_away() -> None:
    sim = simulation(scenario("istio"))
    canary = sim.store.get("Canary", NS, APEX)
    metrics = canary["spec"]["analysis"]["metrics"]
    sim.store.patch(
        "Canary", NS, APEX, {"spec": {"analysis": {"metrics": [m for m in metrics if "duration" in m["name"]]}}}
    )
    sim.set_background(EXAMINER, False)
    sim.release(EXAMINER, faulty=False)
    start = len(sim.flagger.history)
    run_until(sim, lambda s: (s.store.get("Canary", NS, APEX)["status"].get("failedChecks") or 0) >= 1)
    assert history_since(sim, start)[-1].message == (
        "Halt advancement no values found for istio metric request-duration probably examiner.apps is not "
        "receiving traffic"
    )


class _CanaryLoadTest:
    """`hey` against examiner-canary directly, as the load-test webhook of Flagger's blue/green tutorials does."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.generator = SimLoadGenerator(
            "canary-load", "load test", (NS, APEX), "http://examiner-canary/", 2, 5, None, 0
        )

    def __call__(self, now: float) -> None:
        template, ready = self.sim.workloads.serving(NS, APEX)
        if ready and template is not None:
            self.sim.traffic.send(int(now) + 1, self.generator, [(APEX, 100, pod_template_env(template))])


def test_kubernetes_runs_flaggers_forced_blue_green_without_a_router() -> None:
    sim = simulation(scenario("kubernetes"))
    for kind in ("TrafficSplit", "VirtualService", "HTTPRoute", "Ingress"):
        assert sim.store.list(kind) == []
    load = _CanaryLoadTest(sim)
    sim.release(EXAMINER, faulty=False)
    start = len(sim.flagger.history)
    rows = []
    for _ in range(20):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now, load)
        status = sim.store.get("Canary", NS, APEX)["status"]
        rows.append((status["phase"], status["iterations"], sim.weights(EXAMINER)))
        if status["phase"] == "Succeeded":
            break
    forced = [
        "Progressive traffic is not supported when using the kubernetes provider",
        "Setting canaryAnalysis.iterations: 10",
    ]
    expected = ["New revision detected! Scaling up examiner.apps", "Starting canary analysis for examiner.apps"]
    for i in range(1, 11):
        expected += [*forced, f"Advance examiner.apps canary iteration {i}/10"]
    expected += [*forced, *forced, "Copying examiner.apps template spec to examiner-primary.apps"]
    expected += ["Promotion completed! Scaling down examiner.apps"]
    events = history_since(sim, start)
    assert [e.message for e in events] == expected
    assert {e.type for e in events if e.message in forced} == {"Warning"}
    # GetRoutes is synthetic (all on the canary once an iteration ran); promotion shifts nothing and says nothing.
    assert rows == [
        ("Progressing", 0, (100, 0)),
        *[("Progressing", i, (0, 100)) for i in range(1, 11)],
        ("Progressing", 11, (0, 100)),
        ("Promoting", 11, (0, 100)),
        ("Finalising", 0, (100, 0)),
        ("Succeeded", 0, (100, 0)),
    ]
    for kind in ("TrafficSplit", "VirtualService", "HTTPRoute", "Ingress"):
        assert sim.store.list(kind) == []


def test_kubernetes_without_load_on_the_canary_service_halts_as_flagger_does() -> None:
    # The apex Service selects the primary's pods, so the load through it never reaches the canary.
    sim = simulation(scenario("kubernetes"))
    sim.release(EXAMINER, faulty=False)
    start = len(sim.flagger.history)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=600)
    assert [e.message for e in history_since(sim, start)][-4:] == [
        "Halt advancement no values found for kubernetes metric request-success-rate probably examiner.apps is not "
        "receiving traffic: no values found",
        "Halt advancement no values found for kubernetes metric request-success-rate probably examiner.apps is not "
        "receiving traffic: no values found",
        "Rolling back examiner.apps failed checks threshold reached 2",
        "Canary failed! Scaling down examiner.apps",
    ]


@pytest.mark.parametrize(
    ("name", "provider"), [("istio", "istio"), ("gatewayapi", "gatewayapi:v1"), ("seed", "linkerd")]
)
def test_the_simulated_flagger_reports_its_mesh_provider(name: str, provider: str) -> None:
    sim = simulation(name)
    settings = [o.settings for o in sim.drain() if isinstance(o, FlaggerSettingsObserved)]
    assert settings == [FlaggerSettings(mesh_provider=provider, found_in="simulation")]
    assert sim.store.get("Canary", NS, APEX)["spec"]["provider"] == provider


def test_kubernetes_apex_service_moves_to_the_primary_only_once_it_is_ready() -> None:
    # Flagger points the apex Service at the primary after the primary is ready, so no request finds no pod.
    sim = simulation(scenario("kubernetes"))
    sim.release(EXAMINER, faulty=False)
    sim.advance(60)
    stats = [o.stats for o in sim.drain() if isinstance(o, LoadObserved)]
    assert stats[-1].requests > 1000
    assert {status for status, _ in stats[-1].status_counts} == {200}


@pytest.mark.parametrize(
    ("provider", "patch", "warning"),
    [
        (
            "gatewayapi",
            {"spec": {"service": {"gatewayRefs": None}}},
            "GatewayRefs must be specified when using Gateway API as a provider.",
        ),
        ("nginx", {"spec": {"ingressRef": None}}, "ingress selector is empty"),
    ],
)
def test_a_router_that_cannot_reconcile_stops_the_tick_with_flaggers_warning(
    provider: str, patch: dict[str, Any], warning: str
) -> None:
    sim = simulation(scenario(provider))
    sim.store.patch("Canary", NS, APEX, patch)
    sim.release(EXAMINER, faulty=False)
    start = len(sim.flagger.history)
    for _ in range(3):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
    assert [(e.type, e.message) for e in history_since(sim, start)] == [("Warning", warning)] * 3
    # The tick ends before it looks at the new revision.
    assert sim.phase(EXAMINER) == "Initialized"
