"""The event log keeps time order when an event arrives late (an Events API list after the logger stream)."""

from __future__ import annotations

from dataclasses import replace

from tests.simkit import sim_app
from tui.domain.model import FlaggerEvent
from tui.domain.observations import EventObserved


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


async def test_a_precise_copy_takes_over_the_line_of_a_whole_second_copy() -> None:
    app, source, sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        second = float(int(app.state.events[-1].event.t) + 100)
        copies = [
            FlaggerEvent(second, "apps", "examiner", "Normal", "Canary failed! later", source="events"),
            FlaggerEvent(second, "apps", "examiner", "Normal", "Rolling back earlier", source="events"),
        ]
        app.apply([EventObserved(e) for e in copies])
        await pilot.pause()
        panel = app.rollout_screen.query_one("#events")
        app.apply([EventObserved(replace(copies[1], t=second + 0.1, source="logger"))])
        app.apply([EventObserved(replace(copies[0], t=second + 0.2, source="logger"))])
        await pilot.pause()
        lines = panel.visible_text().splitlines()
        assert sum("Rolling back earlier" in line for line in lines) == 1
        assert sum("Canary failed! later" in line for line in lines) == 1
        assert "Rolling back earlier" in lines[-2] and "Canary failed! later" in lines[-1]
