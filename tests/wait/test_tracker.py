"""The wait's decisions on folded state, for the cases a live run reaches only by bad luck."""

from __future__ import annotations

from typing import Any

from tests.cluster import objects
from tui.domain.model import CanaryKey, FlaggerEvent, Health, SourceHealth
from tui.domain.observations import CanaryObserved, EventObserved, HealthObserved, Observation, RouterObserved
from tui.domain.reducer import reduce
from tui.domain.state import AppState
from tui.kube.parse import parse_canary, parse_router
from tui.wait.tracker import Outcome, WaitTracker

KEY = CanaryKey("test", "examiner")
T0 = 1_772_625_600.0  # 2026-03-04T12:00:00Z


class Run:
    def __init__(self, *, router: bool = True) -> None:
        self.state = AppState()
        self.tracker = WaitTracker(KEY, "standin", T0)
        self.lines: list[str] = []
        self.now = T0
        if router:
            info = parse_router(objects.traffic_split())
            assert info is not None
            self.state = reduce(self.state, RouterObserved(info))

    def feed(self, *observations: Observation, later: float = 1.0) -> list[str]:
        self.now += later
        new: list[str] = []
        for observation in observations:
            self.state = reduce(self.state, observation)
            new += self.tracker.observe(self.state, self.now)
        new += self.tracker.flush(self.state, self.now)
        self.lines += new
        return new


def canary(**fields: Any) -> CanaryObserved:
    obj = objects.canary(**{k: v for k, v in fields.items() if k != "spec"})
    if "spec" in fields:
        obj["status"]["lastAppliedSpec"] = fields["spec"]
    info = parse_canary(obj)
    assert info is not None
    return CanaryObserved(info, T0)


def test_a_newer_revision_seen_only_as_succeeded_counts() -> None:
    run = Run()
    run.feed(canary(phase="Succeeded"))
    run.feed(canary(phase="Succeeded"), later=3)
    assert run.tracker.verdict is None
    # A re-list after a broken watch: the whole rollout happened in between.
    run.feed(canary(phase="Succeeded", spec="7f00aa6c1"))
    assert run.tracker.verdict is not None and run.tracker.verdict.outcome is Outcome.SUCCEEDED


def test_waiting_at_a_gate_is_a_release_in_flight() -> None:
    run = Run()
    lines = run.feed(canary(phase="Waiting"), later=3)
    assert lines[0].endswith("following the rollout in flight")
    run.feed(canary(phase="Progressing", weight=10))
    run.feed(canary(phase="Failed"))
    assert run.tracker.verdict is not None and run.tracker.verdict.outcome is Outcome.FAILED


def test_old_events_are_not_printed_and_new_ones_are() -> None:
    run = Run()
    run.feed(canary(phase="Succeeded"), later=3)
    old = FlaggerEvent(T0 - 60, "test", "examiner", "Normal", "Promotion completed! Scaling down examiner.test")
    new = FlaggerEvent(T0 + 5, "test", "examiner", "Normal", "New revision detected! Scaling up examiner.test")
    other = FlaggerEvent(T0 + 5, "test", "other", "Normal", "New revision detected! Scaling up other.test")
    lines = run.feed(EventObserved(old), EventObserved(other), EventObserved(new))
    assert lines == ["2026-03-04T12:00:05Z event Normal New revision detected! Scaling up examiner.test"]
    assert run.tracker.rollout_seen


def test_brief_trouble_is_quiet_and_lasting_trouble_is_one_line() -> None:
    run = Run()
    run.feed(canary(phase="Succeeded"), later=3)
    flap = SourceHealth("logger", Health.NOT_INSTALLED, "no running pod matches app=logger in monitoring")
    assert run.feed(HealthObserved(flap), later=0.1) == []
    assert run.feed(HealthObserved(SourceHealth("logger", Health.CONNECTED, "monitoring/logger-1")), later=0.1) == []
    for attempt in (1, 2, 3):
        trouble = SourceHealth("kubernetes", Health.UNREACHABLE, "standin: MaxRetryError", attempt)
        run.feed(HealthObserved(trouble), later=1.5)
    assert [line.split(" ", 1)[1] for line in run.lines if " health " in line] == [
        "health kubernetes unreachable: standin: MaxRetryError"
    ]
    back = run.feed(HealthObserved(SourceHealth("kubernetes", Health.CONNECTED, "standin")))
    assert [line.split(" ", 1)[1] for line in back] == ["health kubernetes connected: standin"]
    assert run.tracker.verdict is None


def test_the_start_line_waits_briefly_for_the_router() -> None:
    run = Run(router=False)
    run.feed(HealthObserved(SourceHealth("trafficsplits", Health.CONNECTING)), later=0)
    assert run.feed(canary(phase="Succeeded"), later=0.1) == []
    lines = run.feed(later=2.5)
    assert lines == [
        "2026-03-04T12:00:02Z start test/examiner phase Succeeded weight 0/50 (router ?) revision 5d4f8c9b7: "
        "waiting for a new revision"
    ]


def test_an_event_listed_by_the_events_api_first_is_printed_once() -> None:
    run = Run()
    run.feed(canary(phase="Succeeded"), later=3)
    text = "New revision detected! Scaling up examiner.test"
    coarse = FlaggerEvent(T0 + 5, "test", "examiner", "Normal", text, source="events")
    precise = FlaggerEvent(T0 + 5.25, "test", "examiner", "Normal", text)
    lines = run.feed(EventObserved(coarse))
    lines += run.feed(EventObserved(precise))
    assert lines == [f"2026-03-04T12:00:05Z event Normal {text}"]
    assert [e.event.t for e in run.state.events] == [T0 + 5.25]


def test_a_failing_pre_rollout_hook_is_reported_with_its_count() -> None:
    run = Run()
    run.feed(canary(phase="Progressing", weight=0), later=3)
    halt = "Halt examiner.test advancement pre-rollout check acceptance-test failed POST http://x/ giving up"
    first = FlaggerEvent(T0 + 5, "test", "examiner", "Warning", halt)
    lines = run.feed(EventObserved(first))
    assert "2026-03-04T12:00:05Z hook pre-rollout check acceptance-test failed (1/2)" in lines
    # The status read after the second halt already counts it; the line says 2, not 3.
    second = FlaggerEvent(T0 + 35, "test", "examiner", "Warning", halt.replace("giving up", "giving up again"))
    lines = run.feed(canary(phase="Progressing", weight=0, failed=2), EventObserved(second))
    assert "2026-03-04T12:00:35Z hook pre-rollout check acceptance-test failed (2/2)" in lines
    assert run.tracker.verdict is None
