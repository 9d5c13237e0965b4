"""Flagger's event log: newest at the bottom, Warnings highlighted, bounded, with a filter (`/`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.content import Content

if TYPE_CHECKING:
    from textual.widgets import Input

from tui.domain import wording
from tui.domain.model import CanaryKey, FlaggerEvent
from tui.domain.state import EVENT_LOG_LIMIT, AppState, LoggedEvent
from widgets.line_log import LineLog
from widgets.problems import problem


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
    stamp = (wording.clock(event.t) + " ", colours.muted)
    if compact:
        return Text.assemble(stamp, (icon + " ", style), (event.message, message_style))
    return Text.assemble(stamp, (f"{icon} {event.type:<8}", style), (event.message, message_style))


def matches(event: FlaggerEvent, needle: str) -> bool:
    if not needle:
        return True
    needle = needle.lower()
    return needle in event.message.lower() or needle in event.type.lower()


def _fresh_tail(events: Sequence[LoggedEvent], last_seq: int, added: int) -> list[LoggedEvent] | None:
    """The events logged after `last_seq` when all `added` of them are at the end of the log (found from the end,
    without a walk of the whole log); None when some are not (a late arrival went in between older ones)."""
    count, size = 0, len(events)
    while count < min(added, size) and events[size - 1 - count].seq > last_seq:
        count += 1
    if count < added:
        return None
    return list(events[size - count :])


class EventsPanel(Vertical):
    DEFAULT_CSS = """
    EventsPanel {
        border: round $panel-lighten-2;
        border-title-color: $text-accent;
        padding: 0 0 0 1;
    }
    EventsPanel LineLog { background: transparent; scrollbar-size-vertical: 1; }
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
        self._refused = ""

    def compose(self) -> ComposeResult:
        yield LineLog(EVENT_LOG_LIMIT, id="event-log")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._refresh_all())

    def _refresh_all(self) -> None:
        if self._state is not None:
            self._rewrite(self._state)

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._refresh_all()

    def open_filter(self) -> None:
        from widgets.event_filter import EventFilter

        boxes = self.query(EventFilter)
        box = boxes.first() if boxes else EventFilter(placeholder="filter events (Esc clears)", id="event-filter")
        if not boxes:
            self.mount(box)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "event-filter":
            return
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
        self.border_title = Content(f"Flagger events{suffix}")  # Content: a typed filter is never markup

    def _write(self, events: list[LoggedEvent]) -> None:
        if not events:
            return
        log = self.query_one(LineLog)
        colours = LogColours.from_theme(self.app.theme_variables)
        for logged in events:
            log.write(event_line(logged.event, colours, compact=self.compact))
        self._shown += len(events)
        log.follow()  # the newest event, unless the reader has scrolled up to older ones

    def _rewrite(self, state: AppState) -> None:
        self.query_one(LineLog).clear()
        self._shown = 0
        self._write(self._selected(list(state.events)))
        self._last_seq = state.event_seq
        self._update_title()

    def show(self, state: AppState) -> None:
        self._state = state
        # What keeps events from this panel, said on it (the top line may only have room to name the source).
        refused = " · ".join(
            f"⊘ {source} {text}" for source in ("events", "logger") if (text := problem(state, source))
        )
        if refused != self._refused:
            self._refused = refused
            self.border_subtitle = Content(refused) if refused else ""
        if state.selected != self._key or state.event_seq < self._last_seq:
            self._key = state.selected
            self._rewrite(state)
            return
        if state.event_seq == self._last_seq:
            return
        fresh = _fresh_tail(state.events, self._last_seq, state.event_seq - self._last_seq)
        if fresh is None or any(logged.replaces is not None for logged in fresh):
            # A late event went in between older ones, or a precise copy took over a line shown already: the log
            # is written again in Flagger's order.
            self._key = state.selected
            self._rewrite(state)
            return
        self._last_seq = state.event_seq
        self._write(self._selected(fresh))
        if self._filter:
            self._update_title()

    def visible_text(self) -> str:
        """The log's lines as plain text (for tests and screen readers)."""
        return "\n".join(strip.text for strip in self.query_one(LineLog).lines)
