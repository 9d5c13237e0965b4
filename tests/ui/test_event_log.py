"""The event log keeps time order when an event arrives late (an Events API list after the logger stream)."""

from __future__ import annotations

import random
from dataclasses import replace

from tests.simkit import sim_app
from tui.domain.model import FlaggerEvent
from tui.domain.observations import EventObserved
from widgets.events_panel import EventsPanel


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


async def test_the_log_written_as_events_arrive_equals_the_log_written_afresh() -> None:
    """New events are appended from the end of the log (no walk of it all); whatever the arrivals (in order, late,
    whole-second copies and their precise copies, in bursts), the lines are those of the log written again."""
    rng = random.Random(15)
    app, source, sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.rollout_screen.query_one("#events", EventsPanel)
        t = float(int(app.state.events[-1].event.t) + 10)
        appended = 0
        for burst in range(60):
            arrivals: list[FlaggerEvent] = []
            for _ in range(rng.randint(1, 4)):
                t += rng.choice((0.25, 1.0, 2.0))
                kind = rng.choice(("new", "new", "late", "coarse"))
                message = f"message {burst}-{len(arrivals)}"
                if kind == "late":
                    arrivals.append(FlaggerEvent(t - 30, "apps", "examiner", "Normal", message, source="events"))
                elif kind == "coarse":
                    coarse = FlaggerEvent(float(int(t)), "apps", "examiner", "Warning", message, source="events")
                    arrivals += [coarse, replace(coarse, t=int(t) + 0.5, source="logger")]
                else:
                    arrivals.append(FlaggerEvent(t, "apps", "examiner", "Normal", message))
            before = panel._shown
            app.apply([EventObserved(e) for e in arrivals])
            await pilot.pause()
            appended += panel._shown > before and all(e.source == "logger" for e in arrivals)
            written = panel.visible_text()
            panel._rewrite(app.state)
            await pilot.pause()
            assert written == panel.visible_text(), f"burst {burst}"
        assert appended > 0, "in-order arrivals were appended, not written afresh"
