"""Kubernetes Events about Canaries: every count increase is one occurrence, the aggregation prefix goes."""

from __future__ import annotations

from typing import Any

from tui.kube.events import EventTracker


def event(
    count: int, message: str, *, last: str, first: str = "2026-03-04T12:00:00Z", uid: str = "e1", kind: str = "Canary"
) -> dict[str, Any]:
    return {
        "metadata": {"name": "examiner.17a", "namespace": "apps", "uid": uid},
        "involvedObject": {"kind": kind, "name": "examiner", "namespace": "apps"},
        "type": "Warning",
        "reason": "Synced",
        "message": message,
        "count": count,
        "firstTimestamp": first,
        "lastTimestamp": last,
    }


def test_first_sight_of_a_repeated_event_gives_first_and_last_occurrence() -> None:
    tracker = EventTracker()
    got = tracker.occurrences(event(7, "Halt x", last="2026-03-04T12:03:00Z"))
    assert [e.t for e in got] == [1772625600.0, 1772625780.0]
    assert all(e.source == "events" and e.type == "Warning" for e in got)


def test_each_count_increase_is_a_new_occurrence() -> None:
    tracker = EventTracker()
    assert len(tracker.occurrences(event(1, "Halt x", last="2026-03-04T12:00:00Z"))) == 1
    again = tracker.occurrences(event(2, "Halt x", last="2026-03-04T12:00:30Z"))
    assert [e.t for e in again] == [1772625630.0]
    assert tracker.occurrences(event(2, "Halt x", last="2026-03-04T12:00:30Z")) == [], "a re-list repeats nothing"


def test_the_combined_prefix_is_stripped() -> None:
    tracker = EventTracker()
    got = tracker.occurrences(
        event(
            3,
            "(combined from similar events): Advance examiner.apps canary weight 30",
            last="2026-03-04T12:10:00Z",
            first="2026-03-04T12:09:00Z",
        )
    )
    assert [e.message for e in got] == ["Advance examiner.apps canary weight 30"], (
        "a combined Event keeps only its latest message; its first occurrence said something else"
    )


def test_events_about_other_kinds_or_broken_ones_are_ignored() -> None:
    tracker = EventTracker()
    assert tracker.occurrences(event(1, "x", last="2026-03-04T12:00:00Z", kind="Pod")) == []
    assert tracker.occurrences({"involvedObject": {"kind": "Canary"}}) == []
    assert tracker.occurrences({"involvedObject": "nope", "message": 5}) == []
