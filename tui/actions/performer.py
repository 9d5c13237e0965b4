"""Actions carried out by planning each key and handing the steps to an effector: what every source shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from tui.actions.base import ActionKind, Outcome
from tui.actions.plan import Effector, FollowUp, Plan, Step
from tui.actions.planner import plan
from tui.domain.model import CanaryKey

if TYPE_CHECKING:
    from tui.domain.observations import Observation
    from tui.domain.state import AppState


class StepTaker(Protocol):
    def apply(self, key: CanaryKey, step: Step) -> Any: ...

    def schedule(self, follow_up: FollowUp) -> None: ...


def carry_out(taker: StepTaker, key: CanaryKey, planned: Plan) -> Outcome:
    """Take the plan's steps in order, keep its follow-ups, and word the outcome from the last step's result."""
    result = None
    for step in planned.steps:
        result = taker.apply(key, step)
    for follow_up in planned.follow_ups:
        taker.schedule(follow_up)
    return planned.say(result)


class PlannedActions:
    read_only = False
    needs_confirmation = False
    blocking = False

    def __init__(self, effector: Effector) -> None:
        self.effector = effector

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return f"{kind} {key}?"

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        return carry_out(self.effector, key, plan(kind, self.effector.facts(kind, key)))

    def bind(self, report: Callable[[list[Observation]], None]) -> None:
        """Where observations the actions make themselves go (nothing to report by default)."""

    def after_state(self, state: AppState) -> None:
        """Called with each new state (nothing to follow up by default)."""

    def stop(self) -> None:
        pass
