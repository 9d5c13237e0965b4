"""What a presenter uses besides the keys: scripts, asciicast recordings, screenshots, and notices that go into
the narration line while recording. The app calls in here; this module owns their timing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tui.actions import ActionKind, RolloutActions
from tui.domain.facts import canary_weight
from tui.domain.observations import CanarySelected, CaptionObserved, NoticeObserved, Observation
from tui.sources.port import Source

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.screen import Screen

    from tui.app.recording import CastRecorder
    from tui.app.script import Facts, Script, ScriptStep
    from tui.domain.state import AppState

SCRIPT_FAILED_EXIT = 1
# Refreshes a frame of a recording may wait for the screen to settle.
SETTLE_TRIES = 20
# How long a notice stays in the narration line of a recording, in virtual seconds.
NOTICE_S = 8.0
SIMPLE_ACTIONS = {
    "release": ActionKind.RELEASE,
    "faulty-release": ActionKind.FAULTY_RELEASE,
    "change-config": ActionKind.CHANGE_CONFIG,
    "inject-errors": ActionKind.INJECT_ERRORS,
    "promote": ActionKind.PROMOTE,
    "abort": ActionKind.ABORT,
}


def facts_of(state: AppState, script: Script) -> Facts:
    """The canary a script acts on as the screen shows it: phase, router weight (else status), failed checks."""
    from tui.app.script import Facts

    view = state.canaries.get(script.canary) if script.canary is not None else state.selected_view
    if view is None:
        return Facts(None)
    info = view.info
    weight, _status = canary_weight(state, view)
    return Facts(str(info.phase) if info.phase else None, weight or 0, info.failed_checks or 0)


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """A file name in `folder` that nothing uses yet: stem, then stem-2, stem-3, ..."""
    n = 1
    while True:
        path = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        if not path.exists():
            return path
        n += 1


class PresentedApp(Protocol):
    """What the presenter needs of the app (the app holds a presenter, so this module never imports it)."""

    source: Source
    actions: RolloutActions
    state: AppState
    screenshot_dir: Path

    @property
    def screen(self) -> Screen[Any]: ...

    @property
    def size(self) -> Size: ...

    @property
    def is_running(self) -> bool: ...

    def apply(self, observations: list[Observation]) -> None: ...

    def act(self, kind: ActionKind, *, confirmed: bool = False) -> None: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None: ...

    def push_screen(self, screen: Screen[Any], callback: Callable[[Any], None]) -> Any: ...

    def call_after_refresh(self, callback: Callable[..., Any]) -> bool: ...

    def call_later(self, callback: Callable[..., Any]) -> bool: ...

    def export_screenshot(self) -> str: ...

    async def action_quit(self) -> None: ...


class Presenter:
    def __init__(self, app: PresentedApp, script: Script | None, recorder: CastRecorder | None) -> None:
        self.app = app
        self.runner = None
        if script is not None:
            from tui.app.script import ScriptRunner  # only sessions with a script need it (and the YAML parser)

            self.runner = ScriptRunner(script)
        self.armed = False
        self.recorder = recorder
        self.frame_pending = False
        self.failure: str | None = None
        self._first_frame_tries = 0
        self._settle_tries = 0
        self._settled_in_a_row = 0
        self._ticking = False
        # The virtual second the script last looked at: within one advance of the simulation it runs ahead of
        # state.now, which moves when the advance is over.
        self._now = 0.0
        if recorder is not None and (pacing := app.source.pacing) is not None:
            # One frame per step of virtual time, whatever the machine's load: the same seed and script give
            # the same recording.
            pacing.hold = lambda: self.frame_pending

    @property
    def exit_code(self) -> int:
        return SCRIPT_FAILED_EXIT if self.failure is not None else 0

    # --- lifecycle --------------------------------------------------------------------------------------

    def mounted(self) -> None:
        if self.recorder is not None:
            self.frame_pending = True  # time stands still until the first frame is on record

    def started(self) -> None:
        """The first screen is up: arm the script (asking first on a cluster) and record the first frame."""
        if self.runner is not None:
            if self.app.actions.needs_confirmation:
                script = self.runner.script
                question = (
                    f"Run the script {script.name} ({len(script.steps)} steps) against "
                    f"{self.app.source.label}? Its actions will not ask again."
                )
                from tui.screens.confirm import ConfirmScreen

                self.app.push_screen(ConfirmScreen(question), self._confirmed)
            else:
                self._arm()
        if self.recorder is not None:
            self._first_frame_tries = 0
            self.app.call_after_refresh(self._record_first_frame)

    def state_changed(self, state: AppState) -> None:
        if self.armed and self.app.source.pacing is None:
            self.tick(state.now)
        if self.recorder is not None and not self.frame_pending:
            self.frame_pending = True
            self.app.call_after_refresh(self._record_frame)

    def stop(self) -> None:
        if self.recorder is not None:
            self._record_frame(force=True)
            self.recorder.close()

    # --- scripts ----------------------------------------------------------------------------------------

    def _confirmed(self, answer: bool | None) -> None:
        if answer:
            self._arm()
        else:
            self.app.notify("The script will not run", title="Script")

    def _arm(self) -> None:
        self.armed = True
        if (pacing := self.app.source.pacing) is not None:
            # In virtual time, steps fire before the exact virtual second they are due.
            pacing.before_step = self.tick

    def tick(self, now: float) -> None:
        """Fire every step that is due, each against the state the steps before it left."""
        runner = self.runner
        if runner is None or runner.done or self._ticking:
            return
        self._ticking = True
        self._now = now
        try:
            self.app.source.pump()  # act on the state as it is at this very second
            while (step := runner.next_due(now, facts_of(self.app.state, runner.script))) is not None:
                self._step(step)
                self.app.source.pump()
        finally:
            self._ticking = False
        if runner.failure is not None and self.failure is None:
            self._fail(runner.failure)

    def _fail(self, message: str) -> None:
        self.failure = message
        self.app.notify(message, title="Script failed", severity="error", timeout=60, markup=False)
        if self.recorder is not None:
            # Nobody watches a recording being made: it ends here, once the error is on a frame.
            self.app.call_after_refresh(self.app.action_quit)

    def _step(self, step: ScriptStep) -> None:
        assert self.runner is not None
        canary = self.runner.script.canary
        if canary is not None and canary in self.app.state.canaries and self.app.state.selected != canary:
            self.app.apply([CanarySelected(canary)])
        if step.action == "say":
            self.app.apply([CaptionObserved(step.text)])
        elif step.action == "quit":
            self.app.call_later(self.app.action_quit)
        elif step.action == "screenshot":
            self.screenshot()
        else:
            kind = self._kind(step.action)
            if kind is not None:
                self.app.act(kind, confirmed=True)

    def _kind(self, action: str) -> ActionKind | None:
        """The action for a step, or None when the state already is what the step asks (load-on when on)."""
        state = self.app.state
        if action in SIMPLE_ACTIONS:
            return SIMPLE_ACTIONS[action]
        if action in ("load-on", "load-off"):
            running = any(s.label == "background load" and s.running for s in state.loads.values())
            return ActionKind.TOGGLE_LOAD if running != (action == "load-on") else None
        if action in ("suspend", "resume"):
            view = state.selected_view
            suspended = bool(view and view.info.suspend)
            return ActionKind.TOGGLE_SUSPEND if suspended != (action == "suspend") else None
        return None

    # --- notices, screenshots ---------------------------------------------------------------------------

    def notice(self, message: str, title: str, severity: str) -> bool:
        """While recording, a notice goes into the narration line on virtual time (True: handled here)."""
        if self.recorder is None:
            return False
        # Toasts come and go by the wall clock; in a recording the narration line says it, on virtual time.
        text = f"{title}: {message}" if title else message
        now = max(self.app.state.now, self._now)
        self.app.apply([NoticeObserved(text, severity, now, now + NOTICE_S)])
        return True

    def screenshot(self) -> None:
        folder = self.app.screenshot_dir
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self.app.state.now or time.time()))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            svg = self.app.export_screenshot()
            while True:
                path = free_path(folder, f"canaryscope-{stamp}", ".svg").resolve()
                try:
                    with path.open("x", encoding="utf-8") as file:  # "x": never overwrite another screenshot
                        file.write(svg)
                    break
                except FileExistsError:  # taken between the check and the write
                    continue
        except OSError as exc:
            self.app.notify(
                f"Could not save the screenshot in {folder}: {exc.strerror or exc}",
                title="Screenshot",
                severity="error",
                markup=False,
            )
            return
        self.app.notify(f"Saved {path}", title="Screenshot", markup=False)

    # --- recordings -------------------------------------------------------------------------------------

    def _record_first_frame(self) -> None:
        # The first frame on record is the first screen laid out and showing the state at its real size: when
        # that happens depends on the machine's load, so waiting for it keeps a seed's recording the same.
        shown = getattr(self.app.screen, "shown_at_size", None)
        self._first_frame_tries += 1
        if shown is not None and not shown() and self._first_frame_tries < 100:
            self.app.call_after_refresh(self._record_first_frame)
            return
        self.app.call_after_refresh(self._record_frame)

    def _settled(self) -> bool:
        """No widget of the screen has work queued that changes what it shows (the events log scrolls to its
        newest line after a refresh, in its own task): a frame taken before that would depend on the load.

        A callback that runs after this one in the same batch of after-refresh callbacks cannot be seen from
        here, so a frame is taken only once the screen looked settled after two refreshes in a row."""
        screen = self.app.screen
        if getattr(screen, "_callbacks", None):
            return False
        return all(widget._message_queue.empty() for widget in screen.walk_children(with_self=True))

    def _record_frame(self, force: bool = False) -> None:
        if self.recorder is None or not self.app.is_running:
            self.frame_pending = False
            return
        if not force and self._settle_tries < SETTLE_TRIES:
            self._settled_in_a_row = self._settled_in_a_row + 1 if self._settled() else 0
            if self._settled_in_a_row < 2:
                self._settle_tries += 1
                self.app.call_after_refresh(self._record_frame)
                return
        self._settle_tries = self._settled_in_a_row = 0
        from tui.app.recording import screen_cells

        cells = screen_cells(self.app)
        self.frame_pending = False
        width, height = self.app.size
        self.recorder.frame(width, height, cells)
