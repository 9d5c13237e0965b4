"""What a panel says when the source it shows cannot be read: the refusal itself, never an empty panel."""

from __future__ import annotations

from tui.domain.model import Health, SourceHealth
from tui.domain.state import AppState

PROBLEMS = frozenset({Health.FORBIDDEN, Health.NOT_INSTALLED})


def healths(state: AppState, *sources: str) -> tuple[SourceHealth | None, ...]:
    """The health of each source, for slice keys."""
    return tuple(state.health.get(source) for source in sources)


def problem(state: AppState, *sources: str) -> str | None:
    """`forbidden: cannot list deployments.apps in apps` for the first of `sources` that cannot be read."""
    for source in sources:
        health = state.health.get(source)
        if health is not None and health.state in PROBLEMS and health.detail:
            return f"{health.state.value}: {health.detail}"
    return None
