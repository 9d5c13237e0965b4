"""`canaryscope demo --scenario custom-metrics`: the screen follows the Canary's own checks through a faulty release.
The halts are named by error-rate in the narration and the event log, the checks panel shows error-rate and
latency-p99 with their ranges, and no builtin threshold (99 %, 500 ms) is drawn anywhere."""

from __future__ import annotations

import pytest

from tests.simkit import EXAMINER, run_until, sim_app
from widgets.events_panel import EventsPanel
from widgets.metrics_panel import MetricsPanel
from widgets.narration_bar import NarrationBar


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_faulty_release_is_narrated_by_its_custom_check(size: tuple[int, int]) -> None:
    app, source, sim = sim_app("custom-metrics", seed=3)
    async with app.run_test(size=size) as pilot:
        sim.release(EXAMINER, faulty=True)
        halted = lambda s: any(" advancement error-rate " in r.message for r in s.flagger.history)  # noqa: E731
        run_until(sim, halted, limit_s=600)
        source.pump()
        await pilot.pause()
        state = app.state
        narration = app.rollout_screen.query_one(NarrationBar).render_state(state).plain
        assert "error-rate" in narration and "next step" not in narration, narration
        metrics = app.rollout_screen.query_one(MetricsPanel).render_state(state).plain
        assert "error-rate" in metrics and "latency-p99" in metrics, metrics
        events = app.rollout_screen.query_one(EventsPanel).visible_text()
        assert " advancement error-rate " in events.replace("\n", " "), events
        for text in (narration, metrics, events):
            assert "99%" not in text and "500ms" not in text, text
        # The simulated cluster served the template, and the checks' samples reached the state.
        assert "apps/error-rate" in state.templates
        assert state.check_series(EXAMINER, "error-rate")

        run_until(sim, lambda s: s.phase(EXAMINER) == "Failed", limit_s=600)
        source.pump()
        await pilot.pause()
        narration = app.rollout_screen.query_one(NarrationBar).render_state(app.state).plain
        assert "Rolled back" in narration and "error-rate" in narration, narration
