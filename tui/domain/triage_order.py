"""Where a canary stands in the overview's order (triage: who needs a human first, then the latest change), across
every context: the top line's `(k of N)` counts in the order the overview lists the rows.

Counting again after every change reads each canary's triage: it is kept while the canary's view is the same object
(the reducer keeps unchanged views) and its stuck deadline has not passed, so a count costs a comparison per canary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tui.domain.model import CanaryKey
from tui.domain.state import AppState, CanaryView
from tui.domain.triage import Triage, rank, stuck_deadline, triage

OrderKey = tuple[int, float, int, str]


def order_key(found: Triage, context_index: int, key: CanaryKey) -> OrderKey:
    """Severity, the most recent change first, then the contexts in the order given and the names."""
    return (*rank(found), context_index, str(key))


class TriageOrder:
    def __init__(self) -> None:
        # (context, canary) -> (the view it was found for, its order key, the time until which it holds)
        self._known: dict[tuple[str, CanaryKey], tuple[CanaryView, OrderKey, float]] = {}

    def _key(self, context: str, index: int, view: CanaryView, now: float) -> OrderKey:
        known = self._known.get((context, view.key))
        if known is not None and known[0] is view and now < known[2] and known[1][2] == index:
            return known[1]
        key = order_key(triage(view, now), index, view.key)
        deadline = stuck_deadline(view)
        # Before its deadline a canary in flight becomes stuck with time alone; after, only a new view changes it.
        holds = deadline if deadline is not None and now < deadline else float("inf")
        self._known[(context, view.key)] = (view, key, holds)
        return key

    def position(
        self, states: Mapping[str, AppState], context: str, selected: CanaryKey | None
    ) -> tuple[int, int] | None:
        """(k, n): `selected` in `context` is the k-th of the n canaries of every context; None for fewer than 2."""
        state = states.get(context)
        if selected is None or state is None or selected not in state.canaries:
            return None
        total = sum(len(s.canaries) for s in states.values())
        if total < 2:
            return None
        contexts: Sequence[str] = list(states)
        mine = self._key(context, contexts.index(context), state.canaries[selected], state.now)
        before = sum(
            1
            for index, (where, each) in enumerate(states.items())
            for view in each.canaries.values()
            if self._key(where, index, view, each.now) < mine
        )
        if len(self._known) > total:
            self._forget_gone(states)
        return before + 1, total

    def _forget_gone(self, states: Mapping[str, AppState]) -> None:
        for where, key in list(self._known):
            state = states.get(where)
            if state is None or key not in state.canaries:
                del self._known[(where, key)]
