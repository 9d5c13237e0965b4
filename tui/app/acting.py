"""From an action key to its outcome on screen: a refusal that says why, the question first where one is asked,
the work on a worker thread when it blocks, and the outcome as a toast."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.app import App

from tui.actions import ACTION_TITLES, ActionKind, Outcome, RolloutActions, why_not
from tui.domain.model import CanaryKey
from tui.domain.state import AppState


class Acting:
    # The app's actions, state and source are read when needed: the state is replaced on every change, and the
    # actions may be replaced after the app is built.
    def __init__(
        self,
        app: App[Any],
        actions: Callable[[], RolloutActions],
        state: Callable[[], AppState],
        pump: Callable[[], None],
    ) -> None:
        self._app = app
        self._get_actions = actions
        self._state = state
        self._pump = pump  # applies at once what a quick action changed

    @property
    def _actions(self) -> RolloutActions:
        return self._get_actions()

    def act(self, kind: ActionKind, *, confirmed: bool = False) -> None:
        """`kind` on the followed canary; `confirmed`: asked already (a script the user agreed to run)."""
        state = self._state()
        key = state.selected
        actions = self._actions  # the followed canary's context: the question and the change go there only
        if actions.read_only:
            self._report(actions.perform(kind, key) if key else Outcome(False, "Read-only"), kind)
            return
        reason = why_not(kind, state.selected_view)
        if reason is not None:
            self._report(Outcome(False, reason), kind)
            return
        if key is None:
            self._report(Outcome(False, "No canary selected"), kind)
            return
        if actions.needs_confirmation and not confirmed:
            question = actions.describe(kind, key)
            from tui.screens.confirm import ConfirmScreen

            self._app.push_screen(ConfirmScreen(question), partial(self._confirmed, actions, kind, key))
            return
        self._perform(actions, kind, key)

    def _confirmed(self, actions: RolloutActions, kind: ActionKind, key: CanaryKey, answer: bool | None) -> None:
        if answer:
            self._perform(actions, kind, key)
        else:
            self._app.notify("Nothing was changed", title=ACTION_TITLES[kind])

    def _perform(self, actions: RolloutActions, kind: ActionKind, key: CanaryKey) -> None:
        if actions.blocking:
            self._app.run_worker(
                partial(self._perform_in_thread, actions, kind, key), thread=True, group="actions", exit_on_error=False
            )
            return
        outcome = actions.perform(kind, key)
        self._pump()
        self._report(outcome, kind)

    def _perform_in_thread(self, actions: RolloutActions, kind: ActionKind, key: CanaryKey) -> None:
        try:
            outcome = actions.perform(kind, key)
        except Exception as exc:  # an unexpected failure must reach the screen, not vanish in a worker
            outcome = Outcome(False, f"{ACTION_TITLES[kind]} failed: {exc.__class__.__name__}: {exc}")
        self._app.call_from_thread(self._report, outcome, kind)

    def _report(self, outcome: Outcome, kind: ActionKind) -> None:
        self._app.notify(
            outcome.message, title=ACTION_TITLES[kind], severity=outcome.severity, timeout=4 if outcome.ok else 7
        )
