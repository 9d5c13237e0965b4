"""Every canary in scope on one table: sortable, Enter opens one, the action keys act on the highlighted one."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.domain import facts, wording
from tui.domain.changes import changed_keys
from tui.domain.fleet import Fleet
from tui.domain.fleet_health import fleet_health
from tui.domain.model import CanaryKey, Health, MetricSample
from tui.domain.names import primary_name
from tui.domain.observations import CanarySelected
from tui.domain.progress import progress
from tui.domain.state import AppState, CanaryView
from tui.screens import keys, moves
from tui.screens.fleet_rows import FleetRows, fleet_columns, table_key
from widgets.canary_table import CanaryTable
from widgets.key_bar import KeyBar
from widgets.problems import problem
from widgets.topbar import TopBar

COLUMNS = ("namespace", "name", "phase", "weight", "failed", "primary SR", "canary SR", "last event")
NARROW_TITLES = ("ns", "name", "phase", "weight", "fail", "SR p", "SR c", "last event")
# Fixed widths: a column sized by whatever arrived first would change with the order of updates. The last event
# takes the width that is left, so the table never scrolls sideways.
FULL_WIDTHS = (10, 16, 18, 15, 6, 10, 9)
NARROW_WIDTHS = (6, 12, 14, 7, 4, 6, 6)
FULL_FROM = 120
SCROLLBAR = 2  # kept free for the vertical scrollbar, so the columns do not move when it appears
MIN_EVENT = 8


@dataclass(frozen=True)
class Columns:
    """The overview's columns at one terminal width: full titles and forms from 120 columns, narrow below."""

    titles: tuple[str, ...]
    widths: tuple[int, ...]
    padding: tuple[int, int]

    @property
    def narrow(self) -> bool:
        return self.titles is NARROW_TITLES


def columns_for(width: int) -> Columns:
    if width >= FULL_FROM:
        titles, fixed, padding = COLUMNS, FULL_WIDTHS, (1, 1)
    else:
        titles, fixed, padding = NARROW_TITLES, NARROW_WIDTHS, (0, 1)
    used = sum(fixed) + len(titles) * sum(padding) + SCROLLBAR
    return Columns(titles, (*fixed, max(MIN_EVENT, width - used)), padding)


FULL_COLUMNS = columns_for(FULL_FROM)


def _latest_rate(series: tuple[MetricSample, ...]) -> float | None:
    return series[-1].success_rate if series else None


def _rate_text(value: float | None, narrow: bool) -> str:
    if value is None:
        return "–" if narrow else "no data"
    return wording.percent(value, 1 if narrow else 2)


def row_for(state: AppState, view: CanaryView, columns: Columns = FULL_COLUMNS) -> tuple[str, ...]:
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
    event = view.last_event.message if view.last_event else ""
    phase = wording.phase_text(info.phase, short=narrow) + (" ॥" if info.suspend else "")
    cells = (
        wording.shorten_middle(info.key.namespace, widths[0]),
        wording.shorten_middle(info.key.name, widths[1]),
        wording.shorten(phase, widths[2]),
        weight_text,
        f"{wording.number(failed)}/{wording.number(view.threshold)}",
        _rate_text(_latest_rate(facts.primary_series(state, view)), narrow),
        _rate_text(_latest_rate(facts.canary_series(state, view)), narrow),
        wording.short_message(event, widths[7]),
    )
    # Whatever is still too wide is cut with `…`, never silently by the column.
    return tuple(wording.shorten(text, width) for text, width in zip(cells, widths, strict=True))


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


def sort_value(column: int, text: str) -> tuple[int, float | str]:
    """Numbers sort as numbers, unknowns last."""
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
class RowChanges:
    """What the table must change to show a state: rows to put (new or changed, in the state's order) and rows
    that are gone."""

    put: dict[str, tuple[str, ...]]
    removed: tuple[str, ...]


