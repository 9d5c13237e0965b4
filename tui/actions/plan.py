"""What an action key does, as data: the steps to take now, what to undo later, and the facts it is decided from.

The planner (tui/actions/planner.py) turns facts into a plan; an effector (the simulation's, the cluster's)
carries out the steps. Neither decides what the other does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from tui.actions.base import ActionKind, Outcome
from tui.domain.model import CanaryKey


class Gate(StrEnum):
    """flagger-loadtester gates a canary's webhooks can point at (the webhook types that use them)."""

    PROMOTION = "confirm-promotion"
    TRAFFIC = "confirm-traffic-increase"
    ROLLBACK = "rollback"


class Load(StrEnum):
    BACKGROUND = "background"
    ERRORS = "errors"


class Voice(StrEnum):
    """Who is spoken about: the wording and a few rules differ between the simulation and a real cluster."""

    SIMULATION = "simulation"
    CLUSTER = "cluster"


# --- steps ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenGate:
    gate: Gate


@dataclass(frozen=True)
class CloseGate:
    gate: Gate


@dataclass(frozen=True)
class ToggleGate:
    """Close the gate if open, else open it; the result is whether it is open afterwards."""

    gate: Gate


@dataclass(frozen=True)
class SetSkipAnalysis:
    on: bool


@dataclass(frozen=True)
class SetSuspend:
    on: bool


@dataclass(frozen=True)
class StartLoad:
    load: Load


@dataclass(frozen=True)
class StopLoad:
    load: Load


@dataclass(frozen=True)
class Release:
    """A new version of the target; the result is the effector's own Outcome (only it knows the mechanism)."""

    faulty: bool


@dataclass(frozen=True)
class ChangeConfig:
    """A new value in the ConfigMap the target reads, its pod template untouched (Flagger tracks the ConfigMap's
    data, so this is a new revision too); the result is the effector's own Outcome, as for a Release."""


Step = OpenGate | CloseGate | ToggleGate | SetSkipAnalysis | SetSuspend | StartLoad | StopLoad | Release | ChangeConfig


@dataclass(frozen=True)
class FollowUp:
    """A step to take later, once the canary reaches one of `phases` (or is gone)."""

    key: CanaryKey
    step: Step
    phases: frozenset[str]
    what: str

    def due(self, phase: str | None, present: bool = True) -> bool:
        return not present or phase in self.phases


@dataclass(frozen=True)
class Plan:
    # A fixed outcome, or one worded from the last step's result (a Release's Outcome, a ToggleGate's bool).
    outcome: Outcome | Callable[[Any], Outcome]
    steps: tuple[Step, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()

    def say(self, result: Any) -> Outcome:
        return self.outcome(result) if callable(self.outcome) else self.outcome


# --- facts ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadFacts:
    """A load as it is (or would be) sent, for the outcome's wording."""

    concurrency: int
    rate: float
    duration_s: float | None
    url: str = ""
    delay: str = ""
    status: int | None = None


@dataclass(frozen=True)
class CanaryFacts:
    key: CanaryKey
    voice: Voice
    present: bool
    """The canary is known (in the simulation, in view on the cluster)."""
    suspended: bool = False
    gates: frozenset[Gate] = frozenset()
    background_on: bool = False
    background: LoadFacts | None = None
    errors: LoadFacts | None = None
    errors_running: bool = False
    errors_left_s: float | None = None
    """Seconds left of a running injection; None when it runs without an end."""


class Effector(Protocol):
    """Carries out steps on one kind of cluster; the facts it gives are all the planner decides from."""

    def facts(self, kind: ActionKind, key: CanaryKey) -> CanaryFacts: ...

    def apply(self, key: CanaryKey, step: Step) -> Any:
        """Take one step now; returns the step's result (see Release, ToggleGate), else None."""
        ...

    def schedule(self, follow_up: FollowUp) -> None:
        """Keep `follow_up` and apply its step once it is due."""
        ...
