"""Flagger's event log: newest at the bottom, Warnings highlighted, bounded, with a filter (`/`)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Vertical
from textual.widgets import Input, RichLog

from tui.model import CanaryKey, FlaggerEvent
from tui.state import EVENT_LOG_LIMIT, AppState, LoggedEvent
from widgets import formatting as fmt


@dataclass(frozen=True)
class LogColours:
    """Concrete colours from the current theme (the log renders Rich text, which knows no theme variables)."""

    muted: str
    warning: str

    @classmethod
    def from_theme(cls, variables: dict[str, str]) -> LogColours:
        try:
            foreground = Color.parse(variables.get("foreground", "#e0e0e0"))
            background = Color.parse(variables.get("background", "#000000"))
            muted = foreground.blend(background, 0.4).hex
        except Exception:  # ANSI themes name terminal colours ("ansi_default") that cannot be blended
            muted = "bright_black"
        warning = variables.get("warning", "yellow")
        if warning.startswith("ansi_"):
            warning = warning.removeprefix("ansi_")
        return cls(muted=muted, warning=warning)


def event_line(event: FlaggerEvent, colours: LogColours, *, compact: bool) -> Text:
    warning = event.type == "Warning"
    icon, style = ("⚠", f"bold {colours.warning}") if warning else ("·", colours.muted)
    message_style = colours.warning if warning else ""
    stamp = (fmt.clock(event.t) + " ", colours.muted)
    if compact:
        return Text.assemble(stamp, (icon + " ", style), (event.message, message_style))
    return Text.assemble(stamp, (f"{icon} {event.type:<8}", style), (event.message, message_style))


def matches(event: FlaggerEvent, needle: str) -> bool:
    if not needle:
        return True
    needle = needle.lower()
    return needle in event.message.lower() or needle in event.type.lower()


class EventFilter(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", show=False)]

    def action_clear_filter(self) -> None:
        self.value = ""
        self.display = False
        self.app.set_focus(None)


class EventsPanel(Vertical):
    DEFAULT_CSS = """
    EventsPanel {
        border: round $panel-lighten-2;
        border-title-color: $text-accent;
        padding: 0 0 0 1;
    }
    EventsPanel RichLog { background: transparent; scrollbar-size-vertical: 1; overflow-x: hidden; }
    EventsPanel EventFilter { display: none; height: 1; border: none; padding: 0; margin: 0 1 0 0; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Flagger events"
        self.compact = False
        self._key: CanaryKey | None = None
        self._last_seq = 0
        self._filter = ""
        self._state: AppState | None = None
        self._shown = 0
        self._written_width = 0

    def compose(self) -> ComposeResult:
        yield RichLog(max_lines=EVENT_LOG_LIMIT, wrap=True, min_width=20, auto_scroll=True, id="event-log")
        yield EventFilter(placeholder="filter events (Esc clears)", id="event-filter")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._refresh_all())

    def _refresh_all(self) -> None:
        if self._state is not None:
            self._rewrite(self._state)

    def on_resize(self, event: events.Resize) -> None:
        # The log wraps lines when they are written: a new width means writing them again, once laid out.
        if event.size.width and event.size.width != self._written_width:
            self.call_after_refresh(self._refresh_all)

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._refresh_all()

    def open_filter(self) -> None:
        box = self.query_one(EventFilter)
        box.display = True
        box.focus()

    @on(Input.Changed, "#event-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()
        self._refresh_all()

    def _selected(self, events: list[LoggedEvent]) -> list[LoggedEvent]:
        key = self._key
        return [
            e
            for e in events
            if (key is None or (e.event.namespace == key.namespace and e.event.name == key.name))
            and matches(e.event, self._filter)
        ]

    def _update_title(self) -> None:
        suffix = f" · filter “{self._filter}”: {self._shown}" if self._filter else ""
        self.border_title = f"Flagger events{suffix}"

    def _write(self, events: list[LoggedEvent]) -> None:
        if not events:
            return
        log = self.query_one(RichLog)
        # Follow the newest event unless the reader has scrolled up to older ones.
        follow = log.scroll_y >= log.max_scroll_y - 1
        colours = LogColours.from_theme(self.app.theme_variables)
        for logged in events:
            log.write(event_line(logged.event, colours, compact=self.compact), scroll_end=False)
        self._shown += len(events)
        if follow:
            # After the layout has taken the new lines in, or the end would be the old one.
            log.call_after_refresh(log.scroll_end, animate=False, immediate=True)

    def _rewrite(self, state: AppState) -> None:
        self.query_one(RichLog).clear()
        self._shown = 0
        self._written_width = self.size.width
        self._write(self._selected(list(state.events)))
        self._last_seq = state.event_seq
        self._update_title()

    def show(self, state: AppState) -> None:
        self._state = state
        if state.selected != self._key or state.event_seq < self._last_seq:
            self._key = state.selected
            self._rewrite(state)
            return
        if state.event_seq == self._last_seq:
            return
        fresh_at = [i for i, logged in enumerate(state.events) if logged.seq > self._last_seq]
        if fresh_at and fresh_at[0] != len(state.events) - len(fresh_at):
            # A late event went in between older ones: the log is written again in time order.
            self._key = state.selected
            self._rewrite(state)
            return
        fresh = [state.events[i] for i in fresh_at]
        self._last_seq = state.event_seq
        self._write(self._selected(fresh))
        if self._filter:
            self._update_title()

    def visible_text(self) -> str:
        """The log's lines as plain text (for tests and screen readers)."""
        return "\n".join(strip.text for strip in self.query_one(RichLog).lines)
