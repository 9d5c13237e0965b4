"""`wait` reports A/B testing and blue/green progress in iterations, never as a weight Flagger does not write."""

from __future__ import annotations

from typing import Any

from tests import router_objects as ro
from tests import strategy_states as ss
from tui.domain.observations import CanaryObserved, Observation, RouterObserved
from tui.domain.reducer import reduce
from tui.domain.state import AppState
from tui.kube.parse import parse_canary, parse_router
from tui.wait.tracker import Outcome, WaitTracker


class Run:
    def __init__(self) -> None:
        self.state = AppState()
        self.tracker = WaitTracker(ss.KEY, "standin", ss.T0)
        self.now = ss.T0
        self.lines: list[str] = []

    def feed(self, *observations: Observation) -> list[str]:
        self.now += 60
        new: list[str] = []
        for observation in observations:
            self.state = reduce(self.state, observation)
            new += self.tracker.observe(self.state, self.now)
        new += self.tracker.flush(self.state, self.now)
        self.lines += new
        return [line.split(" ", 1)[1] for line in new]


def observed(obj: dict[str, Any]) -> CanaryObserved:
    info = parse_canary(obj)
    assert info is not None
    return CanaryObserved(info, ss.T0)


def router(obj: dict[str, Any]) -> RouterObserved:
    info = parse_router(obj)
    assert info is not None
    return RouterObserved(info)


def ab(phase: str, done: int) -> CanaryObserved:
    return observed(ss.canary_object(phase, done, provider="gatewayapi:v1", iterations=10, match=ss.AB_MATCH))


def test_ab_progress_lines_count_iterations() -> None:
    run = Run()
    start = run.feed(router(ro.http_route(100, 0, ab=True)), ab("Succeeded", 0))
    assert start[0].startswith("start test/podinfo phase Succeeded iteration 0/10 (A/B testing) revision"), start
    run.feed(router(ro.http_route(0, 100, ab=True)), ab("Progressing", 1))
    assert run.feed(ab("Progressing", 4)) == ["phase Progressing iteration 4/10 (A/B testing)"]
    assert not any("weight" in line or "router" in line for line in run.lines), run.lines


def test_waiting_promotion_alternating_iterations_prints_once() -> None:
    run = Run()
    run.feed(router(ro.http_route(0, 100, ab=True)), ab("Progressing", 10))
    # Flagger writes N-1 on entering WaitingPromotion, then N and N-1 on alternate ticks.
    lines = (
        run.feed(ab("WaitingPromotion", 9)) + run.feed(ab("WaitingPromotion", 10)) + run.feed(ab("WaitingPromotion", 9))
    )
    assert lines == ["phase WaitingPromotion iteration 10/10 (A/B testing)"], lines


def test_blue_green_on_kubernetes_and_its_exit_code() -> None:
    run = Run()

    def bg(phase: str, done: int) -> CanaryObserved:
        return observed(ss.canary_object(phase, done, provider="kubernetes", stepWeight=10))

    run.feed(bg("Progressing", 3))
    assert run.feed(bg("Progressing", 11)) == ["phase Progressing iteration 10/10 (blue/green)"]
    run.feed(bg("Succeeded", 0))
    assert run.tracker.verdict is not None and run.tracker.verdict.outcome is Outcome.SUCCEEDED


def test_blue_green_routed_to_the_canary() -> None:
    run = Run()
    bg = ss.canary_object("Progressing", 5, provider="istio", iterations=5)
    run.feed(router(ro.virtual_service(100, 0)), observed(bg))
    routed = ss.canary_object("Progressing", 6, provider="istio", iterations=5)
    lines = run.feed(router(ro.virtual_service(0, 100)), observed(routed))
    assert lines == ["phase Progressing iteration 5/5 (blue/green, all traffic on the canary)"], lines
