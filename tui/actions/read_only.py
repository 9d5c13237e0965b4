"""Read-only mode: an implementation that refuses, so a mutating request cannot slip through."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.actions.base import ACTION_TITLES, ActionKind, Outcome
from tui.domain.model import CanaryKey

if TYPE_CHECKING:
    from tui.domain.observations import Observation
    from tui.domain.state import AppState


class ReadOnlyActions:
    read_only = True
    needs_confirmation = False
    blocking = False

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return f"{ACTION_TITLES[kind]} is disabled: canaryscope runs with --read-only"

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        return Outcome(False, f"Read-only: '{ACTION_TITLES[kind].lower()}' is disabled (started with --read-only)")

    def stop(self) -> None:
        pass

    def bind(self, report: Callable[[list[Observation]], None]) -> None:
        """Nothing to report: nothing is ever started."""

    def after_state(self, state: AppState) -> None:
        """Nothing to follow up: nothing is ever changed."""
