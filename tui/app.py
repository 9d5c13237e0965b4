"""The canaryscope application: applies observations through the reducer and lets screens render."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.markup import escape as escape_markup
from textual.screen import Screen

from styles import STYLESHEET
from tui import navigation
from tui.actions import ACTION_TITLES, ActionKind, Outcome, RolloutActions, why_not
from tui.app_messages import ObservationBatch, ObservationsPending
from tui.mailbox import Mailbox
from tui.model import CanaryKey
from tui.navigation import Navigator, screen_factories
from tui.observations import CanariesListed, CanarySelected, Observation
from tui.presenting import Presenter
from tui.redact import scrub
from tui.reducer import reduce_all
from tui.screen_diff import ScreenDiff
from tui.sources import Source
from tui.state import AppState
from tui.themes import DEFAULT_THEME, HIGH_CONTRAST, THEMES

if TYPE_CHECKING:
    from tui.recording import CastRecorder
    from tui.screens.detail import DetailScreen
    from tui.screens.help import HelpScreen
    from tui.screens.overview import OverviewScreen
    from tui.screens.presentation import PresentationScreen
    from tui.screens.rollout import RolloutScreen
    from tui.script import Script


class CanaryscopeApp(App[int]):
    CSS_PATH = str(STYLESHEET)
    TITLE = "canaryscope"
    BINDINGS = [
        Binding("r", "act('release')", "Release", id="release"),
        Binding("R", "act('faulty_release')", "Faulty release", id="faulty-release", key_display="R"),
        Binding("l", "act('toggle_load')", "Load", id="load"),
        Binding("e", "act('inject_errors')", "Errors", id="errors"),
        Binding("p", "act('promote')", "Promote", id="promote"),
        Binding("a", "act('abort')", "Abort", id="abort"),
        Binding("s", "act('toggle_suspend')", "Suspend", id="suspend"),
        Binding("d", "detail", "Detail", id="detail"),
        Binding("slash", "filter_events", "Filter", show=False, id="filter"),
        Binding("n", "next_canary", "Next canary", show=False, id="next-canary"),
        Binding("o", "overview", "Overview", show=False, id="overview"),
        Binding("escape", "back", "Back", show=False, id="back"),
        Binding("z", "presentation", "Present", id="presentation"),
        Binding("t", "next_theme", "Theme", show=False, id="theme"),
        Binding("ctrl+s", "screenshot_svg", "Screenshot", show=False, id="screenshot"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        # Before the screen's own ctrl+c (copy): SREs expect it to quit.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="interrupt"),
    ]

    def __init__(
        self,
        source: Source,
        actions: RolloutActions,
        *,
        start_with_overview: bool = False,
        theme: str = DEFAULT_THEME,
        script: Script | None = None,
        recorder: CastRecorder | None = None,
        screenshot_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.actions = actions
        self.state = AppState()
        # Screens are built when first opened and then kept (installed), so that a key press neither composes them
        # again nor leaves a screen's worth of widgets for the garbage collector.
        self.navigator = Navigator(
            self, screen_factories(source.label, actions.read_only), lambda: self.state.selected, self._select
        )
        # Without a named canary: the overview, until the first list shows whether there is more than one.
        self.start_with_overview = start_with_overview
        self._settled = not start_with_overview
        self.register_theme(HIGH_CONTRAST)
        self.theme = THEMES.get(theme, theme)
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.presenter = Presenter(self, script, recorder)
        # CANARYSCOPE_REPAINT=full turns the diff off (Textual's own output: every dirty region in full).
        self.screen_diff = None if os.environ.get("CANARYSCOPE_REPAINT") == "full" else ScreenDiff()

    @property
    def rollout_screen(self) -> RolloutScreen:
        return self.navigator.screen(navigation.ROLLOUT)  # type: ignore[return-value]

    @property
    def overview_screen(self) -> OverviewScreen:
        return self.navigator.screen(navigation.OVERVIEW)  # type: ignore[return-value]

    @property
    def detail_screen(self) -> DetailScreen:
        return self.navigator.screen(navigation.DETAIL)  # type: ignore[return-value]

    @property
    def help_screen(self) -> HelpScreen:
        return self.navigator.screen(navigation.HELP)  # type: ignore[return-value]

    @property
    def presentation_screen(self) -> PresentationScreen:
        return self.navigator.screen(navigation.PRESENTATION)  # type: ignore[return-value]

    # --- terminal output --------------------------------------------------------------------------------

    def _display(self, screen: Screen, renderable: Any) -> None:
        """Textual's hook that writes each compositor update: only the changed cells go out."""
        if self.screen_diff is not None and renderable is not None and self._writes_to_terminal():
            renderable = self.screen_diff.reduce(renderable, self.size.width)
        super()._display(screen, renderable)

    def _writes_to_terminal(self) -> bool:
        # The conditions under which Textual's _display writes; otherwise the update never reaches the terminal
        # and must not reach the model of it either.
        return (
            getattr(self, "_running", False)
            and not getattr(self, "_closed", True)
            and not self.is_headless
            and getattr(self, "_driver", None) is not None
            and not getattr(self, "_batch_count", 1)
        )

    def on_resize(self, _event: events.Resize) -> None:
        self._forget_screen()  # a resized terminal reflows what it showed

    def _forget_screen(self) -> None:
        if self.screen_diff is not None:
            self.screen_diff.forget()

    # --- data flow --------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.presenter.mounted()
        if self.screen_diff is not None:
            # After a suspension (Ctrl+Z, an editor) the terminal holds someone else's output.
            self.app_suspend_signal.subscribe(self, lambda _app: self._forget_screen())
            self.app_resume_signal.subscribe(self, lambda _app: self._forget_screen())
        # Textual holds back repaints while it mounts the app and drops a full frame composed meanwhile; later
        # frames repaint only what changed, so panels that did not change (the events panel's border) stayed
        # blank until the next full frame. The first screen goes up once the mount is over.
        self.call_later(self._start)

    def _start(self) -> None:
        self.navigator.start(navigation.OVERVIEW if self.start_with_overview else navigation.ROLLOUT)
        bind = getattr(self.actions, "bind", None)
        if bind is not None:
            bind(lambda observations: self.post_message(ObservationBatch(observations)))
        # Every source writes into the app's mailbox; a burst wakes the app once and is applied in one go.
        self.mailbox = Mailbox(wake=lambda: self.post_message(ObservationsPending()), deliver=self.apply)
        self.source.start(self.mailbox)
        if (pacing := self.source.pacing) is not None and pacing.autorun:
            self.set_interval(pacing.tick_s, pacing.step)
        # What exists once the first screen is up (libraries, screens) lives as long as the app. Moved out of the
        # collector's sight, a full collection only walks what came later: otherwise it walks a few hundred thousand
        # objects and stalls whatever key press it happens to interrupt by ~100 ms.
        self.call_after_refresh(_freeze_heap)
        # Again once a cluster's first lists are in (a thousand canaries arrive a second or two later).
        self.set_timer(3.0, gc.freeze)
        # Once the first frame is out, build what the first `?` needs, so that key is as quick as the rest.
        self.set_timer(1.0, lambda: self.help_screen)
        self.presenter.started()

    def on_unmount(self) -> None:
        gc.unfreeze()

    def apply(self, observations: list[Observation]) -> None:
        if not observations:
            return
        state = reduce_all(self.state, observations)
        if state is self.state:
            return
        self.state = state
        if not self._settled and any(isinstance(o, CanariesListed) for o in observations):
            self._settled = True
            self.navigator.settle(len(state.canaries))
        self._show(state)
        after = getattr(self.actions, "after_state", None)
        if after is not None:
            after(state)
        self.presenter.state_changed(state)

    @on(ObservationBatch)
    def _batch(self, message: ObservationBatch) -> None:
        self.apply(message.observations)

    @on(ObservationsPending)
    def _pending(self, _message: ObservationsPending) -> None:
        self.mailbox.flush()

    def _show(self, state: AppState) -> None:
        screen = self.screen
        show = getattr(screen, "show_state", None)
        if show is None and screen.is_modal and len(self.screen_stack) > 1:
            # Under a dialog (help, a question) only the top line keeps time: the display never looks frozen, and
            # the rest, which the dialog dims, is shown when the screen resumes.
            show = getattr(self.screen_stack[-2], "show_top_line", None)
        if show is not None:
            with self.batch_update():
                show(state)

    async def action_quit(self) -> None:
        self.source.stop()
        self.actions.stop()
        self.presenter.stop()
        self.exit(self.presenter.exit_code)

    # --- scripts, recordings, screenshots ----------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",  # type: ignore[override]
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast; its text is never markup unless asked for (messages quote names and errors from outside)."""
        message, title = scrub(message), scrub(title)  # an error may echo a credential the app holds
        if self.presenter.notice(message, title, severity):
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_screenshot_svg(self) -> None:
        self.presenter.screenshot()

    def action_next_theme(self) -> None:
        names = list(THEMES.values())
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]
        label = next(k for k, v in THEMES.items() if v == self.theme)
        self.notify(f"Theme: {label}", title="Theme")

    # --- actions ----------------------------------------------------------------------------------------

    def action_act(self, name: str) -> None:
        self._act(ActionKind(name))

    def _act(self, kind: ActionKind, *, confirmed: bool = False) -> None:
        key = self.state.selected
        if self.actions.read_only:
            self._report(self.actions.perform(kind, key) if key else Outcome(False, "Read-only"), kind)
            return
        reason = why_not(kind, self.state.selected_view)
        if reason is not None:
            self._report(Outcome(False, reason), kind)
            return
        if key is None:
            self._report(Outcome(False, "No canary selected"), kind)
            return
        if self.actions.needs_confirmation and not confirmed:
            question = self.actions.describe(kind, key)
            from tui.screens.confirm import ConfirmScreen

            self.push_screen(ConfirmScreen(question), partial(self._confirmed, kind, key))
            return
        self._perform(kind, key)

    def _confirmed(self, kind: ActionKind, key, answer: bool | None) -> None:  # type: ignore[no-untyped-def]
        if answer:
            self._perform(kind, key)
        else:
            self.notify("Nothing was changed", title=ACTION_TITLES[kind])

    def _perform(self, kind: ActionKind, key) -> None:  # type: ignore[no-untyped-def]
        if self.actions.blocking:
            self.run_worker(
                partial(self._perform_in_thread, kind, key), thread=True, group="actions", exit_on_error=False
            )
            return
        outcome = self.actions.perform(kind, key)
        self.source.pump()
        self._report(outcome, kind)

    def _perform_in_thread(self, kind: ActionKind, key) -> None:  # type: ignore[no-untyped-def]
        try:
            outcome = self.actions.perform(kind, key)
        except Exception as exc:  # an unexpected failure must reach the screen, not vanish in a worker
            outcome = Outcome(False, f"{ACTION_TITLES[kind]} failed: {exc.__class__.__name__}: {exc}")
        self.call_from_thread(self._report, outcome, kind)

    def _report(self, outcome: Outcome, kind: ActionKind) -> None:
        self.notify(
            outcome.message, title=ACTION_TITLES[kind], severity=outcome.severity, timeout=4 if outcome.ok else 7
        )

    # --- navigation -------------------------------------------------------------------------------------

    def navigate(self, move: str) -> None:
        if not self.navigator.go(move):
            self.notify("Answer the question first", title="Navigation")

    def action_detail(self) -> None:
        self.navigate(navigation.DETAIL)

    def action_overview(self) -> None:
        self.navigate(navigation.OVERVIEW)

    def action_presentation(self) -> None:
        self.navigate(navigation.PRESENTATION)

    def action_help(self) -> None:
        self.navigate(navigation.HELP)

    def action_back(self) -> None:
        self.navigate(navigation.BACK)

    def action_open_rollout(self) -> None:
        """From the overview to the highlighted canary's rollout screen."""
        self.navigate(navigation.OPEN)

    open_rollout = action_open_rollout

    def _select(self, key: CanaryKey) -> None:
        self.apply([CanarySelected(key)])

    def action_filter_events(self) -> None:
        if self.screen is self.rollout_screen:
            self.rollout_screen.open_filter()

    def action_next_canary(self) -> None:
        count = len(self.state.canaries)
        if count < 2:
            only = "No canary is in scope yet" if not count else f"{self.state.selected} is the only canary in scope"
            self.notify(only, title="Next canary")
            return
        following = self.state.next_canary()
        if following is not None:
            self._select(following)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for kind, title in ACTION_TITLES.items():
            yield SystemCommand(title, f"canaryscope action ({kind})", partial(self.action_act, kind.value))
        yield SystemCommand("Detail charts", "Success rate, latency and request rate as charts", self.action_detail)
        yield SystemCommand("Keys", "Show canaryscope's keys", self.action_help)
        yield SystemCommand("Next canary", "Follow the next canary in scope", self.action_next_canary)
        yield SystemCommand("Overview", "Every canary in scope", self.action_overview)
        yield SystemCommand("Presentation mode", "Phase, traffic and success rates, large", self.action_presentation)
        # The palette reads help as markup; a folder name is not.
        into = f"Into {escape_markup(str(self.screenshot_dir))}"
        yield SystemCommand("Save an SVG screenshot", into, self.action_screenshot_svg)
        yield SystemCommand("Filter events", "Filter Flagger's event log", self.action_filter_events)


def _freeze_heap() -> None:
    gc.collect()
    gc.freeze()
