"""The action interface shared by the simulation and the cluster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from tui.domain.model import CanaryKey

if TYPE_CHECKING:
    from tui.domain.observations import Observation
    from tui.domain.state import AppState


class ActionKind(StrEnum):
    RELEASE = "release"
    FAULTY_RELEASE = "faulty_release"
    TOGGLE_LOAD = "toggle_load"
    INJECT_ERRORS = "inject_errors"
    PROMOTE = "promote"
    ABORT = "abort"
    TOGGLE_SUSPEND = "toggle_suspend"
    CHANGE_CONFIG = "change_config"


ACTION_TITLES: dict[ActionKind, str] = {
    ActionKind.RELEASE: "Release a new version",
    ActionKind.FAULTY_RELEASE: "Release a faulty version",
    ActionKind.TOGGLE_LOAD: "Background load on/off",
    ActionKind.INJECT_ERRORS: "Inject errors",
    ActionKind.PROMOTE: "Promote the canary",
    ActionKind.ABORT: "Abort (roll back) the canary",
    ActionKind.TOGGLE_SUSPEND: "Suspend/resume the canary",
    ActionKind.CHANGE_CONFIG: "Change the ConfigMap the target reads",
}

# Every action changes the cluster or sends load to it.
MUTATING = frozenset(ActionKind)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str

    @property
    def severity(self) -> str:
        return "information" if self.ok else "warning"


def errors_already_running(seconds_left: float | None) -> Outcome:
    """A second `e` while errors are injected: refused, since two injections would double the error rate."""
    left = f" ({int(seconds_left)}s left)" if seconds_left is not None else ""
    return Outcome(False, f"Errors are already being injected{left}: one injection at a time, e again once it ends")


class RolloutActions(Protocol):
    read_only: bool
    # On a real cluster every change asks first (unless the user opted out).
    needs_confirmation: bool
    # Blocking I/O: the app calls perform() from a worker thread when this is set.
    blocking: bool

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        """What will change, naming the object, for a confirmation prompt."""
        ...

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome: ...

    def stop(self) -> None:
        """Stop everything the actions started (load generators) when the app quits."""
        ...

    def bind(self, report: Callable[[list[Observation]], None]) -> None:
        """Where observations the actions make themselves go (load statistics), a thread-safe poster."""
        ...

    def after_state(self, state: AppState) -> None:
        """Called by the app with each new state: run the follow-ups whose moment has come."""
        ...
