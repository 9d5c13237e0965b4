"""Actions over several contexts: one RolloutActions per context, and a view of them bound to one context that names
it in every confirmation and acts on that context's cluster only."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from tui.actions.base import ACTION_TITLES, ActionKind, Outcome, RolloutActions
from tui.domain.fleet import Fleet, InContext
from tui.domain.model import CanaryKey

if TYPE_CHECKING:
    from tui.domain.observations import Observation
    from tui.domain.state import AppState


class ContextActions:
    """The actions of one context, as the app acts through them: the question says which context it changes."""

    def __init__(self, context: str, inner: RolloutActions | None, *, read_only: bool) -> None:
        self.context = context
        self._inner = inner
        self.read_only = read_only if inner is None else inner.read_only
        self.needs_confirmation = inner.needs_confirmation if inner is not None else False
        self.blocking = inner.blocking if inner is not None else False

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        question = self._inner.describe(kind, key) if self._inner is not None else f"{kind} {key}?"
        return f"In context {self.context}: {question}"

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        if self._inner is None:
            return Outcome(False, f"{ACTION_TITLES[kind]}: context {self.context} is not connected yet")
        return self._inner.perform(kind, key)

    def stop(self) -> None:
        return None  # the fleet stops every context's actions

    def bind(self, report: Callable[[list[Observation]], None]) -> None:
        return None  # the fleet binds every context's actions

    def after_state(self, state: AppState) -> None:
        return None  # the fleet hands each context its own state


class FleetActions:
    """Every context's actions; `for_context` is what a key press acts through. Contexts whose kubeconfig entry
    loads later are added then (`add`, from a worker thread)."""

    def __init__(self, by_context: Mapping[str, RolloutActions], *, read_only: bool) -> None:
        self._by_context = dict(by_context)
        self.read_only = read_only
        self.needs_confirmation = any(a.needs_confirmation for a in self._by_context.values())
        self.blocking = any(a.blocking for a in self._by_context.values())
        self._report: Callable[[list[Observation]], None] | None = None
        self._lock = threading.Lock()

    def add(self, context: str, actions: RolloutActions) -> None:
        with self._lock:
            self._by_context[context] = actions
            report = self._report
        if report is not None:
            actions.bind(self._tagged(context, report))

    def for_context(self, context: str) -> ContextActions:
        with self._lock:
            inner = self._by_context.get(context)
        return ContextActions(context, inner, read_only=self.read_only)

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return f"{kind} {key}?"  # the app asks through for_context, which names the context

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        return Outcome(False, "Acting on several contexts needs a context")

    def bind(self, report: Callable[[list[Observation]], None]) -> None:
        """Load statistics of each context reach the app as that context's observations."""
        with self._lock:
            self._report = report
            members = list(self._by_context.items())
        for context, actions in members:
            actions.bind(self._tagged(context, report))

    @staticmethod
    def _tagged(context: str, report: Callable[[list[Observation]], None]) -> Callable[[list[Observation]], None]:
        def tagged(observations: list[Observation]) -> None:
            report([InContext(context, tuple(observations))])  # type: ignore[list-item]

        return tagged

    def after_state(self, state: AppState) -> None:
        return None  # see after_fleet

    def after_fleet(self, fleet: Fleet) -> None:
        with self._lock:
            members = list(self._by_context.items())
        for context, actions in members:
            actions.after_state(fleet.state_of(context))

    def stop(self) -> None:
        with self._lock:
            members = list(self._by_context.values())
        for actions in members:
            actions.stop()
