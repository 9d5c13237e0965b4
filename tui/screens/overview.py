"""Every canary in scope on one table: sortable, Enter opens one, the action keys act on the highlighted one."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from tui.base.pump_calls import Alarm
from tui.domain import facts, wording
from tui.domain.changes import changed_keys
from tui.domain.fleet import LOCAL, Fleet
from tui.domain.fleet_health import fleet_health
from tui.domain.model import CanaryKey, Health, MetricSample
from tui.domain.names import primary_name
from tui.domain.observations import CanarySelected
from tui.domain.progress import progress
from tui.domain.short_names import distinct_short
from tui.domain.state import AppState, CanaryView
from tui.domain.triage import MARKER_WIDTH, Severity, Triage, phase_rank, rank, stuck_deadline, tally, triage
from tui.domain.triage_order import order_key
from tui.screens import keys, moves
from widgets.canary_table import CanaryTable
from widgets.key_bar import KeyBar
from widgets.overview_filter import OverviewFilter, matches
from widgets.pace import PACE_FROM, PACE_S, Pace
from widgets.scope_note import empty_scope, scope_of, trouble_line
from widgets.steady_static import SteadyStatic
from widgets.topbar import TopBar

COLUMNS = ("namespace", "name", "phase", "weight", "failed", "primary SR", "canary SR", "why · last event")
NARROW_TITLES = ("ns", "name", "phase", "weight", "fail", "SR p", "SR c", "why · event")
# Added after the cells above (so that their indexes stay), drawn first: the triage marker, then the context when
# there are several.
MARKER_TITLE = ""  # its words (FAIL, HALT, …) say what the column is
CONTEXT_TITLE = "context"
MARKER = 8
CONTEXT = 9
# Fixed widths: a column sized by whatever arrived first would change with the order of updates. The last event
# takes the width that is left, so the table never scrolls sideways.
FULL_WIDTHS = (10, 16, 18, 14, 6, 10, 9)
NARROW_WIDTHS = (5, 11, 13, 7, 4, 5, 5)
CONTEXT_WIDTHS = (10, 6)  # full, narrow
FULL_FROM = 120
SCROLLBAR = 2  # kept free for the vertical scrollbar, so the columns do not move when it appears
MIN_EVENT = 8


@dataclass(frozen=True)
class Columns:
    """The overview's columns at one terminal width: full titles and forms from 120 columns, narrow below; a
    context column when the fleet has several contexts."""

    titles: tuple[str, ...]
    widths: tuple[int, ...]
    padding: tuple[int, int]
    narrow: bool = False
    several: bool = False
    # Each context's name as its column shows it, cut so that the contexts still tell apart.
    contexts: tuple[tuple[str, str], ...] = ()

    @property
    def shown(self) -> tuple[int, ...]:
        """The cells in the order drawn: marker, context, then the rest."""
        lead = (MARKER, CONTEXT) if self.several else (MARKER,)
        return (*lead, *range(MARKER))

    def context_text(self, context: str) -> str:
        return next((short for name, short in self.contexts if name == context), context)


MIN_NAMESPACE = 3


def columns_for(width: int, several: bool = False, contexts: Sequence[str] = ()) -> Columns:
    narrow = width < FULL_FROM
    titles, fixed = (NARROW_TITLES, NARROW_WIDTHS) if narrow else (COLUMNS, FULL_WIDTHS)
    padding = (0, 1)
    extra_titles: tuple[str, ...] = (MARKER_TITLE,)
    extra_widths: tuple[int, ...] = (MARKER_WIDTH,)
    if several:
        extra_titles += (CONTEXT_TITLE if not narrow else "ctx",)
        extra_widths += (CONTEXT_WIDTHS[narrow],)
    count = len(titles) + len(extra_titles)
    used = sum(fixed) + sum(extra_widths) + count * sum(padding) + SCROLLBAR
    event = max(MIN_EVENT, width - used)
    shorts: dict[str, str] | None = {}
    if several and contexts:
        fixed, event, context_width, shorts = _room_for_contexts(
            contexts, fixed, event, extra_widths[-1], extra_titles[-1]
        )
        extra_widths = (*extra_widths[:-1], context_width)
    widths = (*fixed, event, *extra_widths)
    # A title wider than its column is cut with `…` too.
    shown = tuple(wording.shorten(title, width) for title, width in zip((*titles, *extra_titles), widths, strict=True))
    return Columns(shown, widths, padding, narrow, several, tuple((shorts or {}).items()))


def _room_for_contexts(
    contexts: Sequence[str], fixed: tuple[int, ...], event: int, width: int, title: str
) -> tuple[tuple[int, ...], int, int, dict[str, str] | None]:
    """The context column as wide as the contexts need to tell apart when cut: the cells it needs come from the
    last event's spare width, then from the namespace column (its neighbour, which the filter and the rollout
    screen show whole). Returns the fixed widths, the event's width, the context's and each context's cut."""
    # Names shorter than the column give the cells they do not need to the last event.
    fit = max(len(title), max(len(name) for name in contexts))
    if fit < width:
        event, width = event + width - fit, fit
    shorts = distinct_short(contexts, width)
    needed = width
    longest = max(len(name) for name in contexts)
    while shorts is None and needed < longest:
        needed += 1
        shorts = distinct_short(contexts, needed)
    extra = needed - width
    from_event = min(extra, max(0, event - MIN_EVENT))
    from_namespace = min(extra - from_event, max(0, fixed[0] - MIN_NAMESPACE))
    width += from_event + from_namespace
    if shorts is not None and from_event + from_namespace < extra:
        shorts = distinct_short(contexts, width)  # not all the room it needed: the best cut in what there is
    return (fixed[0] - from_namespace, *fixed[1:]), event - from_event, width, shorts


