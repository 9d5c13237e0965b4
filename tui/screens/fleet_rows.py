"""The overview's rows when several contexts are watched: each context's rows (built as for one context, by its
own row cache) behind a CONTEXT column, keyed by context and canary so the same namespace/name in two clusters
are two rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from tui.domain import wording
from tui.domain.fleet import Fleet
from tui.domain.model import CanaryKey
from tui.domain.state import AppState


class Rows(Protocol):
    """One context's row cache (the overview's RowCache): what changed since the last state it saw."""

    def changes(self, state: AppState, columns: Any) -> Any: ...


CONTEXT_TITLES = ("context", "ctx")
CONTEXT_WIDTHS = (10, 8)
# Where the CONTEXT column's room comes from, in turn: the last event down to its first width here, then (column,
# narrowest width) pairs. The phase keeps its width, its words are not shortened in the middle as names are.
FULL_FLOORS: tuple[Any, ...] = (10, (1, 13), (3, 14), (0, 9))
NARROW_FLOORS: tuple[Any, ...] = (10, (1, 9), (0, 5))


@dataclass(frozen=True)
class FleetColumns:
    """The table's columns (CONTEXT first) and the columns each context's rows are built at."""

    table: Any  # the overview's Columns
    rows: Any


def fleet_columns(columns: Any) -> FleetColumns:
    """`columns` with a CONTEXT column in front, paid for by the last event's width."""
    title = CONTEXT_TITLES[1] if columns.narrow else CONTEXT_TITLES[0]
    width = CONTEXT_WIDTHS[1] if columns.narrow else CONTEXT_WIDTHS[0]
    widths = list(columns.widths)
    owed = width + sum(columns.padding)
    floors = NARROW_FLOORS if columns.narrow else FULL_FLOORS
    for column, floor in ((len(widths) - 1, floors[0]), *floors[1:]):
        given = max(0, min(owed, widths[column] - floor))
        widths[column] -= given
        owed -= given
    widths[-1] = max(1, widths[-1] - owed)
    rows = replace(columns, widths=tuple(widths))
    table = replace(columns, titles=(title, *columns.titles), widths=(width, *rows.widths))
    return FleetColumns(table, rows)


def table_key(context: str, key: CanaryKey) -> str:
    # A unit separator cannot be in a context name a person types, nor in a Kubernetes name.
    return f"{context}\x1f{key}"


class FleetRows:
    """One RowCache per context; rows are the context's rows with the context's name in front."""

    def __init__(self, cache: Callable[[], Rows]) -> None:
        self._cache = cache
        self._caches: dict[str, Rows] = {}
        self.keys: dict[str, tuple[str, CanaryKey]] = {}

    def changes(self, fleet: Fleet, columns: FleetColumns) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
        """Rows to put (new or changed) and rows that are gone, by table key."""
        put: dict[str, tuple[str, ...]] = {}
        removed: list[str] = []
        width = columns.table.widths[0]
        for context, state in fleet.states.items():
            cache = self._caches.setdefault(context, self._cache())
            changes = cache.changes(state, columns.rows)
            name = wording.shorten_middle(context, width)
            by_text = {str(key): key for key in state.canaries}
            for text, row in changes.put.items():
                key = by_text[text]
                tkey = table_key(context, key)
                self.keys[tkey] = (context, key)
                put[tkey] = (name, *row)
            for text in changes.removed:
                namespace, _, canary = text.partition("/")
                tkey = table_key(context, CanaryKey(namespace, canary))
                self.keys.pop(tkey, None)
                removed.append(tkey)
        return put, tuple(removed)
