"""The overview's incremental structures give what a full recompute gives: RowCache's changes, applied in turn,
equal row_for over every canary; the table's lines, patched cell by cell, equal its cells padded afresh."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from tests.cluster import objects
from tui.domain.model import FlaggerEvent, MetricSample, RouterInfo
from tui.domain.names import primary_name
from tui.domain.observations import (
    CanariesListed,
    CanaryObserved,
    EventObserved,
    MetricsObserved,
    Observation,
    RouterObserved,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.domain.triage import triage
from tui.kube.parse import parse_canary
from tui.screens.overview import FULL_COLUMNS, RowCache, columns_for, row_for
from widgets.canary_table import CanaryTable

COUNT = 6
INFOS = tuple(parse_canary(objects.canary(f"app-{i}", f"team-{i % 2}", phase="Succeeded")) for i in range(COUNT))
PHASES = ("Progressing", "Promoting", "Succeeded", "Failed")
RATES = (None, 97.5, 99.0, 100.0)  # few values: the same rate comes again often

step = st.one_of(
    st.tuples(st.just("phase"), st.integers(0, COUNT - 1), st.sampled_from(PHASES)),
    st.tuples(st.just("router"), st.integers(0, COUNT - 1), st.integers(0, 100)),
    st.tuples(st.just("metrics"), st.integers(0, COUNT - 1), st.sampled_from(RATES), st.sampled_from(RATES)),
    st.tuples(st.just("event"), st.integers(0, COUNT - 1), st.sampled_from(("a", "b", "c"))),
    st.tuples(st.just("list"), st.lists(st.integers(0, COUNT - 1), unique=True)),
    st.tuples(st.just("columns"), st.sampled_from((80, 120))),
)


def observation(state: AppState, op: tuple, t: float) -> Observation | None:
    kind = op[0]
    if kind == "list":
        return CanariesListed(tuple(INFOS[i] for i in sorted(op[1])), None, t)
    info = INFOS[op[1]]
    view = state.canaries.get(info.key)
    if kind == "phase":
        return CanaryObserved(replace(view.info if view else info, phase=op[2]), t)  # type: ignore[arg-type]
    if kind == "router":
        return RouterObserved(RouterInfo(info.key.namespace, info.apex, "TrafficSplit", "v1", 100 - op[2], op[2]))
    if kind == "metrics":
        ns = info.key.namespace
        samples = tuple(
            MetricSample(ns, deployment, t, success_rate=rate, rps=1.0, p99_ms=1.0)
            for deployment, rate in ((primary_name(info.target), op[2]), (info.target, op[3]))
        )
        return MetricsObserved(samples)
    return EventObserved(FlaggerEvent(t, info.key.namespace, info.key.name, "Normal", f"message {op[2]}"))


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=40))
def test_row_changes_applied_in_turn_equal_every_row_built_afresh(steps: list[tuple]) -> None:
    state = reduce_all(AppState(), [CanariesListed(INFOS, None, 0.0)])
    cache, columns = RowCache(), FULL_COLUMNS
    shown: dict[str, tuple[str, ...]] = {}
    for t, op in enumerate([("columns", 120), *steps], start=1):
        if op[0] == "columns":
            columns = columns_for(op[1])
        else:
            made = observation(state, op, float(t))
            state = reduce_all(state, [made]) if made is not None else state
        changes = cache.changes(state, columns)
        for key in changes.removed:
            del shown[key]
        shown.update(changes.put)
        assert shown == {str(key): row_for(state, view, columns) for key, view in state.canaries.items()}
        # The facts a row is sorted and counted by, kept as incrementally as its cells.
        assert {key: fact.triage for key, fact in cache.facts.items()} == {
            key: triage(view, state.now) for key, view in state.canaries.items()
        }
        assert +cache.severities == Counter(triage(view, state.now).severity for view in state.canaries.values())


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CanaryTable(("name", "phase", "rate"), (6, 8, 7), id="table")


async def test_table_lines_patched_cell_by_cell_equal_the_cells_padded_afresh() -> None:
    rng = random.Random(7)
    words = ("", "a", "Progressing", "99.50%", "été", "日本語", "x" * 12)
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(CanaryTable)
        for round_ in range(200):
            with table.batch():
                for _ in range(rng.randint(1, 5)):
                    key = f"row-{rng.randint(0, 15)}"
                    table.put(key, tuple(rng.choice(words) for _ in range(3)))
            if round_ % 50 == 49:
                table.set_columns(("name", "phase", "rate"), (rng.randint(3, 9), 8, 7), (rng.randint(0, 1), 1))
                await pilot.pause()
            for key in table.row_keys():
                assert table.line(key) == table._line(table.cells(key)), key