FULL_COLUMNS = columns_for(FULL_FROM)


def _latest_rate(series: tuple[MetricSample, ...]) -> float | None:
    return series[-1].success_rate if series else None


def _rate_text(value: float | None, narrow: bool) -> str:
    if value is None:
        return "–" if narrow else "no data"
    if narrow:
        text = wording.percent(value, 1)
        return text if len(text) <= 5 else wording.percent(value, 0)  # `100%`, not `100.0%`, in five cells
    return wording.percent(value, 2)


def row_for(
    state: AppState, view: CanaryView, columns: Columns = FULL_COLUMNS, context: str = LOCAL
) -> tuple[str, ...]:
    info = view.info
    widths, narrow = columns.widths, columns.narrow
    weight, status = facts.canary_weight(state, view)
    weight_text = wording.weight(weight)
    shown = progress(state, view)
    if shown.by_iterations:
        # A/B and blue/green count iterations; their router's weights are not a share of all traffic.
        weight_text = shown.counter if narrow else f"{shown.short_label} {shown.counter}"
    elif status != weight:
        weight_text += f" ({wording.number(status)})" if narrow else f" (status {wording.number(status)})"
    failed = facts.failed_checks(view)
    found = triage(view, state.now)
    phase = wording.phase_text(info.phase, short=narrow) + (" ॥" if info.suspend else "")
    cells = (
        wording.shorten_middle(info.key.namespace, widths[0]),
        wording.shorten_middle(info.key.name, widths[1]),
        wording.shorten(phase, widths[2]),
        weight_text,
        f"{wording.number(failed)}/{wording.number(view.threshold)}",
        _rate_text(_latest_rate(facts.primary_series(state, view)), narrow),
        _rate_text(_latest_rate(facts.canary_series(state, view)), narrow),
        _why(view, found, widths[7]),
        found.marker,
    )
    if columns.several:
        cells += (wording.shorten_middle(columns.context_text(context), widths[CONTEXT]),)
    # Whatever is still too wide is cut with `…`, never silently by the column.
    return tuple(wording.shorten(text, width) for text, width in zip(cells, widths, strict=True))


def _why(view: CanaryView, found: Triage, width: int) -> str:
    """Why a human is needed, then the last event; a halt is its own message, which keeps its value and bound."""
    event = view.last_event.message if view.last_event else ""
    if found.severity == Severity.HALTING and view.last_halt is not None:
        return wording.short_message(view.last_halt.message, width)
    if not found.reason:
        return wording.short_message(event, width)
    return wording.shorten(f"{found.reason} · {event}" if event else found.reason, width)


def _with_rates(
    row: tuple[str, ...],
    primary: tuple[MetricSample, ...] | None,
    canary: tuple[MetricSample, ...] | None,
    columns: Columns,
) -> tuple[str, ...]:
    """`row` with its success rates from these series, as row_for writes them."""
    widths, narrow = columns.widths, columns.narrow
    rates = (
        wording.shorten(_rate_text(_latest_rate(primary or ()), narrow), widths[5]),
        wording.shorten(_rate_text(_latest_rate(canary or ()), narrow), widths[6]),
    )
    return (*row[:5], *rates, *row[7:])


def _phase_of(text: str) -> str:
    """The phase's name in a phase cell (`✖ Failed ॥`, `◷ WaitPromote`)."""
    parts = text.split()
    name = parts[1] if len(parts) > 1 else text
    return next((full for full, short in wording.SHORT_PHASES.items() if short == name), name)


def sort_value(column: int, text: str) -> tuple[int, float | str]:
    """Numbers sort as numbers, unknowns last; phases by urgency (Failed first), not by their icons."""
    if column == 2:
        return (phase_rank(_phase_of(text)), text.lower())
    if column == MARKER:
        return (0 if text else 1, text)
    if column in (3, 4, 5, 6):
        head = text.split("%")[0].split("/")[0].strip()
        try:
            return (0, float(head))
        except ValueError:
            return (1, 0.0)
    return (0, text.lower())


RowSources = tuple[object, ...]
Reads = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RowFacts:
    """What the overview sorts and filters a row by, beside its cells."""

    triage: Triage
    phase: str | None
    # Lower-case `context namespace name phase`, for the filter.
    text: str

    @property
    def rank(self) -> tuple[int, float]:
        return rank(self.triage)


