"""The event log keeps time order when an event arrives late (an Events API list after the logger stream)."""

from __future__ import annotations

from tests.simkit import sim_app
from tui.model import FlaggerEvent
from tui.observations import EventObserved


async def test_a_late_event_goes_where_it_belongs() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        first = app.state.events[0].event
        late = FlaggerEvent(
            first.t - 60, "apps", "examiner", "Normal", "an older message from the Events API", source="events"
        )
        app.apply([EventObserved(late)])
        await pilot.pause()
        lines = app.rollout_screen.query_one("#events").visible_text().splitlines()
        assert "an older message from the Events API" in lines[0]
        assert next(e.event.message for e in app.state.events) == late.message
