"""Every canary in scope on one table: sortable, Enter opens one, the action keys act on the highlighted one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from tui.model import CanaryKey
from tui.observations import CanarySelected
from tui.state import AppState, CanaryView
from widgets import formatting as fmt
from widgets.footer import Footer
from widgets.status_panel import canary_weight
from widgets.topbar import TopBar

COLUMNS = ("namespace", "name", "phase", "weight", "failed", "primary SR", "canary SR", "last event")
# Fixed widths: a column sized by whatever arrived first would change with the order of updates.
WIDTHS = (12, 18, 20, 16, 7, 10, 10, 48)
REFRESH_S = 0.5


def _latest_rate(state: AppState, namespace: str, deployment: str) -> float | None:
    series = state.series(namespace, deployment)
    return series[-1].success_rate if series else None


def row_for(state: AppState, view: CanaryView) -> tuple[str, ...]:
    info = view.info
    weight, status = canary_weight(state, view)
    weight_text = f"{fmt.number(weight)}%"
    if status != weight:
        weight_text += f" (status {fmt.number(status)})"
    failed = view.sticky_failed_checks if info.phase == "Failed" else info.failed_checks
    event = view.last_event.message if view.last_event else ""
    return (
        info.key.namespace[: WIDTHS[0]],
        info.key.name[: WIDTHS[1]],
        fmt.phase_label(info.phase)[0] + (" ॥" if info.suspend else ""),
        weight_text,
        f"{fmt.number(failed)}/{fmt.number(view.threshold)}",
        fmt.percent(_latest_rate(state, info.key.namespace, f"{info.target}-primary")),
        fmt.percent(_latest_rate(state, info.key.namespace, info.target)),
        event[: WIDTHS[7]],
    )


def sort_value(column: int, text: str) -> tuple[int, float | str]:
    """Numbers sort as numbers, unknowns last."""
    if column in (3, 4, 5, 6):
        head = text.split("%")[0].split("/")[0].strip()
        try:
            return (0, float(head))
        except ValueError:
            return (1, 0.0)
    return (0, text.lower())


class OverviewScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True),
        Binding("left_square_bracket", "sort(-1)", "Sort ←", key_display="["),
        Binding("right_square_bracket", "sort(1)", "Sort →", key_display="]"),
        Binding("minus", "reverse", "Reverse", key_display="-"),
    ]

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.sort_column = 0
        self.sort_reverse = False
        self._rows: dict[str, tuple[str, ...]] = {}
        self._pending: AppState | None = None
        self._timer_armed = False
        self._highlight_from_state = False

    def compose(self) -> ComposeResult:
        yield TopBar(self.mode, id="topbar")
        table: DataTable[str] = DataTable(id="overview", cursor_type="row", zebra_stripes=True)
        for index, (title, width) in enumerate(zip(COLUMNS, WIDTHS, strict=True)):
            table.add_column(title, key=str(index), width=width)
        yield table
        yield Footer()

    def on_screen_resume(self) -> None:
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self._apply(state)

    def show_state(self, state: AppState) -> None:
        # A thousand canaries update often; the table is refreshed at most twice a second.
        self._pending = state
        if not self._timer_armed:
            self._timer_armed = True
            self.set_timer(REFRESH_S, self._flush)
        self.query_one(TopBar).show(state)

    def _flush(self) -> None:
        self._timer_armed = False
        if self._pending is not None:
            state, self._pending = self._pending, None
            self._apply(state)

    def _apply(self, state: AppState) -> None:
        if not self.is_mounted:
            return
        table = self.query_one(DataTable)
        self.query_one(TopBar).show(state)
        wanted = {str(key): row_for(state, view) for key, view in state.canaries.items()}
        changed = False
        for key in list(self._rows):
            if key not in wanted:
                table.remove_row(key)
                del self._rows[key]
                changed = True
        for key, row in wanted.items():
            old = self._rows.get(key)
            if old is None:
                table.add_row(*row, key=key)
                changed = True
            elif old != row:
                for index, (before, after) in enumerate(zip(old, row, strict=True)):
                    if before != after:
                        table.update_cell(key, str(index), after)
                        changed = changed or index == self.sort_column
            self._rows[key] = row
        if changed:
            self._sort(table)
        if state.selected is not None and str(state.selected) in self._rows:
            index = table.get_row_index(str(state.selected))
            if table.cursor_row != index:
                self._highlight_from_state = True
                table.move_cursor(row=index)
        table.border_title = f"{len(self._rows)} canaries · sorted by {COLUMNS[self.sort_column]}"

    def _sort(self, table: DataTable[str]) -> None:
        column = self.sort_column
        table.sort(str(column), key=lambda value: sort_value(column, str(value)), reverse=self.sort_reverse)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self._highlight_from_state:
            self._highlight_from_state = False
            return
        if event.row_key.value is None:
            return
        namespace, _, name = event.row_key.value.partition("/")
        self.app.apply([CanarySelected(CanaryKey(namespace, name))])  # type: ignore[attr-defined]

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        column = int(str(event.column_key.value))
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        self.sort_column = column
        self._sort(self.query_one(DataTable))

    def action_sort(self, step: int) -> None:
        self.sort_column = (self.sort_column + step) % len(COLUMNS)
        table = self.query_one(DataTable)
        self._sort(table)
        table.border_title = f"{len(self._rows)} canaries · sorted by {COLUMNS[self.sort_column]}"

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._sort(self.query_one(DataTable))

    def action_open(self) -> None:
        if self._rows:
            self.app.open_rollout()  # type: ignore[attr-defined]