class RowCache:
    """row_for per canary, recomputed only when what the row shows came from new objects. The reducer keeps
    unchanged views, routers and series identical, so finding what changed since the last state is a walk of
    the dicts that are new objects (identity checks), and only the rows that read a changed object are built
    again and handed to the table: one status change among a thousand canaries costs one row."""

    def __init__(self) -> None:
        self._rows: dict[CanaryKey, tuple[RowSources, tuple[str, ...]]] = {}
        self._seen: AppState | None = None
        self._columns: Columns | None = None
        # Which rows read a router or a metric series (by its key in the state), to find them when it changes.
        self._reads: dict[CanaryKey, Reads] = {}
        self._readers: dict[tuple[str, str], set[CanaryKey]] = {}

    def rows(self, state: AppState, columns: Columns = FULL_COLUMNS) -> dict[str, tuple[str, ...]]:
        """Every row of the state, by its table key."""
        self.changes(state, columns)
        return {str(key): self._rows[key][1] for key in state.canaries}

    def changes(self, state: AppState, columns: Columns = FULL_COLUMNS) -> RowChanges:
        """The rows that differ from what the previous call saw (everything on the first call or new columns)."""
        seen, self._seen = self._seen, state
        if seen is None or columns != self._columns or seen.flagger != state.flagger:
            # Flagger's settings decide every canary's provider, so which router each row reads.
            self._columns = columns
            candidates: dict[CanaryKey, None] | None = None
        else:
            # In the state's order, so that new rows are added in it.
            candidates = dict.fromkeys(changed_keys(seen.canaries, state.canaries))
            if state.routers is not seen.routers:
                for read in changed_keys(seen.routers, state.routers):
                    candidates.update(dict.fromkeys(sorted(self._readers.get(read, ()))))
            if state.metrics is not seen.metrics:
                # A Prometheus refresh replaces every series; a row shows only the latest success rate of two.
                for read in changed_keys(seen.metrics, state.metrics):
                    if _latest_rate(seen.metrics.get(read, ())) != _latest_rate(state.metrics.get(read, ())):
                        candidates.update(dict.fromkeys(sorted(self._readers.get(read, ()))))
        put: dict[str, tuple[str, ...]] = {}
        removed: list[str] = []
        canaries, metrics = state.canaries, state.metrics
        # Same routers and Flagger settings as the last state: a row whose view is the same reads the same router
        # from the same places (a Prometheus refresh reaches every row, and asks for nothing else).
        same_routers = candidates is not None and seen is not None and state.routers is seen.routers
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
            sources = (columns, view, router, metrics.get(reads[-2]), metrics.get(reads[-1]))
            if cached is not None and all(a is b for a, b in zip(cached[0], sources, strict=True)):
                continue
            if cached is not None and all(a is b for a, b in zip(cached[0][:3], sources[:3], strict=True)):
                row = _with_rates(cached[1], sources[3], sources[4], columns)  # only its series are new
            else:
                row = row_for(state, view, columns)
            self._rows[key] = (sources, row)
            self._read(key, reads)
            if cached is None or cached[1] != row:
                put[str(key)] = row
        gone = (
            [key for key in self._rows if key not in state.canaries]
            if candidates is None
            else [key for key in candidates if key not in state.canaries and key in self._rows]
        )
        for key in gone:
            del self._rows[key]
            self._read(key, ())
            removed.append(str(key))
        return RowChanges(put, tuple(removed))

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


