"""From an action key to its outcome: refusals, the question first, the worker thread, the toast."""

from __future__ import annotations

import threading
from typing import Any

from tests.simkit import EXAMINER, sim_app
from tests.waiting import settle
from tui.actions import ActionKind, Outcome, ReadOnlyActions
from tui.app import CanaryscopeApp
from tui.domain.model import CanaryKey
from tui.screens.confirm import ConfirmScreen
from tui.sim.actions import SimActions

SIZE = (120, 40)


class Watched:
    """The simulation's own actions, with a question, a worker thread or a failure as a cluster's could have."""

    read_only = False

    def __init__(self, inner: SimActions, *, confirm: bool = False, blocking: bool = False, fail: bool = False):
        self.inner = inner
        self.needs_confirmation = confirm
        self.blocking = blocking
        self.fail = fail
        self.performed: list[tuple[ActionKind, CanaryKey, bool]] = []  # kind, canary, on the UI thread

    def describe(self, kind: ActionKind, key: CanaryKey) -> str:
        return f"Really {kind} {key}?"

    def perform(self, kind: ActionKind, key: CanaryKey) -> Outcome:
        self.performed.append((kind, key, threading.current_thread() is threading.main_thread()))
        if self.fail:
            raise RuntimeError("the server hung up")
        return self.inner.perform(kind, key)

    def bind(self, post: Any) -> None:
        self.inner.bind(post)

    def after_state(self, state: Any) -> None:
        self.inner.after_state(state)

    def stop(self) -> None:
        self.inner.stop()


def watched_app(**options: Any) -> tuple[CanaryscopeApp, Watched, list[tuple[str, dict[str, Any]]]]:
    app, _source, sim = sim_app("seed")
    actions = Watched(SimActions(sim), **options)
    app.actions = actions
    notes: list[tuple[str, dict[str, Any]]] = []
    app.notify = lambda message, **kw: notes.append((message, kw))  # type: ignore[method-assign]
    return app, actions, notes


async def test_a_question_answered_no_changes_nothing_and_says_so() -> None:
    app, actions, notes = watched_app(confirm=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.state.selected == EXAMINER, "the canary followed")
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert app.screen.question == f"Really release {EXAMINER}?"  # type: ignore[attr-defined]
        await pilot.press("n")
        await settle(pilot, lambda: bool(notes), "the answer's notice")
    assert actions.performed == []
    assert notes == [("Nothing was changed", {"title": "Release a new version"})]


async def test_a_question_answered_yes_acts_and_reports() -> None:
    app, actions, notes = watched_app(confirm=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.state.selected == EXAMINER, "the canary followed")
        await pilot.press("R")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await settle(pilot, lambda: bool(notes), "the outcome")
    assert [(kind, key) for kind, key, _ in actions.performed] == [(ActionKind.FAULTY_RELEASE, EXAMINER)]
    assert notes[0][0].startswith("Released a faulty apps/examiner")
    assert notes[0][1]["title"] == "Release a faulty version"


async def test_an_action_the_user_agreed_to_already_is_not_asked_again() -> None:
    app, actions, notes = watched_app(confirm=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.state.selected == EXAMINER, "the canary followed")
        app.act(ActionKind.TOGGLE_LOAD, confirmed=True)
        await settle(pilot, lambda: bool(notes), "the outcome")
        assert not isinstance(app.screen, ConfirmScreen)
    assert [kind for kind, _, _ in actions.performed] == [ActionKind.TOGGLE_LOAD]


async def test_a_blocking_action_runs_off_the_ui_thread_and_its_failure_is_shown() -> None:
    app, actions, notes = watched_app(blocking=True, fail=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.state.selected == EXAMINER, "the canary followed")
        await pilot.press("e")
        await settle(pilot, lambda: bool(notes), "the failure")
    assert actions.performed == [(ActionKind.INJECT_ERRORS, EXAMINER, False)]
    message, options = notes[0]
    assert message == "Inject errors failed: RuntimeError: the server hung up"
    assert options["severity"] == "warning" and options["title"] == "Inject errors"


async def test_a_refused_action_says_why_and_is_not_performed() -> None:
    app, actions, notes = watched_app(confirm=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.state.selected == EXAMINER, "the canary followed")
        await pilot.press("p")  # nothing is being analysed: there is nothing to promote
        await settle(pilot, lambda: bool(notes), "the refusal")
        assert not isinstance(app.screen, ConfirmScreen)
    assert actions.performed == []
    assert notes[0][1]["severity"] == "warning"


async def test_read_only_refuses_every_action() -> None:
    app, _source, _sim = sim_app("seed")
    app.actions = ReadOnlyActions()
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.state.selected == EXAMINER, "the canary followed")
        for key in "rRleas":
            await pilot.press(key)
        await settle(pilot, lambda: len(notes) == 6, "six refusals")
    assert all(note.startswith("Read-only: ") for note in notes)
