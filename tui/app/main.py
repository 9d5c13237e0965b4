"""The canaryscope application: applies observations through the reducer and lets screens render."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, SystemCommand
from textual.markup import escape as escape_markup
from textual.screen import Screen

from styles import STYLESHEET
from tui.actions import ActionKind, RolloutActions
from tui.app import navigation
from tui.app.acting import Acting
from tui.app.fleet_focus import FleetFocus, Selection
from tui.app.messages import ObservationBatch, ObservationsPending
from tui.app.navigation import Navigator, screen_factories
from tui.app.presenting import Presenter
from tui.app.screen_diff import ScreenDiff
from tui.app.terminal import Terminal
from tui.base.pump_calls import Alarm
from tui.base.redact import scrub
from tui.base.themes import DEFAULT_THEME, HIGH_CONTRAST, THEMES, next_theme
from tui.domain.fleet import Fleet
from tui.domain.fleet_health import ContextHealth, fleet_health
from tui.domain.model import CanaryKey
from tui.domain.observations import CanariesListed, CanarySelected, Observation
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.screens import keys
from tui.screens.moves import settled
from tui.sources.mailbox import Mailbox
from tui.sources.port import Source

# While observations stream in, they are folded and shown at most once per frame of this length: at a thousand
# canaries changing fifty times a second, each change would otherwise cost the screen a refresh and the compositor a
# frame of its own. A change more than a frame after the last one, or the first to follow it within a frame (a change
# right after the clock's tick), is shown at once: only a stream waits for frames. Twenty a second: a table that
# changes faster is not read any better, and at 1,000 canaries a 30th of a second cost a quarter more CPU (change to
# screen p95 40-50 ms at 30 a second, 70-105 ms at 15; BENCHMARKS.md).
FRAME_S = 1 / 20

if TYPE_CHECKING:
    from tui.app.recording import CastRecorder
    from tui.app.script import Script
    from tui.screens.analysis import AnalysisScreen
    from tui.screens.detail import DetailScreen
    from tui.screens.help import HelpScreen
    from tui.screens.overview import OverviewScreen
    from tui.screens.presentation import PresentationScreen
    from tui.screens.rollout import RolloutScreen


class CanaryscopeApp(App[int]):
    CSS_PATH = str(STYLESHEET)
    TITLE = "canaryscope"
    BINDINGS = keys.bindings(keys.APP)

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
        contexts: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.source = source
        self.actions = actions
        self.state = AppState()
        # Several kubeconfig contexts: every context's state, and the one followed (self.state is its state).
        self.focus = FleetFocus(contexts) if len(contexts) > 1 else None
        # Screens are built when first opened and then kept (installed), so that a key press neither composes them
        # again nor leaves a screen's worth of widgets for the garbage collector.
        self.navigator = Navigator(
            self, screen_factories(source.label, actions.read_only), self._followed, self._follow
        )
        # Without a named canary: the overview, until the first list shows whether there is more than one.
        self.start_with_overview = start_with_overview
        # With several contexts the overview stays the first screen: one context's first list says nothing of the rest.
        self._settled = not start_with_overview or self.focus is not None
        self._listed = False
        self._last_flush = float("-inf")
        self._streaming = False  # the last flush came within a frame of the one before: wait for frames
        self._frame_alarm = Alarm(self, self._flush_frame)
        self.register_theme(HIGH_CONTRAST)
        self.theme = THEMES.get(theme, theme)
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.presenter = Presenter(self, script, recorder)
        # A source that can make forecasts for the followed canary alone is told which one that is; a recording
        # keeps every canary's, since its replay may follow any of them.
        self._follow_source = getattr(source, "follow", None) if recorder is None else None
        self._forecasts_for: tuple[str | None, CanaryKey | None] | None = None
        # Likewise for the rows on screen, whose rates are asked every refresh (the rest less often on a large fleet).
        self._tell_in_view = (getattr(source, "in_view_by_context", None), getattr(source, "in_view", None))
        if recorder is not None:
            self._tell_in_view = (None, None)
        self._in_view: Mapping[str, frozenset[CanaryKey]] | bool | None = False  # False: nothing told yet
        self.terminal = Terminal(self)
        self._terminal_gone = False
        self.acting = Acting(self, self._acting_actions, lambda: self.state, lambda: self.source.pump())

    # The screens, by the navigator's names.
    rollout_screen: RolloutScreen = navigation.ScreenNamed(navigation.ROLLOUT)  # type: ignore[assignment]
    overview_screen: OverviewScreen = navigation.ScreenNamed(navigation.OVERVIEW)  # type: ignore[assignment]
    detail_screen: DetailScreen = navigation.ScreenNamed(navigation.DETAIL)  # type: ignore[assignment]
    analysis_screen: AnalysisScreen = navigation.ScreenNamed(navigation.ANALYSIS)  # type: ignore[assignment]
    help_screen: HelpScreen = navigation.ScreenNamed(navigation.HELP)  # type: ignore[assignment]
    presentation_screen: PresentationScreen = navigation.ScreenNamed(navigation.PRESENTATION)  # type: ignore[assignment]

    @property
    def screen_diff(self) -> ScreenDiff | None:
        """What the terminal was last sent, as the diff knows it (None: full repaints)."""
        return self.terminal.screen_diff

    # --- terminal output --------------------------------------------------------------------------------

    # Textual's private hook for each compositor update, handed to tui.app.terminal (only the changed cells go out). A
    # thin override rather than a mixin: one plain base class, and one visible method to override in a subclass.
    def _display(self, screen: Screen, renderable: Any) -> None:
        if self.terminal.gone():
            if not self._terminal_gone:
                self._terminal_gone = True
                self.exit(return_code=1)  # nobody can see or steer the app: its watches and load end with it
            return
        super()._display(screen, self.terminal.output(renderable))

    def on_resize(self, _event: events.Resize) -> None:
        self.terminal.forget()  # a resized terminal reflows what it showed

    # --- data flow --------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.presenter.mounted()
        self.terminal.mounted()
        # Textual holds back repaints while it mounts the app and drops a full frame composed meanwhile; later
        # frames repaint only what changed, so panels that did not change (the events panel's border) stayed
        # blank until the next full frame. The first screen goes up once the mount is over.
        self.call_later(self._start)

    def _start(self) -> None:
        if not self.start_with_overview:
            self.navigator.start(navigation.ROLLOUT)
        self.actions.bind(lambda observations: self.post_message(ObservationBatch(observations)))
        # Every source writes into the app's mailbox; a burst wakes the app once and is applied in one go.
        self.mailbox = Mailbox(wake=lambda: self.post_message(ObservationsPending()), deliver=self.apply)
        self.source.start(self.mailbox)
        if self.start_with_overview:
            # A source begun before the screen often holds the first list by now: applied before the first screen is
            # chosen, a lone canary opens on its own screen without the overview composed and drawn first.
            self.mailbox.flush()
            first = navigation.OVERVIEW
            if self._settled and self.focus is None:  # several contexts: the overview, whatever one of them lists
                first = settled((first,), len(self.state.canaries))[0]
            self.navigator.start(first)
        if (pacing := self.source.pacing) is not None and pacing.autorun:
            self.set_interval(pacing.tick_s, pacing.step)
        self.terminal.started(first_list_pending=not self._listed and hasattr(self.source, "first_list_shown"))
        # Once the first frame is out, build what the first `?` needs, so that key is as quick as the rest.
        self.set_timer(1.0, lambda: self.help_screen)
        self.presenter.started()

    def on_unmount(self) -> None:
        self.terminal.unmounted()

    def apply(self, observations: list[Observation]) -> None:
        if not observations:
            return
        if self.focus is not None:
            self._apply_fleet(observations)
            return
        listed = not self._listed and any(isinstance(o, CanariesListed) for o in observations)
        state = reduce_all(self.state, observations)
        if state is self.state:
            if listed:
                self._first_list_shown()  # an empty first list changes nothing, and is shown as it is
            return
        self.state = state
        if listed and not self._settled:
            self._settled = True
            if self.navigator.stack:  # else _start chooses the first screen from this state
                self.navigator.settle(len(state.canaries))
        self._show(state)
        if listed:
            self._first_list_shown()
        self.actions.after_state(state)
        self.presenter.state_changed(state)

    @property
    def fleet(self) -> Fleet:
        """Every context's state (a single cluster or the simulation: the one local context)."""
        return self.focus.fleet if self.focus is not None else Fleet.single(self.state)

    def fleet_line(self) -> tuple[str, tuple[ContextHealth, ...], tuple[int, int] | None] | None:
        """With several contexts: the followed one, every context's health mark and the followed canary's place
        among every context's canaries, for the top line."""
        if self.focus is None:
            return None
        return self.focus.context, fleet_health(self.focus.fleet), self.focus.position()

    def _apply_fleet(self, observations: list[Observation]) -> None:
        assert self.focus is not None
        folded = self.focus.fold(observations)
        listed = not self._listed and self.focus.all_listed(observations)
        if folded:
            self.state = self.focus.state
            self._show(self.state)
            after_fleet = getattr(self.actions, "after_fleet", None)
            if after_fleet is not None:
                after_fleet(self.focus.fleet)
            self.presenter.state_changed(self.state)
        if listed:
            self._first_list_shown()

    def _first_list_shown(self) -> None:
        """A source that waits to hear the first list is on screen (leaving it the CPU meanwhile) hears it after the
        screen has drawn it (what the screen scheduled to draw it runs first)."""
        self._listed = True
        self.terminal.first_list_shown()
        shown = getattr(self.source, "first_list_shown", None)
        if shown is not None:
            self.call_later(self.call_after_refresh, shown)

    @on(ObservationBatch)
    def _batch(self, message: ObservationBatch) -> None:
        self.apply(message.observations)

    @on(ObservationsPending)
    def _pending(self, _message: ObservationsPending) -> None:
        if self._frame_alarm.pending:
            return  # the burst is taken when the frame's timer fires, with whatever joined it meanwhile
        wait = self._last_flush + FRAME_S - time.monotonic()
        if wait > 0 and self._streaming:
            self._frame_alarm.arm(wait)
            return
        self._streaming = wait > 0
        self._flush_mailbox()

    def _flush_frame(self) -> None:
        self._flush_mailbox()

    def _flush_mailbox(self) -> None:
        self._last_flush = time.monotonic()
        self.mailbox.flush()

    def _show(self, state: AppState) -> None:
        self._tell_followed(state)
        if not self.screen_stack:
            return  # before the first screen is chosen: it shows the state when it mounts
        screen = self.screen
        show = getattr(screen, "show_state", None)
        if show is None and screen.is_modal and len(self.screen_stack) > 1:
            # Under a dialog (help, a question) only the top line keeps time: the display never looks frozen, and
            # the rest, which the dialog dims, is shown when the screen resumes.
            show = getattr(self.screen_stack[-2], "show_top_line", None)
        if self.focus is not None and (show_fleet := getattr(screen, "show_fleet", None)) is not None:
            with self.batch_update():
                show_fleet(self.focus.fleet)
            return
        if show is not None:
            with self.batch_update():
                show(state)

    def _tell_followed(self, state: AppState) -> None:
        if self._follow_source is None:
            return
        followed = (self.focus.context if self.focus is not None else None, state.selected)
        if followed != self._forecasts_for:
            self._forecasts_for = followed
            self._follow_source(*followed)

    def rows_in_view(self, shown: Mapping[str, frozenset[CanaryKey]] | None) -> None:
        """The canaries whose rows are on screen, by context (None: every canary's rates are shown, as when rows are
        sorted by one)."""
        if shown == self._in_view:
            return
        self._in_view = shown
        by_context, single = self._tell_in_view
        if by_context is not None:
            by_context(shown)
        elif single is not None:
            single(None if shown is None else frozenset().union(*shown.values()))

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
        self.theme, label = next_theme(self.theme)
        self.notify(f"Theme: {label}", title="Theme")

    # --- actions ----------------------------------------------------------------------------------------

    def action_act(self, name: str) -> None:
        self.act(ActionKind(name))

    def act(self, kind: ActionKind, *, confirmed: bool = False) -> None:
        """Act on the followed canary; `confirmed`: the user agreed already (to a script's actions)."""
        self.acting.act(kind, confirmed=confirmed)

    # --- navigation -------------------------------------------------------------------------------------

    def navigate(self, move: str) -> None:
        if not self.navigator.go(move):
            self.notify("Answer the question first", title="Navigation")

    def action_detail(self) -> None:
        self.navigate(navigation.DETAIL)

    def action_analysis(self) -> None:
        self.navigate(navigation.ANALYSIS)

    def action_overview(self) -> None:
        self.navigate(navigation.OVERVIEW)

    def action_presentation(self) -> None:
        self.navigate(navigation.PRESENTATION)

    def action_help(self) -> None:
        self.navigate(navigation.HELP)

    def action_back(self) -> None:
        overview = self.navigator.built(navigation.OVERVIEW)
        if overview is not None and self.screen is overview and overview.clear_filter():  # type: ignore[attr-defined]
            return  # a filter left on the overview is cleared first, then Esc goes back
        self.navigate(navigation.BACK)

    def action_open_rollout(self) -> None:
        """From the overview to the highlighted canary's rollout screen."""
        self.navigate(navigation.OPEN)

    open_rollout = action_open_rollout

    def _select(self, key: CanaryKey) -> None:
        if self.focus is not None:
            self.select_in(self.focus.context, key)
            return
        self.apply([CanarySelected(key)])

    def select_in(self, context: str, key: CanaryKey | None) -> None:
        """Follow `key` in `context` (with several contexts; otherwise the one context's canary)."""
        if self.focus is None:
            if key is not None:
                self._select(key)
            return
        before = self.focus.fleet
        self.focus.select(context, key)
        state = self.focus.state
        if state is not self.state or self.focus.fleet is not before:
            self.state = state
            self._show(state)

    def _followed(self) -> Selection | CanaryKey | None:
        return self.focus.selection if self.focus is not None else self.state.selected

    def _follow(self, chosen: Selection | CanaryKey) -> None:
        if isinstance(chosen, Selection):
            self.select_in(chosen.context, chosen.key)
        else:
            self._select(chosen)

    def _acting_actions(self) -> RolloutActions:
        for_context = getattr(self.actions, "for_context", None)
        if self.focus is not None and for_context is not None:
            return for_context(self.focus.context)  # type: ignore[no-any-return]
        return self.actions

    def action_filter_events(self) -> None:
        if self.screen is self.rollout_screen:
            self.rollout_screen.open_filter()
        elif self.screen is self.overview_screen:
            self.overview_screen.open_filter()

    def action_next_canary(self) -> None:
        if self.focus is not None:
            self._next_in_fleet()
            return
        count = len(self.state.canaries)
        if count < 2 and (count == 0 or self.state.selected in self.state.canaries):
            only = "No canary is in scope yet" if not count else f"{self.state.selected} is the only canary in scope"
            self.notify(only, title="Next canary")
            return
        following = self.state.next_canary()
        if following is not None:
            self._select(following)

    def _next_in_fleet(self) -> None:
        assert self.focus is not None
        if self.focus.count() < 2:
            only = "No canary is in scope yet" if not self.focus.count() else "This is the only canary in scope"
            self.notify(only, title="Next canary")
            return
        following = self.focus.next()
        if following is not None:
            self.select_in(following.context, following.key)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        # The palette reads help as markup; a folder name is not.
        screenshot_dir = escape_markup(str(self.screenshot_dir))
        for row in keys.palette_rows():
            method, params = row.method
            callback = partial(getattr(self, method), *params)
            yield SystemCommand(row.palette or "", row.palette_help.format(screenshot_dir=screenshot_dir), callback)
