"""The overview's triage: who needs a human first, and in which order, for hand-built and random fleets."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.domain.model import Analysis, CanaryInfo, CanaryKey
from tui.domain.state import CanaryView
from tui.domain.triage import Severity, counts, phase_rank, ranked, triage

NOW = 10_000.0
PHASES = (
    None,
    "Initializing",
    "Initialized",
    "Waiting",
    "Progressing",
    "WaitingPromotion",
    "Promoting",
    "Finalising",
    "Succeeded",
    "Failed",
    "Terminating",
    "Terminated",
    "Bogus",
)


def view(
    name: str,
    phase: str | None,
    *,
    failed: int = 0,
    changed: float | None = NOW - 10,
    interval: float = 60,
    deleting: bool = False,
    sticky: int = 0,
) -> CanaryView:
    info = CanaryInfo(
        key=CanaryKey("apps", name),
        target=name,
        analysis=Analysis(interval_s=interval, threshold=5),
        phase=phase,
        failed_checks=failed,
        deleting=deleting,
    )
    return CanaryView(info=info, phase_since=changed, last_tick_at=changed, sticky_failed_checks=sticky)


def test_each_kind_of_trouble_has_its_severity_marker_and_reason() -> None:
    assert triage(view("a", "Failed", sticky=5), NOW).reason == "rolled back after 5 failed checks"
    assert triage(view("a", "Failed"), NOW).marker == "FAIL"
    halting = triage(view("a", "Progressing", failed=2), NOW)
    assert (halting.severity, halting.marker, halting.reason) == (
        Severity.HALTING,
        "HALT",
        "halting: 2/5 failed checks",
    )
    gated = triage(view("a", "WaitingPromotion", changed=NOW - 3600), NOW)
    assert (gated.marker, gated.reason) == ("GATE", "waiting for promotion approval"), "a gate is not stuck"
    stuck = triage(view("a", "Progressing", changed=NOW - 181, interval=60), NOW)
    assert (stuck.marker, stuck.reason) == ("HUNG", "no status change for 3+ intervals")
    assert triage(view("a", "Progressing", changed=NOW - 179, interval=60), NOW).severity == Severity.PROGRESSING
    assert triage(view("a", "Succeeded", deleting=True), NOW).marker == "TERM"
    assert triage(view("a", "Terminating"), NOW).needs_human
    for calm in ("Succeeded", "Initialized", "Progressing", None):
        found = triage(view("a", calm), NOW)
        assert not found.needs_human and found.marker == "" and found.reason == "", calm


def test_ranked_by_severity_then_the_latest_change_first() -> None:
    views = [
        view("ok", "Succeeded", changed=NOW - 1),
        view("old-failure", "Failed", changed=NOW - 500),
        view("moving", "Progressing", changed=NOW - 5),
        view("new-failure", "Failed", changed=NOW - 20),
        view("gate", "WaitingPromotion", changed=NOW - 30),
    ]
    views += [view("calm-b", "Succeeded", changed=NOW - 2), view("calm-a", "Succeeded", changed=NOW - 900)]
    assert [v.key.name for v, _ in ranked(views, NOW)] == [
        "new-failure",
        "old-failure",
        "gate",
        "moving",
        "calm-a",
        "calm-b",
        "ok",
    ], "canaries at rest in name order"


def test_counts_make_the_summary_line() -> None:
    views = [view("a", "Failed"), view("b", "Failed"), view("c", "WaitingPromotion")] + [
        view(f"ok-{i}", "Succeeded") for i in range(41)
    ]
    assert counts(triage(v, NOW) for v in views).line() == "2 failed · 1 waiting · 41 ok"
    assert counts([]).line() == "0 ok"


def test_phases_sort_by_urgency_not_by_their_icons() -> None:
    order = sorted(["Succeeded", "WaitingPromotion", "Failed", "Progressing", "Bogus"], key=phase_rank)
    assert order == ["Failed", "WaitingPromotion", "Progressing", "Succeeded", "Bogus"]


canary_views = st.builds(
    lambda i, phase, failed, age, interval, deleting: view(
        f"c{i}", phase, failed=failed, changed=None if age is None else NOW - age, interval=interval, deleting=deleting
    ),
    st.integers(0, 10_000),
    st.sampled_from(PHASES),
    st.integers(0, 6),
    st.one_of(st.none(), st.floats(0, 5000)),
    st.sampled_from([10.0, 60.0, 300.0]),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(canary_views, max_size=40))
def test_random_fleets_keep_the_severity_order(views: list[CanaryView]) -> None:
    rows = ranked(views, NOW)
    severities = [found.severity for _, found in rows]
    assert severities == sorted(severities)
    phases = [v.info.phase for v, _ in rows]
    if "Failed" in phases and "Succeeded" in phases:
        last_failed = max(i for i, p in enumerate(phases) if p == "Failed")
        first_succeeded = phases.index("Succeeded")
        assert last_failed < first_succeeded, "no Failed row below a Succeeded one"
    for (_, a), (_, b) in pairwise(rows):
        if a.severity == b.severity < Severity.REST and a.since is not None and b.since is not None:
            assert a.since >= b.since, "within a severity, the latest change first"
    assert all(found.needs_human == bool(found.marker) == bool(found.reason) for _, found in rows)
