"""What the keys do: one interface, one implementation per source, and a read-only one that refuses."""

from tui.actions.base import ACTION_TITLES, MUTATING, ActionKind, Outcome, RolloutActions
from tui.actions.read_only import ReadOnlyActions
from tui.actions.rules import why_not

__all__ = ["ACTION_TITLES", "MUTATING", "ActionKind", "Outcome", "ReadOnlyActions", "RolloutActions", "why_not"]
