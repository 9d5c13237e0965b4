"""States of an A/B, a blue/green and a provider-kubernetes analysis, built from Canary and router objects as Flagger
v1.44 writes them, through the real parsers and reducer (status.canaryWeight stays 0; iterations count i of N)."""

from __future__ import annotations

from typing import Any

from tests import router_objects as ro
from tests.cluster import objects
from tui.domain.model import CanaryKey, FlaggerEvent, MetricSample
from tui.domain.observations import (
    CanaryObserved,
    CanarySelected,
    ClockTick,
    EventObserved,
    MetricsObserved,
    Observation,
    RouterObserved,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary, parse_router

KEY = CanaryKey(ro.NS, ro.APEX)
# 2026-03-04T12:00:00Z, the objects' lastTransitionTime; the last tick is at T0 + 40, the state 20 s later.
T0 = 1_772_625_600.0
NOW = T0 + 60.0
AB_MATCH = [{"headers": {"x-canary": {"exact": "insider"}}}]


def canary_object(phase: str, done: int, *, provider: str, **analysis: Any) -> dict[str, Any]:
    obj = objects.canary(ro.APEX, ro.NS, phase=phase, iterations=done, interval="1m", threshold=5)
    del obj["spec"]["analysis"]["maxWeight"], obj["spec"]["analysis"]["stepWeight"]
    obj["spec"]["analysis"].pop("stepWeightPromotion")
    obj["spec"]["analysis"].update(analysis)
    obj["spec"]["provider"] = provider
    return obj


def _type(message: str) -> str:
    return "Warning" if message.startswith("Halt ") else "Normal"


def build(
    obj: dict[str, Any],
    routers: tuple[dict[str, Any], ...] = (),
    events: tuple[str, ...] = (),
    rps: tuple[float, float] | None = None,
) -> AppState:
    return reduce_all(AppState(now=T0), observations(obj, routers, events, rps))


def observations(
    obj: dict[str, Any],
    routers: tuple[dict[str, Any], ...] = (),
    events: tuple[str, ...] = (),
    rps: tuple[float, float] | None = None,
) -> list[Observation]:
    """What a cluster source would report: the Canary, its router, Flagger's events and Prometheus' samples."""
    info = parse_canary(obj)
    assert info is not None
    found: list[Observation] = [CanaryObserved(info, T0), CanarySelected(KEY)]
    found += [RouterObserved(r) for r in map(parse_router, routers) if r is not None]
    # One event per analysis tick, the last one 20 s before now.
    start = T0 + 40.0 - 60.0 * (len(events) - 1)
    found += [
        EventObserved(FlaggerEvent(start + 60.0 * i, ro.NS, ro.APEX, _type(message), message, source="events"))
        for i, message in enumerate(events)
    ]
    if rps is not None:
        primary, canary = rps
        samples = tuple(
            MetricSample(ro.NS, name, NOW - 5.0 * k, 100.0, value, 12.0)
            for k in (2, 1, 0)
            for name, value in ((f"{ro.APEX}-primary", primary), (ro.APEX, canary))
        )
        found.append(MetricsObserved(samples))
    found.append(ClockTick(NOW))
    return found


def advances(upto: int, planned: int) -> tuple[str, ...]:
    head = ("New revision detected! Scaling up podinfo.test", "Starting canary analysis for podinfo.test")
    return head + tuple(f"Advance podinfo.test canary iteration {i}/{planned}" for i in range(1, upto + 1))


def ab(
    iteration: int = 4, phase: str = "Progressing", *, rps: tuple[float, float] | None = (45.0, 5.0), make: Any = build
) -> Any:
    """A/B over Gateway API: 10 iterations, a header match; the route's first rule sends matched users to the canary."""
    obj = canary_object(phase, iteration, provider="gatewayapi:v1", iterations=10, match=AB_MATCH)
    return make(obj, (ro.http_route(0, 100, ab=True),), advances(iteration, 10), rps)


def blue_green(
    iteration: int = 2, phase: str = "Progressing", *, routed: bool = False, mirror: bool = False, make: Any = build
) -> Any:
    """Blue/green on Istio, 5 iterations; `routed`: after "Routing all traffic to canary" (iterations 6)."""
    extra: dict[str, Any] = {"mirror": True, "mirrorWeight": 50} if mirror else {}
    obj = canary_object(phase, iteration, provider="istio", iterations=5, **extra)
    events = advances(min(iteration, 5), 5) + (("Routing all traffic to canary",) if routed else ())
    router = ro.virtual_service(0, 100) if routed else ro.virtual_service(100, 0)
    return make(obj, (router,), events)


def kubernetes(iteration: int = 3, phase: str = "Progressing", *, make: Any = build) -> Any:
    """Provider kubernetes, no iterations in the spec: Flagger runs 10 (blue/green), and no router exists."""
    obj = canary_object(phase, iteration, provider="kubernetes", stepWeight=10, maxWeight=50)
    return make(obj, (), advances(iteration, 10))
