"""The top line keeps a problem's reason when it can: one too long for the room left is cut with `…`, not dropped."""

from __future__ import annotations

import pytest

from tests.simkit import sim_app
from tui.domain.model import Health, SourceHealth
from tui.domain.observations import HealthObserved

LONG = "Prometheus at http://prometheus-operated.monitoring.svc:9090 answered 503 Service Unavailable for every query"


@pytest.mark.parametrize("size", [(120, 40), (160, 40)])
async def test_a_long_reason_is_cut_not_dropped(size: tuple[int, int]) -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=size) as pilot:
        app.apply([HealthObserved(SourceHealth("prometheus", Health.UNREACHABLE, LONG))])
        await pilot.pause()
        top = str(app.rollout_screen.query_one("#topbar").render())
        await pilot.press("q")
    assert "prometheus unreachable: Prometheus at http" in top, top
    assert "…" in top and LONG not in top, top


async def test_a_reason_that_fits_is_whole() -> None:
    app, _source, _sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        app.apply([HealthObserved(SourceHealth("prometheus", Health.UNREACHABLE, "connection refused"))])
        await pilot.pause()
        top = str(app.rollout_screen.query_one("#topbar").render())
        await pilot.press("q")
    assert "prometheus unreachable: connection refused" in top, top