class OverviewScreen(Screen[None]):
    BINDINGS = keys.bindings(moves.OVERVIEW)

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.sort_column = 0
        self.sort_reverse = False
        self._row_cache = RowCache()
        self._pending: AppState | None = None
        self._timer_armed = False
        self.columns = FULL_COLUMNS
        # Several contexts (show_fleet): a CONTEXT column, and each context's rows from its own cache.
        self._fleet: Fleet | None = None
        self._fleet_rows = FleetRows(RowCache)

    def compose(self) -> ComposeResult:
        if getattr(self.app, "focus", None) is not None:
            self._fleet = self.app.fleet  # type: ignore[attr-defined]  # several contexts: a CONTEXT column from the start
        shown = self._table_columns()
        yield TopBar(self.mode, id="topbar")
        yield Static("", id="overview-note", markup=False)
        yield CanaryTable(shown.titles, shown.widths, id="overview")
        yield KeyBar()

    def on_resize(self, event: events.Resize) -> None:
        columns = columns_for(event.size.width)
        self.query_one(TopBar).set_compact(event.size.width < FULL_FROM)
        if columns == self.columns:
            return
        self.columns = columns
        shown = self._table_columns()
        self.query_one(CanaryTable).set_columns(shown.titles, shown.widths, shown.padding)
        self._apply_current()

    def on_screen_resume(self) -> None:
        self._apply_current()

    def _apply_current(self) -> None:
        if self._fleet is not None:
            self._fleet = getattr(self.app, "fleet", self._fleet)
            self._apply(self.app.state)  # type: ignore[attr-defined]
            return
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self._apply(state)

    def _table_columns(self) -> Columns:
        return fleet_columns(self.columns).table if self._fleet is not None else self.columns

    def show_fleet(self, fleet: Fleet) -> None:
        """Every context's canaries, with the context in front; the followed context's state keeps the top line."""
        self._fleet = fleet
        self.show_state(self.app.state)  # type: ignore[attr-defined]

    def show_state(self, state: AppState) -> None:
        # Coalesced by frame: whatever arrives before the screen handles its queue again is shown in one refresh
        # of the rows it changed, and the compositor paints those lines on its next frame.
        self._pending = state
        if not self._timer_armed:
            self._timer_armed = True
            self.call_later(self._flush)
        self.show_top_line(state)  # the state may come before the screen is mounted: on_screen_resume shows it

    def show_top_line(self, state: AppState) -> None:
        if self._pending is not None:
            # Under a dialog only the top line is shown: a table refresh still waiting must not show an older state.
            self._pending = state
        if self.is_mounted:
            self.query_one(TopBar).show(state)
            self._show_note(state)

    def _show_note(self, state: AppState) -> None:
        """With no canary to list, a sentence says why (refused, not installed) or that none is there yet."""
        note = self.query_one("#overview-note", Static)
        text: Content | None = None
        if self._fleet is not None:
            text = self._fleet_note(self._fleet)
        elif not state.canaries:
            refused = problem(state, "canaries")
            if refused is not None:
                text = Content.styled(f"canaries {refused}", "$error")
            else:
                text = Content.styled("Waiting for a Canary in scope…", "$text-muted")
        note.display = text is not None
        if text is not None:
            note.update(text)

    def _fleet_note(self, fleet: Fleet) -> Content | None:
        """The contexts in trouble, each with its worst source and why (the top line has room for marks only)."""
        width = max(20, self.app.size.width - 1)
        lines = [
            # One line per context, cut with `…`: the top line's marks say the rest is there.
            wording.shorten(
                f"{item.context}: {worst.source} {worst.state.value}" + (f": {worst.detail}" if worst.detail else ""),
                width,
            )
            for item in fleet_health(fleet)
            if item.troubled and (worst := item.troubled[0]).state is not Health.CONNECTING
        ]
        if not lines and not any(state.canaries for state in fleet.states.values()):
            return Content.styled("Waiting for a Canary in scope…", "$text-muted")
        return Content.styled("\n".join(lines), "$warning") if lines else None

    def _flush(self) -> None:
        self._timer_armed = False
        if not self.is_current:
            # Under a dialog (help, confirmation) a change would repaint the dialog and everything it dims;
            # on_screen_resume shows the latest state instead.
            return
        if self._pending is not None:
            state, self._pending = self._pending, None
            self._apply(state)

    def _apply(self, state: AppState) -> None:
        if not self.is_mounted:
            return
        self._pending = None  # whatever was waiting for the timer is shown now
        table = self.query_one(CanaryTable)
        self.query_one(TopBar).show(state)
        self._show_note(state)
        if self._fleet is not None:
            put, removed = self._fleet_rows.changes(self._fleet, fleet_columns(self.columns))
            followed = table_key(self.app.focus.context, state.selected) if state.selected else None  # type: ignore[attr-defined]
        else:
            changes = self._row_cache.changes(state, self.columns)
            put, removed = changes.put, changes.removed
            followed = str(state.selected) if state.selected is not None else None
        for key in removed:
            table.remove(key)
        column = self.sort_column
        # A new row, or a changed value in the sorted column, moves rows.
        resort = any(key not in table or table.cells(key)[column] != row[column] for key, row in put.items())
        with table.batch():
            for key, row in put.items():
                table.put(key, row)
        if resort:
            self._sort(table)
        if followed is not None and followed in table:
            table.move_cursor(followed)

    def _sort(self, table: CanaryTable) -> None:
        column = self.sort_column
        # With a CONTEXT column in front, the numeric columns are one further right.
        by = column - 1 if self._fleet is not None else column
        table.sort(lambda cells: sort_value(by, cells[column]), reverse=self.sort_reverse)

    @on(CanaryTable.RowHighlighted)
    def _highlighted(self, event: CanaryTable.RowHighlighted) -> None:
        if self._fleet is not None:
            chosen = self._fleet_rows.keys.get(event.key)
            if chosen is not None:
                self.app.select_in(*chosen)  # type: ignore[attr-defined]
            return
        namespace, _, name = event.key.partition("/")
        self.app.apply([CanarySelected(CanaryKey(namespace, name))])  # type: ignore[attr-defined]

    @on(CanaryTable.HeaderSelected)
    def _header(self, event: CanaryTable.HeaderSelected) -> None:
        if event.column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        self.sort_column = event.column
        self._sort(self.query_one(CanaryTable))

    def action_sort(self, step: int) -> None:
        self.sort_column = (self.sort_column + step) % len(self._table_columns().titles)
        self._sort(self.query_one(CanaryTable))

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._sort(self.query_one(CanaryTable))

    def action_open(self) -> None:
        # The highlighted row is the selected canary; from the state, so that Enter typed right after `o` (before
        # the table is drawn) opens it too.
        if self.app.state.selected is not None:  # type: ignore[attr-defined]
            self.app.open_rollout()  # type: ignore[attr-defined]
        else:
            self.notify("No canary in scope yet", title="Open")