@dataclass(frozen=True)
class RowChanges:
    """What the table must change to show a state: rows to put (new or changed, in the state's order) and rows
    that are gone."""

    put: dict[str, tuple[str, ...]]
    removed: tuple[str, ...]
    # Rows whose facts (triage, phase) were found again: the only ones whose place in the triage order may move.
    refacted: tuple[CanaryKey, ...] = ()


class RowCache:
    """row_for per canary, recomputed only when what the row shows came from new objects. The reducer keeps
    unchanged views, routers and series identical, so finding what changed since the last state is a walk of
    the dicts that are new objects (identity checks), and only the rows that read a changed object are built
    again and handed to the table: one status change among a thousand canaries costs one row."""

    def __init__(self, context: str = LOCAL) -> None:
        self.context = context
        self._rows: dict[CanaryKey, tuple[RowSources, tuple[str, ...]]] = {}
        self.facts: dict[CanaryKey, RowFacts] = {}
        # How many rows are at each severity, kept as facts change: the summary line reads it on every state.
        self.severities: Counter[Severity] = Counter()
        # When rows in flight become stuck if nothing changes (a row's triage changes with time alone then).
        self._deadlines: dict[CanaryKey, float] = {}
        self._seen: AppState | None = None
        self._columns: Columns | None = None
        # Which rows read a router or a metric series (by its key in the state), to find them when it changes.
        self._reads: dict[CanaryKey, Reads] = {}
        self._readers: dict[tuple[str, str], set[CanaryKey]] = {}
        self._backlog: dict[CanaryKey, None] = {}

    def rows(self, state: AppState, columns: Columns = FULL_COLUMNS) -> dict[str, tuple[str, ...]]:
        """Every row of the state, by its table key."""
        self.changes(state, columns)
        return {str(key): self._rows[key][1] for key in state.canaries}

    def row(self, key: CanaryKey) -> tuple[str, ...] | None:
        """The row last built for this canary."""
        cached = self._rows.get(key)
        return cached[1] if cached is not None else None

    def _due(self, now: float) -> list[CanaryKey]:
        """Rows whose stuck deadline has passed: their triage changed with the time alone."""
        return sorted(key for key, deadline in self._deadlines.items() if deadline <= now)

    @property
    def backlog(self) -> int:
        """Rows whose sources changed that a limited call has not built yet."""
        return len(self._backlog)

    def changes(self, state: AppState, columns: Columns = FULL_COLUMNS, limit: int | None = None) -> RowChanges:
        """The rows that differ from what the previous call saw (everything on the first call or new columns).

        With a `limit`, at most that many rows are built for new routers and series; the rest wait for the next
        call, which builds them from its own state. Rows whose canary changed (new, changed, gone) are all built at
        once and first: a Prometheus refresh that reaches a thousand rows is spread over several frames, and
        neither a status change nor a canary's first row waits behind it."""
        seen, self._seen = self._seen, state
        carried, self._backlog = self._backlog, {}
        if seen is None or columns != self._columns or seen.flagger != state.flagger:
            # Flagger's settings decide every canary's provider, so which router each row reads.
            self._columns = columns
            candidates: dict[CanaryKey, None] | None = None
            carried = {}
        else:
            # In the state's order, so that new rows are added in it.
            candidates = dict.fromkeys(changed_keys(seen.canaries, state.canaries))
            if state.now != seen.now and self._deadlines:
                candidates.update(dict.fromkeys(self._due(state.now)))
            later = dict(carried)
            if state.routers is not seen.routers:
                for read in changed_keys(seen.routers, state.routers):
                    later.update(dict.fromkeys(sorted(self._readers.get(read, ()))))
            if state.metrics is not seen.metrics:
                # A Prometheus refresh replaces every series; a row shows only the latest success rate of two.
                for read in changed_keys(seen.metrics, state.metrics):
                    if _latest_rate(seen.metrics.get(read, ())) != _latest_rate(state.metrics.get(read, ())):
                        later.update(dict.fromkeys(sorted(self._readers.get(read, ()))))
            waiting = [key for key in later if key not in candidates]
            if limit is not None and len(waiting) > limit:
                waiting, self._backlog = waiting[:limit], dict.fromkeys(waiting[limit:])
            candidates.update(dict.fromkeys(waiting))
        put: dict[str, tuple[str, ...]] = {}
        removed: list[str] = []
        refacted: list[CanaryKey] = []
        canaries, metrics = state.canaries, state.metrics
        gone = (
            [key for key in self._rows if key not in canaries]
            if candidates is None
            else [key for key in candidates if key not in canaries and key in self._rows]
        )
        # Same routers and Flagger settings as the last state: a row whose view is the same reads the same router
        # from the same places (a Prometheus refresh reaches every row, and asks for nothing else). A row left
        # waiting may have been left when the routers changed, so the shortcut waits until none is left.
        same_routers = candidates is not None and seen is not None and state.routers is seen.routers and not carried
        for key in canaries if candidates is None else candidates:
            view = canaries.get(key)
            if view is None:
                continue  # gone: below
            cached = self._rows.get(key)
            if same_routers and cached is not None and cached[0][1] is view:
                reads, router = self._reads[key], cached[0][2]
            else:
                ns, target = key.namespace, view.info.target
                # Where its router may be (the name Flagger gives it for its provider), then its two series.
                reads = (*state.router_keys(view), (ns, primary_name(target)), (ns, target))
                router = state.router_for(view)
            deadline = stuck_deadline(view)
            stuck = deadline is not None and deadline <= state.now
            if deadline is not None and not stuck:
                self._deadlines[key] = deadline
            else:
                self._deadlines.pop(key, None)
            sources = (columns, view, router, metrics.get(reads[-2]), metrics.get(reads[-1]), stuck)
            if cached is not None:
                before = cached[0]
                if before[0] is columns and before[1] is view and before[2] is router and before[5] is stuck:
                    if before[3] is sources[3] and before[4] is sources[4]:
                        continue
                    if candidates is not None:
                        # Only its series are new (a Prometheus refresh, every row every few seconds): its facts
                        # come from its view and the time that made it stuck, and what it reads from its view and
                        # Flagger's settings, all as they were.
                        row = _with_rates(cached[1], sources[3], sources[4], columns)
                        self._rows[key] = (sources, row)
                        if row != cached[1]:
                            put[str(key)] = row
                        continue
            row = row_for(state, view, columns, self.context)
            info = view.info
            fact = RowFacts(
                triage(view, state.now),
                info.phase,
                f"{self.context} {key.namespace} {key.name} {info.phase or ''}".lower(),
            )
            self._count(self.facts.get(key), fact)
            self.facts[key] = fact
            refacted.append(key)
            self._rows[key] = (sources, row)
            self._read(key, reads)
            if cached is None or cached[1] != row:
                put[str(key)] = row
        for key in gone:
            del self._rows[key]
            self._count(self.facts.pop(key, None), None)
            self._deadlines.pop(key, None)
            self._read(key, ())
            removed.append(str(key))
        return RowChanges(put, tuple(removed), tuple(refacted))

    def _count(self, before: RowFacts | None, after: RowFacts | None) -> None:
        if before is not None:
            self.severities[before.triage.severity] -= 1
        if after is not None:
            self.severities[after.triage.severity] += 1

    def _read(self, key: CanaryKey, reads: Reads) -> None:
        old = self._reads.get(key, ())
        if old == reads:
            return
        for read in old:
            readers = self._readers.get(read)
            if readers is not None:
                readers.discard(key)
                if not readers:
                    del self._readers[read]
        for read in reads:
            self._readers.setdefault(read, set()).add(key)
        if reads:
            self._reads[key] = reads
        else:
            self._reads.pop(key, None)


