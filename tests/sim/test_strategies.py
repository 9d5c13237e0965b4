"""A/B testing, blue/green (with and without mirroring) and session affinity against Flagger v1.44's scheduler.

Expected events, status values and router objects are written out here from Flagger's code (pkg/controller/scheduler.go
runAB, runBlueGreen, runCanary; pkg/router/istio.go, gateway_api.go, ingress.go; pkg/canary/status.go), not taken from
the simulation.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.sim.test_providers import _CanaryLoadTest
from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.domain.flagger.strategy import Strategy, strategy_of
from tui.domain.model import CanaryKey
from tui.kube.parse import parse_canary
from tui.sim.engine import Simulation
from tui.sim.scenario import load_scenario

NS, APEX = "apps", "examiner"
HEADER = {"headers": {"x-canary": {"exact": "insider"}}}
COOKIE = {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}}
DETECTED = "New revision detected! Scaling up examiner.apps"
STARTING = "Starting canary analysis for examiner.apps"
COPYING = "Copying examiner.apps template spec to examiner-primary.apps"
TO_PRIMARY = "Routing all traffic to primary"
COMPLETED = "Promotion completed! Scaling down examiner.apps"
WAITING = "Halt examiner.apps advancement waiting for promotion approval confirm-promotion"
CONFIRMED = "Confirm-promotion check confirm-promotion passed"


def scenario(provider: str, gates: tuple[str, ...] = (), load: dict[str, Any] | None = None, **analysis: Any) -> dict:
    canary = {"name": APEX, "namespace": NS, "gates": list(gates), "analysis": {"interval": "15s", **analysis}}
    return {"provider": provider, "canaries": [canary], "load": load or {}}


def ab(provider: str = "istio", iterations: int = 3, **kwargs: Any) -> dict:
    return scenario(provider, iterations=iterations, match=[HEADER, COOKIE], **kwargs)


def status(sim: Simulation) -> dict[str, Any]:
    return sim.store.get("Canary", NS, APEX)["status"]


def route(sim: Simulation, kind: str, name: str = APEX) -> dict[str, Any]:
    obj = sim.store.get(kind, NS, name)
    assert obj is not None, f"{kind} {name} missing"
    return copy.deepcopy(obj)


def trace(sim: Simulation, until: str, before_step: Any = None, limit: int = 30) -> list[tuple[str, int, int, Any]]:
    """(phase, status.canaryWeight, status.iterations, router weights) after each analysis tick."""
    rows = []
    for _ in range(limit):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now, before_step)
        s = status(sim)
        rows.append((s["phase"], s["canaryWeight"], s["iterations"], sim.weights(EXAMINER)))
        if s["phase"] == until:
            return rows
    raise AssertionError(f"{until} not reached: {rows}")


def released(sim: Simulation, faulty: bool = False) -> int:
    start = len(sim.flagger.history)
    sim.release(EXAMINER, faulty=faulty)
    return start


def messages(sim: Simulation, start: int) -> list[str]:
    return [e.message for e in history_since(sim, start)]


def istio_destination(host: str, weight: int) -> dict[str, Any]:
    return {"destination": {"host": host}, "weight": weight}


# --- A/B testing ------------------------------------------------------------------------------------------------


def test_ab_on_istio_advances_iterations_with_status_weight_zero_as_run_ab_does() -> None:
    sim = simulation(ab())
    start = released(sim)
    rows = trace(sim, "Succeeded")
    assert rows == [
        ("Progressing", 0, 0, (100, 0)),
        ("Progressing", 0, 1, (0, 100)),
        ("Progressing", 0, 2, (0, 100)),
        ("Progressing", 0, 3, (0, 100)),
        ("Promoting", 0, 3, (0, 100)),
        ("Finalising", 0, 0, (100, 0)),
        ("Succeeded", 0, 0, (100, 0)),
    ]
    assert messages(sim, start) == [
        DETECTED,
        STARTING,
        "Advance examiner.apps canary iteration 1/3",
        "Advance examiner.apps canary iteration 2/3",
        "Advance examiner.apps canary iteration 3/3",
        COPYING,
        TO_PRIMARY,
        COMPLETED,
    ]


def test_ab_virtual_service_has_the_match_rule_first_and_the_primary_route_after_it() -> None:
    sim = simulation(ab())
    released(sim)
    run_until(sim, lambda s: status(s)["iterations"] == 1)
    # SetRoutes(0, 100): the match rule splits 0/100, the rule for every other request has the primary alone.
    assert route(sim, "VirtualService")["spec"]["http"] == [
        {
            "match": [HEADER, COOKIE],
            "route": [istio_destination("examiner-primary", 0), istio_destination("examiner-canary", 100)],
        },
        {"route": [istio_destination("examiner-primary", 0)]},
    ]


def test_ab_http_route_requires_the_match_on_the_first_rule_and_sends_the_rest_to_the_primary() -> None:
    sim = simulation(ab("gatewayapi"))
    released(sim)
    run_until(sim, lambda s: status(s)["iterations"] == 1)

    def backend(name: str, weight: int) -> dict[str, Any]:
        return {"group": "", "kind": "Service", "name": name, "port": 80, "weight": weight}

    path = {"path": {"type": "PathPrefix", "value": "/"}}
    assert route(sim, "HTTPRoute")["spec"]["rules"] == [
        {
            "matches": [
                {**path, "headers": [{"name": "x-canary", "type": "Exact", "value": "insider"}]},
                {**path, "headers": [{"name": "cookie", "type": "RegularExpression", "value": COOKIE_REGEX}]},
            ],
            "backendRefs": [backend("examiner-primary", 0), backend("examiner-canary", 100)],
        },
        {"matches": [path], "backendRefs": [backend("examiner-primary", 100)]},
    ]
    assert sim.weights(EXAMINER) == (0, 100)


COOKIE_REGEX = COOKIE["headers"]["cookie"]["regex"]


def test_ab_on_nginx_writes_canary_by_header_and_cookie_annotations() -> None:
    nginx_cookie = {"headers": {"cookie": {"exact": "canary"}}}
    sim = simulation(scenario("nginx", iterations=2, match=[HEADER, nginx_cookie]))
    released(sim)
    run_until(sim, lambda s: status(s)["iterations"] == 1)
    prefix = "nginx.ingress.kubernetes.io"
    # makeHeaderAnnotations filters the old annotations by value, so canary-weight "0" stays.
    assert route(sim, "Ingress", "examiner-canary")["metadata"]["annotations"] == {
        f"{prefix}/canary": "true",
        f"{prefix}/canary-weight": "0",
        f"{prefix}/canary-by-header": "x-canary",
        f"{prefix}/canary-by-header-value": "insider",
        f"{prefix}/canary-by-cookie": "canary",
    }
    assert sim.weights(EXAMINER) == (0, 100)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")
    assert route(sim, "Ingress", "examiner-canary")["metadata"]["annotations"] == {
        f"{prefix}/canary": "true",
        f"{prefix}/canary-weight": "0",
    }


@pytest.mark.parametrize("provider", ["istio", "gatewayapi", "nginx"])
def test_ab_sends_only_the_matched_share_of_requests_to_the_canary(provider: str) -> None:
    match = [HEADER] if provider == "nginx" else [HEADER, COOKIE]
    sim = simulation(scenario(provider, iterations=5, match=match, load={"background": {"matchedShare": 0.25}}))
    released(sim)
    run_until(sim, lambda s: status(s)["iterations"] == 2)
    sim.advance(60)
    canary = sim.traffic.metrics(NS, APEX).window(int(sim.now), 60).total
    primary = sim.traffic.metrics(NS, "examiner-primary").window(int(sim.now), 60).total
    assert 0.18 < canary / (canary + primary) < 0.32


def test_ab_without_matched_requests_halts_because_the_canary_gets_no_traffic() -> None:
    sim = simulation(ab(load={"background": {"matchedShare": 0}}))
    start = released(sim)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Failed")
    halts = [m for m in messages(sim, start) if m.startswith("Halt")]
    assert halts and all("is not receiving traffic" in m for m in halts)


def test_a_faulty_release_under_ab_rolls_back_on_its_matched_traffic() -> None:
    sim = simulation(ab(iterations=5, threshold=2))
    start = released(sim, faulty=True)
    rows = trace(sim, "Failed")
    assert rows[-1] == ("Failed", 0, 0, (100, 0))
    events = history_since(sim, start)
    assert [e.message for e in events][:3] == [DETECTED, STARTING, "Advance examiner.apps canary iteration 1/5"]
    failing = [(e.type, e.message.split(" advancement ")[0]) for e in events[3:]]
    assert failing == [
        ("Warning", "Halt examiner.apps"),
        ("Warning", "Halt examiner.apps"),
        ("Warning", "Rolling back examiner.apps failed checks threshold reached 2"),
        ("Warning", "Canary failed! Scaling down examiner.apps"),
    ]
    assert all("success rate" in e.message for e in events[3:5])
    # The iteration does not advance on a failing tick; the router goes back to the primary for every request.
    assert [row[2] for row in rows[:-1]] == [0, 1, 1, 1]
    assert route(sim, "VirtualService")["spec"]["http"][0]["route"] == [
        istio_destination("examiner-primary", 100),
        istio_destination("examiner-canary", 0),
    ]


def test_ab_waiting_promotion_alternates_iterations_and_asks_the_gate_every_other_tick() -> None:
    sim = simulation(ab(iterations=3, gates=("confirm-promotion",)))
    start = released(sim)
    rows = trace(sim, "WaitingPromotion")
    for _ in range(4):
        sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now)
        s = status(sim)
        rows.append((s["phase"], s["canaryWeight"], s["iterations"], sim.weights(EXAMINER)))
    # SetStatusPhase(WaitingPromotion) writes iterations = N-1; the next tick re-runs iteration N, and so on.
    assert [(r[0], r[2]) for r in rows[-5:]] == [
        ("WaitingPromotion", 2),
        ("WaitingPromotion", 3),
        ("WaitingPromotion", 2),
        ("WaitingPromotion", 3),
        ("WaitingPromotion", 2),
    ]
    assert all(r[1] == 0 and r[3] == (0, 100) for r in rows[1:])
    assert messages(sim, start)[3:] == [
        "Advance examiner.apps canary iteration 2/3",
        "Advance examiner.apps canary iteration 3/3",
        WAITING,
        "Advance examiner.apps canary iteration 3/3",
        "Advance examiner.apps canary iteration 3/3",
    ]
    mark = len(sim.flagger.history)
    sim.open_promotion_gate(EXAMINER)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Promoting")
    assert messages(sim, mark)[-2:] == [CONFIRMED, COPYING]


def test_kubernetes_drops_the_match_with_a_warning_on_every_analysis_tick() -> None:
    sim = simulation(ab("kubernetes", iterations=2))
    load = _CanaryLoadTest(sim)
    start = released(sim)
    trace(sim, "Succeeded", load)
    warned = [e for e in history_since(sim, start) if e.message.startswith("A/B testing")]
    assert {(e.type, e.message) for e in warned} == {
        ("Warning", "A/B testing is not supported when using the kubernetes provider")
    }
    # Every analysis tick from the first iteration to the promotion: 2 iterations, N+1, then Copying.
    assert len(warned) == 4
    assert "Routing all traffic to canary" not in messages(sim, start)


# --- blue/green -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["istio", "gatewayapi", "linkerd"])
def test_blue_green_routes_all_traffic_to_the_canary_after_the_iterations_then_promotes(provider: str) -> None:
    sim = simulation(scenario(provider, iterations=3))
    load = _CanaryLoadTest(sim)
    start = released(sim)
    rows = trace(sim, "Succeeded", load)
    assert rows == [
        ("Progressing", 0, 0, (100, 0)),
        ("Progressing", 0, 1, (100, 0)),
        ("Progressing", 0, 2, (100, 0)),
        ("Progressing", 0, 3, (100, 0)),
        ("Progressing", 0, 4, (0, 100)),
        ("Promoting", 0, 4, (0, 100)),
        ("Finalising", 0, 0, (100, 0)),
        ("Succeeded", 0, 0, (100, 0)),
    ]
    assert messages(sim, start) == [
        DETECTED,
        STARTING,
        "Advance examiner.apps canary iteration 1/3",
        "Advance examiner.apps canary iteration 2/3",
        "Advance examiner.apps canary iteration 3/3",
        "Routing all traffic to canary",
        COPYING,
        TO_PRIMARY,
        COMPLETED,
    ]


def test_blue_green_waiting_promotion_asks_the_gate_before_routing_and_again_before_copying() -> None:
    sim = simulation(scenario("istio", iterations=2, gates=("confirm-promotion",)))
    load = _CanaryLoadTest(sim)
    start = released(sim)
    trace(sim, "WaitingPromotion", load)
    assert status(sim)["iterations"] == 1
    sim.advance(sim.flagger.next_tick(NS, APEX) - sim.now, load)
    assert status(sim)["iterations"] == 2
    sim.open_promotion_gate(EXAMINER)
    # The gate stays open until promotion starts: the route-to-canary tick and the copying tick both pass it.
    rows = trace(sim, "Promoting", load)
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("WaitingPromotion", 3, (0, 100)),
        ("Promoting", 3, (0, 100)),
    ]
    assert messages(sim, start)[2:] == [
        "Advance examiner.apps canary iteration 1/2",
        "Advance examiner.apps canary iteration 2/2",
        WAITING,
        "Advance examiner.apps canary iteration 2/2",
        CONFIRMED,
        "Routing all traffic to canary",
        CONFIRMED,
        COPYING,
    ]


def test_blue_green_mirroring_on_istio_writes_the_mirror_and_counts_copies_only_on_the_canary() -> None:
    sim = simulation("bluegreen")
    start = released(sim)
    run_until(sim, lambda s: status(s)["iterations"] == 1)
    http = route(sim, "VirtualService")["spec"]["http"]
    assert http == [
        {
            "route": [istio_destination("examiner-primary", 100), istio_destination("examiner-canary", 0)],
            "mirror": {"host": "examiner-canary"},
            "mirrorPercentage": {"value": 50.0},
        }
    ]
    assert sim.flagger.router_of(sim.store.get("Canary", NS, APEX)).mirrored(sim.store.get("Canary", NS, APEX))
    generator = sim._loads[sim.background_id(EXAMINER)]
    served_before = generator.requests
    sim.advance(60)
    canary = sim.traffic.metrics(NS, APEX).window(int(sim.now), 60).total
    primary = sim.traffic.metrics(NS, "examiner-primary").window(int(sim.now), 60).total
    # Users are served by the primary only; the canary sees about half of the requests again, as copies.
    assert generator.requests - served_before == primary
    assert 0.4 < canary / primary < 0.6
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")
    assert [m for m in messages(sim, start) if not m.startswith("Rollback hook")][-4:] == [
        "Stop traffic mirroring and route all traffic to canary",
        COPYING,
        TO_PRIMARY,
        COMPLETED,
    ]
    assert "mirror" not in route(sim, "VirtualService")["spec"]["http"][0]


def test_a_faulty_release_under_mirroring_rolls_back_while_users_only_get_the_primarys_answers() -> None:
    sim = simulation("bluegreen")
    generator = sim._loads[sim.background_id(EXAMINER)]
    start = released(sim, faulty=True)
    failures_before = sum(n for code, n in generator.status_counts.items() if code >= 500)
    rows = trace(sim, "Failed")
    assert [(r[0], r[2]) for r in rows] == [
        ("Progressing", 0),
        ("Progressing", 1),
        ("Progressing", 1),
        ("Progressing", 1),
        ("Failed", 0),
    ]
    events = [(e.type, e.message) for e in history_since(sim, start) if not e.message.startswith("Rollback hook")]
    assert [m for _, m in events[:3]] == [DETECTED, STARTING, "Advance examiner.apps canary iteration 1/5"]
    assert [t for t, _ in events[3:5]] == ["Warning", "Warning"]
    assert all("success rate" in m for _, m in events[3:5])
    assert [m for _, m in events[5:]] == [
        "Rolling back examiner.apps failed checks threshold reached 2",
        "Canary failed! Scaling down examiner.apps",
    ]
    assert sum(n for code, n in generator.status_counts.items() if code >= 500) == failures_before
    assert "mirror" not in route(sim, "VirtualService")["spec"]["http"][0]


def test_blue_green_mirroring_on_gateway_api_adds_a_request_mirror_filter() -> None:
    sim = simulation(scenario("gatewayapi", iterations=2, mirror=True))
    start = released(sim)
    run_until(sim, lambda s: status(s)["iterations"] == 1)
    rule = route(sim, "HTTPRoute")["spec"]["rules"][0]
    mirror = {"group": "", "kind": "Service", "name": "examiner-canary", "port": 80}
    assert rule["filters"] == [{"type": "RequestMirror", "requestMirror": {"backendRef": mirror}}]
    sim.advance(30)
    # Gateway API mirrors every request (Flagger writes no percentage).
    canary = sim.traffic.metrics(NS, APEX).window(int(sim.now), 30).total
    primary = sim.traffic.metrics(NS, "examiner-primary").window(int(sim.now), 30).total
    assert canary == primary > 0
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")
    assert "Stop traffic mirroring and route all traffic to canary" in messages(sim, start)


def test_canary_strategy_with_mirror_on_istio_mirrors_one_tick_before_the_first_step() -> None:
    sim = simulation(scenario("istio", stepWeight=25, maxWeight=50, mirror=True))
    start = released(sim)
    rows = trace(sim, "Succeeded")
    assert [(r[0], r[1], r[3]) for r in rows[:4]] == [
        ("Progressing", 0, (100, 0)),
        ("Progressing", 0, (100, 0)),
        ("Progressing", 25, (75, 25)),
        ("Progressing", 50, (50, 50)),
    ]
    assert messages(sim, start)[:5] == [
        DETECTED,
        STARTING,
        "Advance examiner.apps canary weight 0",
        "Advance examiner.apps canary weight 25",
        "Advance examiner.apps canary weight 50",
    ]


# --- session affinity -------------------------------------------------------------------------------------------


def test_session_affinity_on_istio_puts_a_sticky_cookie_rule_before_the_weighted_rule() -> None:
    sim = simulation(scenario("istio", stepWeight=20, maxWeight=40, sessionAffinity={"cookieName": "flagger-cookie"}))
    released(sim)
    run_until(sim, lambda s: status(s)["canaryWeight"] == 20)
    cookie = status(sim)["sessionAffinityCookie"]
    name, value = cookie.split("=")
    assert name == "flagger-cookie" and len(value) == 10
    http = route(sim, "VirtualService")["spec"]["http"]
    assert http == [
        {
            "match": [{"headers": {"Cookie": {"regex": f".*flagger-cookie.*{value}.*"}}}],
            "route": [istio_destination("examiner-primary", 0), istio_destination("examiner-canary", 100)],
        },
        {
            "route": [
                istio_destination("examiner-primary", 80),
                {
                    **istio_destination("examiner-canary", 20),
                    "headers": {"response": {"add": {"Set-Cookie": f"{cookie}; Max-Age=86400"}}},
                },
            ]
        },
    ]
    assert sim.weights(EXAMINER) == (80, 20)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded")
    # Back at weight 0 the old cookie is expired by the sticky rule and kept as the previous one.
    final = status(sim)
    assert final.get("sessionAffinityCookie", "") == "" and final["previousSessionAffinityCookie"] == cookie
    sticky = route(sim, "VirtualService")["spec"]["http"][0]
    assert sticky["headers"] == {"response": {"add": {"Set-Cookie": f"{cookie}; Max-Age=-1"}}}


def test_session_affinity_on_gateway_api_sets_the_cookie_with_a_backend_filter() -> None:
    affinity = {"cookieName": "flagger-cookie", "maxAge": 3600}
    sim = simulation(scenario("gatewayapi", stepWeight=20, maxWeight=40, sessionAffinity=affinity))
    released(sim)
    run_until(sim, lambda s: status(s)["canaryWeight"] == 20)
    cookie = status(sim)["sessionAffinityCookie"]
    rules = route(sim, "HTTPRoute")["spec"]["rules"]
    assert len(rules) == 2
    assert rules[0]["matches"][0]["headers"][0]["name"] == "Cookie"
    assert [b["weight"] for b in rules[0]["backendRefs"]] == [0, 100]
    canary_ref = rules[1]["backendRefs"][1]
    assert canary_ref["filters"] == [
        {
            "type": "ResponseHeaderModifier",
            "responseHeaderModifier": {"add": [{"name": "Set-Cookie", "value": f"{cookie}; Max-Age=3600"}]},
        }
    ]
    # GetRoutes reads the rule whose backends set the cookie.
    assert sim.weights(EXAMINER) == (80, 20)


# --- the Canary the cluster side reads ---------------------------------------------------------------------------


def test_the_scenarios_canary_carries_the_strategy_fields_for_the_parsers() -> None:
    sim = simulation("ab")
    info = parse_canary(sim.store.get("Canary", NS, APEX))
    assert info is not None and info.analysis is not None
    assert info.analysis.iterations == 5
    assert info.analysis.step_weight is None and info.analysis.max_weight is None
    assert len(info.analysis.matches) == 2
    sim = simulation("bluegreen")
    info = parse_canary(sim.store.get("Canary", NS, APEX))
    assert info is not None and info.analysis is not None
    assert info.analysis.mirror is True and info.analysis.mirror_weight == 50


def test_the_strategies_example_runs_each_kind_of_analysis_to_its_end() -> None:
    sim = Simulation(load_scenario(str(Path(__file__).parents[2] / "examples" / "strategies.yaml")), seed=1)
    kinds = {}
    for key, spec in sim.canaries.items():
        info = parse_canary(sim.store.get("Canary", key.namespace, key.name))
        assert info is not None and info.analysis is not None
        has_match = bool(info.analysis.matches)
        kinds[key.name] = strategy_of(info.analysis.iterations, has_match, spec.provider)
        sim.release(key, faulty=False)
    assert kinds == {"examiner": Strategy.AB, "podinfo": Strategy.BLUE_GREEN, "shop": Strategy.CANARY}
    podinfo = CanaryKey("test", "podinfo")
    run_until(sim, lambda s: s.phase(podinfo) == "WaitingPromotion")
    sim.open_promotion_gate(podinfo)
    run_until(sim, lambda s: all(s.phase(key) == "Succeeded" for key in s.canaries))
