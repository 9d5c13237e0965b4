"""The top line's `(k of N)`: a canary's place in the overview's triage order across every context, counted again
cheaply after a change."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ui.overview_fleets import mixed_state, two_contexts
from tui.domain import triage_order
from tui.domain.fleet import Fleet
from tui.domain.model import CanaryKey
from tui.domain.observations import CanaryObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.domain.triage import Severity, triage


def places(fleet: Fleet) -> dict[tuple[str, CanaryKey], int]:
    order = triage_order.TriageOrder()
    found = {}
    for context, state in fleet.states.items():
        for key in state.canaries:
            position = order.position(fleet.states, context, key)
            assert position is not None
            found[(context, key)] = position[0]
    return found


def test_every_canary_has_its_own_place_and_those_that_need_a_human_come_first() -> None:
    fleet = two_contexts()
    found = places(fleet)
    assert sorted(found.values()) == list(range(1, len(found) + 1))
    severity = {(c, k): triage(s.canaries[k], s.now).severity for c, s in fleet.states.items() for k in s.canaries}
    for one, place in found.items():
        for other, other_place in found.items():
            if severity[one] < severity[other]:
                assert place < other_place, (one, other)
    failed = [found[item] for item, level in severity.items() if level == Severity.FAILED]
    assert sorted(failed) == list(range(1, len(failed) + 1))


def test_canaries_that_tie_follow_the_contexts_in_the_order_given_then_their_names() -> None:
    calm = mixed_state(3, offset=27)  # three Succeeded canaries
    fleet = Fleet({"zeta": calm, "alpha": calm})
    found = places(fleet)
    ordered = sorted(calm.canaries)
    assert [found[("zeta", key)] for key in ordered] == [1, 2, 3]
    assert [found[("alpha", key)] for key in ordered] == [4, 5, 6]


def test_a_change_reads_the_triage_of_the_changed_canary_only(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[CanaryKey] = []
    real = triage_order.triage
    monkeypatch.setattr(triage_order, "triage", lambda view, now: counted.append(view.key) or real(view, now))
    state = mixed_state()
    order = triage_order.TriageOrder()
    selected = sorted(state.canaries)[0]
    assert order.position({"": state}, "", selected) is not None and len(counted) == 30
    counted.clear()
    view = state.canaries[selected]
    state = reduce_all(state, [CanaryObserved(replace(view.info, phase="Failed"), state.now)])
    # Failed now, it joins the two failed ones, after them: its last change is the oldest of the three.
    assert order.position({"": state}, "", selected) == (3, 30)
    assert counted == [selected]


def full_count(states: dict[str, AppState], context: str, selected: CanaryKey) -> tuple[int, int]:
    """The place by sorting every canary afresh: what the kept order must always equal."""
    keys = sorted(
        triage_order.order_key(triage(view, state.now), index, view.key)
        for index, state in enumerate(states.values())
        for view in state.canaries.values()
    )
    state = states[context]
    mine = triage_order.order_key(triage(state.canaries[selected], state.now), list(states).index(context), selected)
    return keys.index(mine) + 1, len(keys)


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_order_equals_a_full_sort_through_changes_time_and_deletions(seed: int) -> None:
    import random

    from tests.cluster import objects
    from tests.ui.overview_fleets import names
    from tui.domain.observations import CanaryDeleted, ClockTick
    from tui.kube.parse import parse_canary

    chooser = random.Random(seed)
    fleet = two_contexts()
    states = dict(fleet.states)
    order = triage_order.TriageOrder()
    phases = ("Succeeded", "Failed", "Progressing", "WaitingPromotion", "Terminating", "Promoting")
    for step in range(120):
        context = chooser.choice(list(states))
        state = states[context]
        roll = chooser.random()
        if roll < 0.15:
            # Time alone: canaries in flight become stuck after three intervals without a change.
            state = reduce_all(state, [ClockTick(state.now + chooser.choice((5, 30, 120, 900)))])
        elif roll < 0.22 and len(state.canaries) > 3:
            state = reduce_all(state, [CanaryDeleted(chooser.choice(sorted(state.canaries)), state.now)])
        else:
            namespace, name = chooser.choice(names())
            stamp = f"2026-03-04T{12 + step // 60:02d}:{step % 60:02d}:00Z"
            info = parse_canary(
                objects.canary(
                    name, namespace, phase=chooser.choice(phases), failed=chooser.choice((0, 1)), transition=stamp
                )
            )
            state = reduce_all(state, [CanaryObserved(info, state.now)])
        states[context] = state
        for where, each in states.items():
            for key in each.canaries:
                assert order.position(states, where, key) == full_count(states, where, key), (step, where, key)
