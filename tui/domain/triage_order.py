"""Where a canary stands in the overview's order (triage: who needs a human first, then the latest change), across
every context: the top line's `(k of N)` counts in the order the overview lists the rows.

Each canary's triage is read again only when its view is a new object (the reducer keeps unchanged views) or its
stuck deadline passed; the keys are kept sorted, so a place costs a bisection.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Mapping
from heapq import heapify, heappop, heappush

from tui.domain.changes import changed_keys
from tui.domain.model import CanaryKey
from tui.domain.state import AppState, CanaryView
from tui.domain.triage import Triage, rank, stuck_deadline, triage

OrderKey = tuple[int, float, int, str]


def order_key(found: Triage, context_index: int, key: CanaryKey) -> OrderKey:
    """Severity, the most recent change first, then the contexts in the order given and the names."""
    return (*rank(found), context_index, str(key))


class TriageOrder:
    """Every canary's order key, kept sorted: a change re-keys only the canaries whose view is a new object (or whose
    stuck deadline passed), and a place is a bisection, not a count over every canary."""

    def __init__(self) -> None:
        self._reset(())

    def _reset(self, contexts: tuple[str, ...]) -> None:
        # (context, canary) -> (the view it was found for, its order key, the time until which it holds)
        self._known: dict[tuple[str, CanaryKey], tuple[CanaryView, OrderKey, float]] = {}
        self._sorted: list[OrderKey] = []
        self._contexts = contexts
        self._seen: dict[str, Mapping[CanaryKey, CanaryView]] = {}
        # (holds, context, canary): the next keys that change with time alone.
        self._due: list[tuple[float, str, CanaryKey]] = []

    def position(
        self, states: Mapping[str, AppState], context: str, selected: CanaryKey | None
    ) -> tuple[int, int] | None:
        """(k, n): `selected` in `context` is the k-th of the n canaries of every context; None for fewer than 2."""
        state = states.get(context)
        if selected is None or state is None or selected not in state.canaries:
            return None
        self._update(states)
        total = len(self._sorted)
        if total < 2:
            return None
        mine = self._known[(context, selected)][1]
        return bisect_left(self._sorted, mine) + 1, total

    def _update(self, states: Mapping[str, AppState]) -> None:
        contexts = tuple(states)
        if contexts != self._contexts:
            self._reset(contexts)  # the contexts' order is in every key: start again
        for index, (context, state) in enumerate(states.items()):
            canaries = state.canaries
            seen = self._seen.get(context, {})
            if seen is not canaries:
                for key in changed_keys(seen, canaries):
                    self._put(context, index, key, canaries.get(key), state.now)
                self._seen[context] = canaries
        for context in [c for c in self._seen if c not in states]:
            for key in list(self._seen.pop(context)):
                self._put(context, 0, key, None, 0.0)
        self._rekey_due(states)

    def _rekey_due(self, states: Mapping[str, AppState]) -> None:
        latest = max((state.now for state in states.values()), default=0.0)
        later: list[tuple[float, str, CanaryKey]] = []
        while self._due and self._due[0][0] <= latest:
            entry = heappop(self._due)
            holds, context, key = entry
            state = states.get(context)
            known = self._known.get((context, key))
            if state is None or known is None or known[2] != holds:
                continue  # gone, or put again since with another deadline
            if state.now < holds:
                later.append(entry)  # that context's clock has not reached it yet
                continue
            self._put(context, self._contexts.index(context), key, state.canaries.get(key), state.now)
        for entry in later:
            heappush(self._due, entry)
        if len(self._due) > 4 * len(self._known) + 64:
            # Entries left behind by canaries put again before their deadline: keep the heap as large as the fleet.
            self._due = [(k[2], c, key) for (c, key), k in self._known.items() if k[2] != float("inf")]
            heapify(self._due)

    def _put(self, context: str, index: int, key: CanaryKey, view: CanaryView | None, now: float) -> None:
        known = self._known.pop((context, key), None)
        if known is not None:
            del self._sorted[bisect_left(self._sorted, known[1])]
        if view is None:
            return
        found = order_key(triage(view, now), index, view.key)
        deadline = stuck_deadline(view)
        # Before its deadline a canary in flight becomes stuck with time alone; after, only a new view changes it.
        holds = deadline if deadline is not None and now < deadline else float("inf")
        self._known[(context, key)] = (view, found, holds)
        insort(self._sorted, found)
        if holds != float("inf"):
            heappush(self._due, (holds, context, key))
