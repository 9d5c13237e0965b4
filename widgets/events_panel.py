"""Flagger's event log: newest at the bottom, Warnings highlighted, bounded, with a filter (`/`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static

from tui.model import CanaryKey, FlaggerEvent
from tui.state import EVENT_LOG_LIMIT, AppState, LoggedEvent
from widgets import formatting as fmt


def event_line(event: FlaggerEvent, *, compact: bool) -> Content:
    warning = event.type == "Warning"
    icon, style = ("⚠", "$warning bold") if warning else ("·", "$text-muted")
    message_style = "$warning" if warning else ""
    stamp = (fmt.clock(event.t) + " ", "$text-muted")
    if compact:
        return Content.assemble(stamp, (icon + " ", style), (event.message, message_style))
    kind = (f"{icon} {event.type:<8}", style)
    origin = ("" if event.source == "logger" else f"  ({event.source})", "$text-muted")
    return Content.assemble(stamp, kind, (event.message, message_style), origin)


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
    EventsPanel VerticalScroll { scrollbar-size-vertical: 1; }
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
        self._lines: list[Content] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="event-scroll"):
            yield Static("", id="event-log")
        yield EventFilter(placeholder="filter events (Esc clears)", id="event-filter")

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            if self._state is not None:
                self._rewrite(self._state)

    def open_filter(self) -> None:
        box = self.query_one(EventFilter)
        box.display = True
        box.focus()

    @on(Input.Changed, "#event-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()
        if self._state is not None:
            self._rewrite(self._state)

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

    def _rewrite(self, state: AppState) -> None:
        chosen = self._selected(list(state.events))
        self._lines = [event_line(logged.event, compact=self.compact) for logged in chosen]
        self._last_seq = state.event_seq
        self._render_lines()

    def _render_lines(self) -> None:
        scroll = self.query_one("#event-scroll", VerticalScroll)
        # Follow the newest event unless the user has scrolled up to read older ones.
        follow = scroll.scroll_y >= scroll.max_scroll_y - 1
        self.query_one("#event-log", Static).update(Content("\n").join(self._lines))
        self._shown = len(self._lines)
        self._update_title()
        if follow:
            scroll.call_after_refresh(scroll.scroll_end, animate=False)

    def show(self, state: AppState) -> None:
        self._state = state
        if state.selected != self._key:
            self._key = state.selected
            self._rewrite(state)
            return
        if state.event_seq == self._last_seq:
            return
        fresh = [e for e in state.events if e.seq > self._last_seq]
        self._last_seq = state.event_seq
        added = [event_line(logged.event, compact=self.compact) for logged in self._selected(fresh)]
        if not added:
            return
        self._lines = (self._lines + added)[-EVENT_LOG_LIMIT:]
        self._render_lines()
