"""One mark per context for the top line (`east ● west ◌ 2`): the worst health among its sources and how many are
in trouble, so an outage in one context is seen at a glance while the others keep their own lines."""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain.fleet import Fleet
from tui.domain.model import Health, SourceHealth
from tui.domain.state import AppState

# Worst first: what a context's one mark shows when its sources disagree.
SEVERITY: tuple[Health, ...] = (
    Health.UNREACHABLE,
    Health.FORBIDDEN,
    Health.NOT_INSTALLED,
    Health.RECONNECTING,
    Health.CONNECTING,
    Health.CONNECTED,
)


@dataclass(frozen=True)
class ContextHealth:
    context: str
    state: Health
    troubled: tuple[SourceHealth, ...]  # sources neither connected nor switched off, worst first

    @property
    def attempt(self) -> int:
        return max((h.attempt for h in self.troubled), default=0)


def _rank(health: Health) -> int:
    return SEVERITY.index(health) if health in SEVERITY else len(SEVERITY)


def context_health(context: str, state: AppState) -> ContextHealth:
    kept = [h for h in state.health.values() if h.state is not Health.DISABLED]
    if not kept:
        return ContextHealth(context, Health.CONNECTING, ())
    troubled = tuple(
        sorted((h for h in kept if h.state is not Health.CONNECTED), key=lambda h: (_rank(h.state), h.source))
    )
    worst = troubled[0].state if troubled else Health.CONNECTED
    return ContextHealth(context, worst, troubled)


def fleet_health(fleet: Fleet) -> tuple[ContextHealth, ...]:
    """Each context's mark, in the order the contexts were given."""
    return tuple(context_health(context, state) for context, state in fleet.states.items())
