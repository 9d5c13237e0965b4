"""Several clusters at once: one AppState per kubeconfig context, each folded by the same reducer.

A source that watches several contexts (or simulates several clusters) wraps each context's observations in
`InContext`; anything not wrapped belongs to the local context "" (a single cluster, or the simulation). Nothing
here knows how a context is reached: a context is a name, and its state is the one a single-cluster run would have.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from tui.domain.model import CanaryKey
from tui.domain.observations import Observation
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState, CanaryView

LOCAL = ""  # the one context of a single-cluster run


@dataclass(frozen=True)
class InContext:
    """Observations from one context of several."""

    context: str
    observations: tuple[Observation, ...]


@dataclass(frozen=True)
class FleetCanary:
    """A canary with the context it runs in (for rows that list every context's canaries)."""

    context: str
    view: CanaryView
    state: AppState

    @property
    def key(self) -> CanaryKey:
        return self.view.key


@dataclass(frozen=True)
class Fleet:
    """Every context's state, in the order the contexts were given."""

    states: dict[str, AppState] = field(default_factory=lambda: {LOCAL: AppState()})

    @classmethod
    def single(cls, state: AppState) -> Fleet:
        return cls({LOCAL: state})

    @classmethod
    def of_contexts(cls, contexts: Iterable[str]) -> Fleet:
        return cls({name: AppState() for name in contexts})

    @property
    def contexts(self) -> tuple[str, ...]:
        return tuple(self.states)

    @property
    def several(self) -> bool:
        return len(self.states) > 1

    def state_of(self, context: str) -> AppState:
        return self.states.get(context) or AppState()

    def canaries(self) -> Iterator[FleetCanary]:
        for context, state in self.states.items():
            for view in state.canaries.values():
                yield FleetCanary(context, view, state)


def _by_context(observations: Iterable[Observation | InContext]) -> dict[str, list[Observation]]:
    grouped: dict[str, list[Observation]] = {}
    for observation in observations:
        if isinstance(observation, InContext):
            grouped.setdefault(observation.context, []).extend(observation.observations)
        else:
            grouped.setdefault(LOCAL, []).append(observation)
    return grouped


def reduce_fleet(fleet: Fleet, observations: Iterable[Observation | InContext]) -> Fleet:
    """Each context's observations folded into its own state, in order; the same Fleet when nothing changed."""
    changed: dict[str, AppState] = {}
    for context, batch in _by_context(observations).items():
        old = fleet.states.get(context)
        new = reduce_all(old or AppState(), batch)
        if old is None or new is not old:
            changed[context] = new
    return replace(fleet, states={**fleet.states, **changed}) if changed else fleet