def table_key(context: str, key: CanaryKey, several: bool) -> str:
    """A row's key in the table: `namespace/name`, after its context when there are several."""
    return f"{context}\x1f{key}" if several else str(key)


# In triage order rows move at most this often: at fifty changes a second the rows on screen would otherwise shift
# every frame, too fast to read and a repaint of the whole table each time. A change shows in its row at once.
REORDER_S = 0.25
# The columns that show rates: sorted by one, every row's rates count, not just those on screen.
RATE_COLUMNS = frozenset({COLUMNS.index("primary SR"), COLUMNS.index("canary SR")})
# On a large fleet rows move once a second at most, in step with the tally and the top line's "k of N" (the
# selected row's place): four reorders a second were a fifth of the UI thread at a thousand canaries.
REORDER_LARGE_S = PACE_S
# Rows built per frame, shared by the contexts. A Prometheus refresh reaches every row at once (a thousand: 60-70 ms
# of the UI thread in one go, which a key press then waited behind); in pieces of this size, about 10 ms each, a key
# and a status change are handled between them, and the refresh is on screen a few frames later.
ROWS_PER_FRAME = 150
# The pause before the next piece: long enough for the event loop to take keys and paint the piece just built.
BACKLOG_PAUSE_S = 1 / 60


class OverviewScreen(Screen[None]):
    BINDINGS = keys.bindings(moves.OVERVIEW)
    AUTO_FOCUS = "CanaryTable"
    # The table takes the height left under the top lines: taller than that, it scrolls, and the top lines stay.
    DEFAULT_CSS = """
    OverviewScreen > CanaryTable { height: 1fr; }
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        # None: by triage (who needs a human first, then the latest change); else a column's index.
        self.sort_column: int | None = None
        self.sort_reverse = False
        self._row_caches: dict[str, RowCache] = {}
        self._rows: dict[str, tuple[str, CanaryKey]] = {}  # table key -> (context, canary)
        # Each row's triage sort key with the facts it came from: a sort over a thousand rows reads them, and a
        # change that leaves a row's key alone does not move rows.
        self._triage_keys: dict[str, tuple[RowFacts | None, tuple[object, ...]]] = {}
        self._order_values: dict[str, tuple[object, ...]] = {}  # the same keys alone, for a sort done in C
        self._sorted_at = 0.0  # time.monotonic() of the last triage sort
        self._sort_due = False  # a triage sort was put off (REORDER_S) and a timer will do it
        self._pending: Fleet | None = None
        self._flush_alarm = Alarm(self, self._flush)  # pending: a refresh of the rows is on its way
        self._sort_alarm = Alarm(self, self._sort_late)
        self._several = False
        self._words: tuple[str, ...] = ()
        self._fleet: Fleet | None = None
        # The tally counts every row: on a large fleet it moves at most once a second (a filter's words at once).
        self._summary_pace = Pace(self, self._show_latest_summary)
        self._summary_words: tuple[str, ...] | None = None
        self._placed = False  # the user has picked a row: the cursor no longer goes to the first row by itself
        self._placed_on: str | None = None  # the row the cursor was put on by itself
        # The row the user was on: where the cursor was when `/` opened, then each row they move to or open. A filter
        # that hides it moves the cursor meanwhile; once the row shows again (the filter changed or cleared) the
        # cursor goes back to it.
        self._chosen: str | None = None
        self._context_index: dict[str, int] = {}  # each context's place in the order given, for the triage order
        self.columns = FULL_COLUMNS

    def compose(self) -> ComposeResult:
        yield TopBar(self.mode, id="topbar")
        yield SteadyStatic("", id="overview-summary", markup=False)
        filter_box = OverviewFilter(placeholder="filter: name, namespace, context or phase", id="overview-filter")
        filter_box.display = False
        yield filter_box
        yield SteadyStatic("", id="overview-note", markup=False)
        yield CanaryTable(self.columns.titles, self.columns.widths, id="overview")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(CanaryTable).set_columns(
            self.columns.titles, self.columns.widths, self.columns.padding, self.columns.shown
        )

    def on_key(self, event: events.Key) -> None:
        """Keys typed fast after `/` were sent to the table before the box had the focus, and reach the screen
        after the table: `/` opens the box here, in their order, and the keys behind it are the box's."""
        box = self.query_one(OverviewFilter)
        if event.key == "slash" and self.focused is not box:
            self.open_filter()
        elif self.focused is box and event.is_printable and event.character is not None:
            box.insert_text_at_cursor(event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(TopBar).set_compact(event.size.width < FULL_FROM)
        self._set_columns(columns_for(event.size.width, self._several, self._contexts()))

    def _contexts(self) -> tuple[str, ...]:
        return self._fleet.contexts if self._fleet is not None and self._fleet.several else ()

    def _set_columns(self, columns: Columns) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        self.query_one(CanaryTable).set_columns(columns.titles, columns.widths, columns.padding, columns.shown)
        fleet = self._current() or self._fleet
        if fleet is not None:
            self._apply(fleet)

    def _current(self) -> Fleet | None:
        fleet = getattr(self.app, "fleet", None)
        if isinstance(fleet, Fleet):
            return fleet
        state = getattr(self.app, "state", None)
        return Fleet.single(state) if isinstance(state, AppState) else None

    def on_screen_resume(self) -> None:
        fleet = self._current()
        if fleet is not None:
            self._apply(fleet)

    def show_state(self, state: AppState) -> None:
        self.show_fleet(Fleet.single(state))

    def show_fleet(self, fleet: Fleet) -> None:
        # Coalesced by frame: whatever arrives before the screen handles its queue again is shown in one refresh
        # of the rows it changed and of the top line, and the compositor paints those lines on its next frame. (A
        # state that comes before the screen is mounted is shown by on_screen_resume.)
        self._pending = fleet
        self._flush_alarm.soon()

    def show_top_line(self, state: AppState) -> None:
        if self._pending is not None:
            # Under a dialog only the top line is shown: a table refresh still waiting must not show an older state.
            self._pending = self._current() or Fleet.single(state)
        if self.is_mounted:
            self.query_one(TopBar).show(state)
            self._show_note(Fleet.single(state))

    def _top_state(self, fleet: Fleet) -> AppState:
        """The followed context's state (the app's, with several contexts), else the one context's."""
        state = getattr(self.app, "state", None)
        if fleet.several and getattr(self.app, "focus", None) is not None and isinstance(state, AppState):
            return state
        return fleet.state_of(LOCAL) if LOCAL in fleet.states else fleet.state_of(fleet.contexts[0])

    def _show_note(self, fleet: Fleet) -> None:
        """With no canary to list, a sentence says why (refused, not installed) or that none is there yet."""
        note = self.query_one("#overview-note", Static)
        text: Content | None = None
        if not any(state.canaries for state in fleet.states.values()):
            text = empty_scope(fleet, scope_of(self.mode))
        elif self._words and not len(self.query_one(CanaryTable)):
            text = Content.styled(f"No canary matches “{' '.join(self._words)}” (Esc clears the filter)", "$text-muted")
        troubled = self._troubled_contexts(fleet) if fleet.several else None
        if troubled is not None:
            text = troubled if text is None else Content("\n").join([troubled, text])
        note.display = text is not None
        if text is not None:
            note.update(text)
        # No bare header over no rows: the sentence says why there are none.
        table = self.query_one(CanaryTable)
        table.display = text is None or len(table) > 0

    def _troubled_contexts(self, fleet: Fleet) -> Content | None:
        """The contexts in trouble, each with its worst source and why (the top line has room for marks only)."""
        width = max(20, self.app.size.width - 1)
        lines = [
            # One line per context, cut with `…`: the top line's marks say the rest is there.
            wording.shorten(trouble_line(item.context, worst, fleet.state_of(item.context)), width)
            for item in fleet_health(fleet)
            if item.troubled and (worst := item.troubled[0]).state is not Health.CONNECTING
        ]
        return Content.styled("\n".join(lines), "$warning") if lines else None

    def _flush(self) -> None:
        if not self.is_current:
            # Under a dialog (help, confirmation) a change would repaint the dialog and everything it dims;
            # on_screen_resume shows the latest state instead.
            return
        if self._pending is not None:
            fleet, self._pending = self._pending, None
            self._apply(fleet)

    def _build_rest_later(self, fleet: Fleet) -> None:
        """The rows a frame left waiting are built from the latest fleet shown once the pause is over."""
        if self._pending is None:
            self._pending = fleet
        self._flush_alarm.arm(BACKLOG_PAUSE_S)

    def _apply(self, shown: Fleet | AppState) -> None:
        if not self.is_mounted:
            return
        fleet = Fleet.single(shown) if isinstance(shown, AppState) else shown
        self._pending = None  # whatever was waiting for the timer is shown now
        self._fleet = fleet
        index = {context: i for i, context in enumerate(fleet.states)}
        if index != self._context_index:
            self._context_index = index
            for key in self._rows:
                self._triage_key(key, ())  # every key holds its context's place
        if fleet.several != self._several:
            self._several = fleet.several
            self._clear()
            self._set_columns(columns_for(self.size.width or FULL_FROM, fleet.several, fleet.contexts))
            return  # _set_columns applied the fleet with the new columns
        if fleet.several and tuple(name for name, _ in self.columns.contexts) != fleet.contexts:
            # Other contexts: their names are cut again, so that they still tell apart.
            self._set_columns(columns_for(self.size.width or FULL_FROM, True, fleet.contexts))
            return
        table = self.query_one(CanaryTable)
        self.query_one(TopBar).show(self._top_state(fleet))
        resort = False
        for context in list(self._row_caches):
            if context not in fleet.states:
                self._forget_context(table, context)
                resort = True
        limit = max(1, ROWS_PER_FRAME // max(1, len(fleet.states)))  # shared by the contexts
        with table.batch():
            for context, state in fleet.states.items():
                cache = self._row_caches.setdefault(context, RowCache(context))
                changes = cache.changes(state, self.columns, limit=limit)
                for name in changes.removed:
                    namespace, _, canary = name.partition("/")
                    key = table_key(context, CanaryKey(namespace, canary), self._several)
                    self._rows.pop(key, None)
                    self._triage_keys.pop(key, None)
                    self._order_values.pop(key, None)
                    table.remove(key)
                for name, row in changes.put.items():
                    namespace, _, canary = name.partition("/")
                    canary_key = CanaryKey(namespace, canary)
                    key = table_key(context, canary_key, self._several)
                    self._rows[key] = (context, canary_key)
                    if not self._matches(context, canary_key):
                        if key in table:
                            table.remove(key)
                            resort = True
                        continue
                    # A new row, or a changed value in the sorted column, moves rows.
                    column = self.sort_column
                    moved = column is not None and key in table and table.cells(key)[column] != row[column]
                    resort = resort or moved or key not in table
                    table.put(key, row)
                for canary_key in changes.refacted:
                    key = table_key(context, canary_key, self._several)
                    if key in self._rows:
                        before = self._triage_keys.get(key)
                        changed = self._triage_key(key, ()) != (before[1] if before is not None else None)
                        resort = resort or (changed and self.sort_column is None and key in table)
        if any(cache.backlog for cache in self._row_caches.values()):
            self._build_rest_later(fleet)
        if resort and self.sort_column is None:
            resort = self._triage_sort_now()
        if resort:
            self._sort(table)  # which tells the rows in view
        else:
            self._tell_in_view()
        self._show_summary(fleet)
        self._show_note(fleet)
        if not self._placed and len(table) and self._place_first(fleet, table):
            return  # the cursor is on the first row and follows it; this fleet still holds the selection before
        selected = self._top_state(fleet).selected
        if selected is not None:
            key = table_key(self._context_of_selected(fleet), selected, self._several)
            if key in table:
                table.move_cursor(key)

    def _tell_in_view(self) -> None:
        """Tell the app which canaries' rows are on screen (their rates are asked every refresh; on a large fleet
        the others less often), or that every row's rates count (sorted by one)."""
        tell = getattr(self.app, "rows_in_view", None)
        if tell is None or not self.is_mounted:
            return
        if self.sort_column in RATE_COLUMNS:
            tell(None)
            return
        shown: dict[str, set[CanaryKey]] = {}
        for key in self.query_one(CanaryTable).keys_in_view():
            context, canary = self._rows[key]
            shown.setdefault(context, set()).add(canary)
        tell({context: frozenset(keys) for context, keys in shown.items()})

    @on(CanaryTable.WindowChanged)
    def _window_changed(self, _event: CanaryTable.WindowChanged) -> None:
        self._tell_in_view()

    def on_screen_suspend(self) -> None:
        tell = getattr(self.app, "rows_in_view", None)
        if tell is not None:
            tell({})  # covered or left: no row of it is read now

    def _place_first(self, fleet: Fleet, table: CanaryTable) -> bool:
        """The first screen of a session starts on the row triage puts first, and goes to a row that comes to need a
        human first (a context that lists later, a canary that fails) until the user picks a row or a sort."""
        selected = self._top_state(fleet).selected
        followed = table_key(self._context_of_selected(fleet), selected, self._several) if selected else None
        if (
            len(self.app.screen_stack) > 2
            or self.sort_column is not None
            or self.sort_reverse
            or (self._placed_on is not None and followed != self._placed_on)
        ):
            self._placed = True  # the user chose (`n`, another screen, a sort): the cursor stays theirs
            return False
        first = table.row_keys()[0]
        if first == self._placed_on:
            return False
        context, canary = self._rows[first]
        found = self._facts(context, canary)
        if self._placed_on is not None and (found is None or not found.triage.needs_human):
            return False
        self._placed_on = first
        table.move_cursor(first)
        if followed == first:
            return False
        self._follow(first)
        return True

    def _context_of_selected(self, fleet: Fleet) -> str:
        focus = getattr(self.app, "focus", None)
        if fleet.several and focus is not None and getattr(focus, "context", None) in fleet.states:
            return focus.context
        return LOCAL if LOCAL in fleet.states else fleet.contexts[0]

    def _forget_context(self, table: CanaryTable, context: str) -> None:
        for key, (where, _canary) in list(self._rows.items()):
            if where == context:
                del self._rows[key]
                self._triage_keys.pop(key, None)
                self._order_values.pop(key, None)
                table.remove(key)
        del self._row_caches[context]

    def _clear(self) -> None:
        """Every row again, from scratch (the columns or the keys changed)."""
        table = self.query_one(CanaryTable)
        for key in list(self._rows):
            table.remove(key)
        self._rows.clear()
        self._triage_keys.clear()
        self._order_values.clear()
        self._row_caches.clear()

    def _facts(self, context: str, key: CanaryKey) -> RowFacts | None:
        cache = self._row_caches.get(context)
        return cache.facts.get(key) if cache is not None else None

    def _matches(self, context: str, key: CanaryKey) -> bool:
        if not self._words:
            return True
        facts_ = self._facts(context, key)
        return facts_ is not None and matches(self._words, facts_.text)

    def _show_latest_summary(self) -> None:
        if self._fleet is not None and self.is_mounted:
            self._show_summary(self._fleet)

    def _show_summary(self, fleet: Fleet) -> None:
        """`east: 2 failed · 1 waiting · 41 ok` per context (just the counts with one), and the filter's matches."""
        if self._words == self._summary_words and self._summary_pace.hold(len(self._rows)):
            return
        self._summary_words = self._words
        self._summary_pace.drawn()
        parts = []
        for context in fleet.contexts:
            cache = self._row_caches.get(context)
            found = tally(cache.severities if cache is not None else {})
            parts.append(f"{context}: {found.line()}" if fleet.several else found.line())
        if self._words:
            total = len(self._rows)
            parts[-1] += f"   ·   {len(self.query_one(CanaryTable))} of {total} match “{' '.join(self._words)}”"
        # One line per context: each says its own counts whole, and a glance down the lines compares them.
        self.query_one("#overview-summary", Static).update("\n".join(parts))

    def _triage_sort_now(self) -> bool:
        """Whether the triage sort may run now; else it is put off to REORDER_S (REORDER_LARGE_S from PACE_FROM rows
        on) after the last one."""
        interval = REORDER_LARGE_S if len(self._rows) >= PACE_FROM else REORDER_S
        wait = self._sorted_at + interval - time.monotonic()
        if wait <= 0:
            return True
        if not self._sort_due:
            self._sort_due = True
            self._sort_alarm.arm(wait)
        return False

    def _sort_late(self) -> None:
        if self._sort_due and self.is_mounted:
            self._sort_due = False
            self._sort(self.query_one(CanaryTable))
            if self._fleet is not None and not self._placed and len(self.query_one(CanaryTable)):
                self._place_first(self._fleet, self.query_one(CanaryTable))

    def _sort(self, table: CanaryTable) -> None:
        column = self.sort_column
        if column is None:
            self._sorted_at = time.monotonic()
            self._sort_due = False
            table.sort_by(self._order_values, reverse=self.sort_reverse)
        elif column == 2:
            table.sort_rows(self._phase_key, reverse=self.sort_reverse)
        else:
            table.sort(lambda cells: sort_value(column, cells[column]), reverse=self.sort_reverse)
        self._tell_in_view()

    def _triage_key(self, key: str, _cells: tuple[str, ...]) -> tuple[object, ...]:
        context, canary = self._rows[key]
        found = self._facts(context, canary)
        # Ties in the order the contexts were given, as the top line counts them (tui/domain/triage_order.py).
        index = self._context_index.get(context, 0)
        cached = self._triage_keys.get(key)
        if cached is not None and cached[0] is found and cached[1][2] == index:
            return cached[1]  # the row cache keeps a row's facts the same object until the row changes
        if found is None:
            value: tuple[object, ...] = (len(Severity), 0.0, index, str(canary))
        else:
            value = order_key(found.triage, index, canary)
        self._triage_keys[key] = (found, value)
        self._order_values[key] = value
        return value

    def _phase_key(self, key: str, cells: tuple[str, ...]) -> tuple[object, ...]:
        context, canary = self._rows[key]
        found = self._facts(context, canary)
        return (phase_rank(found.phase if found is not None else _phase_of(cells[2])), cells[2])

    @on(Input.Changed, "#overview-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._words = tuple(event.value.lower().split())
        table = self.query_one(CanaryTable)
        rows = {key: (context, canary) for key, (context, canary) in self._rows.items() if context in self._row_caches}
        with table.batch():
            for key, (context, canary) in rows.items():
                if self._matches(context, canary):
                    if key not in table:
                        cells = self._row_caches[context].row(canary)
                        if cells is not None:
                            table.put(key, cells)
                elif key in table:
                    table.remove(key)
        self._sort(table)
        if self._chosen is not None and self._chosen in table:
            table.move_cursor(self._chosen)
        self._follow_cursor(table)
        if self._fleet is not None:
            self._show_summary(self._fleet)
            self._show_note(self._fleet)

    def _follow_cursor(self, table: CanaryTable) -> None:
        """The row under the cursor is the canary followed: a filter that hid the followed row moves both."""
        key = table.cursor_key
        if key is None or self._fleet is None:
            return
        selected = self._top_state(self._fleet).selected
        if selected is None or table_key(self._context_of_selected(self._fleet), selected, self._several) != key:
            self._follow(key)

    @on(Input.Submitted, "#overview-filter")
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        self.query_one(CanaryTable).focus()  # Enter then opens the highlighted canary

    def clear_filter(self) -> bool:
        """Clear a filter still applied (its box no longer focused); False when there was none."""
        box = self.query_one(OverviewFilter)
        self._placed = True
        if not box.display:
            return False
        box.action_clear_filter()
        return True

    def open_filter(self) -> None:
        box = self.query_one(OverviewFilter)
        self._placed = True
        if not box.display:
            self._chosen = self.query_one(CanaryTable).cursor_key
        box.open()

    @on(CanaryTable.RowHighlighted)
    def _highlighted(self, event: CanaryTable.RowHighlighted) -> None:
        self._chosen = event.key  # the user moved there
        self._placed = True
        self._follow(event.key)

    def _follow(self, row_key: str) -> None:
        """Follow the canary of this row."""
        row = self._rows.get(row_key)
        if row is None:
            return
        context, key = row
        select = getattr(self.app, "select_in", None)
        if context != LOCAL and select is not None:
            select(context, key)
        elif context == LOCAL or not self._several:
            self.app.apply([CanarySelected(key)])  # type: ignore[attr-defined]

    @on(CanaryTable.HeaderSelected)
    def _header(self, event: CanaryTable.HeaderSelected) -> None:
        column = None if event.column in (MARKER, CONTEXT) else event.column
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_reverse = False
        self.sort_column = column
        self._sort(self.query_one(CanaryTable))

    def action_sort(self, step: int) -> None:
        # Triage first, then each column in the order drawn.
        order: list[int | None] = [None, *range(MARKER)]
        self.sort_column = order[(order.index(self.sort_column) + step) % len(order)]
        self._sort(self.query_one(CanaryTable))

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._sort(self.query_one(CanaryTable))

    def action_open(self) -> None:
        # The highlighted row is the selected canary; from the state, so that Enter typed right after `o` (before
        # the table is drawn) opens it too.
        if self.app.state.selected is not None:  # type: ignore[attr-defined]
            self._chosen = self.query_one(CanaryTable).cursor_key
            self._placed = True
            self.app.open_rollout()  # type: ignore[attr-defined]
        else:
            self.notify("No canary in scope yet", title="Open")
