"""A Prometheus refresh reaches every row of the overview, but changes only its success rates: rows whose canary
and routers are the same are not asked their router again; a changed router is still read by its rows."""

from __future__ import annotations

import pytest

from tests.ui.test_overview_refresh import fleet
from tui.domain.model import MetricSample, RouterInfo
from tui.domain.names import primary_name
from tui.domain.observations import MetricsObserved, RouterObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.screens.overview import RowCache, row_for


def refresh(state: AppState, rate: float, t: float) -> MetricsObserved:
    return MetricsObserved(
        tuple(
            MetricSample(view.key.namespace, deployment, t, rate, 1.0, 1.0)
            for view in state.canaries.values()
            for deployment in (view.info.target, primary_name(view.info.target))
        )
    )


def test_a_prometheus_refresh_asks_no_row_for_its_router_again(monkeypatch: pytest.MonkeyPatch) -> None:
    state = fleet(50)
    state = reduce_all(state, [refresh(state, 99.0, 1.0)])
    cache = RowCache()
    cache.changes(state)
    asked: list[str] = []
    router_for = AppState.router_for

    def counting(self: AppState, view):  # type: ignore[no-untyped-def]
        asked.append(str(view.key))
        return router_for(self, view)

    monkeypatch.setattr(AppState, "router_for", counting)
    state = reduce_all(state, [refresh(state, 97.0, 2.0)])
    changes = cache.changes(state)
    assert asked == []
    assert changes.put == {str(key): row_for(state, view) for key, view in state.canaries.items()}
    assert changes.refacted == ()  # no row's triage or phase is found again: none can move in triage order

    asked.clear()  # row_for above read routers too
    view = next(iter(state.canaries.values()))
    state = reduce_all(
        state, [RouterObserved(RouterInfo(view.key.namespace, view.info.apex, "TrafficSplit", "v1", 70, 30))]
    )
    changes = cache.changes(state)
    assert set(asked) == {str(view.key)}  # only the row that reads the changed router
    assert changes.put == {str(view.key): row_for(state, view)}
    assert changes.put[str(view.key)][3].startswith("30%")
