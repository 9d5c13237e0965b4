"""Which context the app follows when it watches several: the fleet of every context's state, the focused context,
and the selection across contexts (`n` steps through every context's canaries, in the order the contexts were
given, then by namespace and name)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.domain.changes import same_keys
from tui.domain.fleet import LOCAL, Fleet, InContext, reduce_fleet
from tui.domain.fleet_health import context_health
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import CanariesListed, CanarySelected, Observation
from tui.domain.state import AppState, CanaryView
from tui.domain.triage_order import TriageOrder

# A context in one of these states lists nothing until it recovers; the first screen does not wait for it.
GAVE_UP = (Health.UNREACHABLE, Health.FORBIDDEN, Health.NOT_INSTALLED)


@dataclass(frozen=True)
class Selection:
    """A canary with the context it runs in; `key` None: nothing selected in that context."""

    context: str
    key: CanaryKey | None


def listing_contexts(observations: Iterable[Observation | InContext]) -> set[str]:
    """The contexts whose list of canaries is among these (LOCAL for observations of no context)."""
    listed: set[str] = set()
    for observation in observations:
        inner = observation.observations if isinstance(observation, InContext) else (observation,)
        if any(isinstance(o, CanariesListed) for o in inner):
            listed.add(observation.context if isinstance(observation, InContext) else LOCAL)
    return listed


class FleetFocus:
    def __init__(self, contexts: Sequence[str]) -> None:
        self.fleet = Fleet.of_contexts(contexts)
        self.context = contexts[0]
        # The contexts whose first list has not come: the first screen is every context's canaries, and until it
        # is drawn no context starts its other watches (their lists would compete with the canaries' for the CPU).
        self.unlisted = set(contexts)
        self._order = TriageOrder()
        # Every context's canaries when `n`'s order (by name) was last built, the order, and each selection's place
        # in it: a thousand canaries change many times a second, and only their coming and going changes it.
        self._names: tuple[dict[str, dict[CanaryKey, CanaryView]], list[Selection], dict[Selection, int]] | None = None

    @property
    def state(self) -> AppState:
        return self.fleet.state_of(self.context)

    @property
    def selection(self) -> Selection:
        return Selection(self.context, self.state.selected)

    def all_listed(self, observations: Iterable[Observation | InContext]) -> bool:
        """Whether, with these (folded) observations, the last context has brought its first list or failed to: a
        context that cannot be reached or read holds no other up."""
        if not self.unlisted:
            return False
        listed = listing_contexts(observations)
        self.unlisted = {
            context
            for context in self.unlisted
            if context not in listed and context_health(context, self.fleet.state_of(context)).state not in GAVE_UP
        }
        return not self.unlisted

    def fold(self, observations: Iterable[Observation | InContext]) -> bool:
        """True when any context's state changed."""
        fleet = reduce_fleet(self.fleet, observations)
        changed = fleet is not self.fleet
        self.fleet = fleet
        return changed

    def select(self, context: str, key: CanaryKey | None) -> None:
        if context not in self.fleet.states:
            return
        self.context = context
        if key is not None:
            self.fold([InContext(context, (CanarySelected(key),))])

    def ordered(self) -> list[Selection]:
        return self._ordered()[1]

    def _ordered(self) -> tuple[dict[str, dict[CanaryKey, CanaryView]], list[Selection], dict[Selection, int]]:
        """Sorted again only when some context's canaries (not just their views) or the contexts changed."""
        canaries = {context: state.canaries for context, state in self.fleet.states.items()}
        memo = self._names
        if (
            memo is not None
            and memo[0].keys() == canaries.keys()
            and all(same_keys(memo[0][c], canaries[c]) for c in canaries)
        ):
            self._names = (canaries, memo[1], memo[2])
            return self._names
        every = [Selection(context, key) for context, keys in canaries.items() for key in sorted(keys)]
        self._names = (canaries, every, {selection: index for index, selection in enumerate(every)})
        return self._names

    def next(self) -> Selection | None:
        """The canary after the followed one across every context, the first after the last."""
        _, every, index = self._ordered()
        if not every:
            return None
        place = index.get(self.selection)
        return every[(place + 1) % len(every)] if place is not None else every[0]

    def position(self) -> tuple[int, int] | None:
        """(k, n): the followed canary is the k-th of the n in every context, in the overview's order (triage)."""
        return self._order.position(self.fleet.states, self.context, self.state.selected)

    def count(self) -> int:
        return sum(len(state.canaries) for state in self.fleet.states.values())
