"""While observations stream in, the app folds and shows them at most once per frame: bursts that follow each other
within a frame are taken together, while a lone change (or one right after a lone change) is taken at once."""

from __future__ import annotations

import time

import pytest

from tests.simkit import simulation
from tests.waiting import settle
from tui.app import CanaryscopeApp
from tui.app import main as app_main
from tui.domain.observations import ClockTick, Observation
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource

ONE = {"canaries": [{"name": "examiner"}]}


def counting_app(monkeypatch: pytest.MonkeyPatch) -> tuple[CanaryscopeApp, list[list[Observation]]]:
    sim = simulation(ONE)
    app = CanaryscopeApp(SimulationSource(sim, speed=5, autorun=False), SimActions(sim))
    applied: list[list[Observation]] = []
    apply = CanaryscopeApp.apply

    def counting(self: CanaryscopeApp, observations: list[Observation]) -> None:
        applied.append(list(observations))
        apply(self, observations)

    monkeypatch.setattr(CanaryscopeApp, "apply", counting)
    return app, applied


async def test_bursts_within_a_frame_are_applied_together(monkeypatch: pytest.MonkeyPatch) -> None:
    app, applied = counting_app(monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: hasattr(app, "mailbox"), "the app started its source")
        start_now = app.state.now
        await settle(
            pilot, lambda: time.monotonic() - app._last_flush > app_main.FRAME_S, "a quiet spell longer than a frame"
        )
        applied.clear()
        bursts = 40
        started = time.monotonic()
        for index in range(bursts):
            # Each burst begins after the previous one was taken from the mailbox (or is waiting for its frame).
            app.mailbox.put([ClockTick(start_now + 1 + index)])
            await pilot.pause()
        await settle(pilot, lambda: app.state.now == start_now + bursts, "every burst applied")
        elapsed = time.monotonic() - started
    ticks = [o for batch in applied for o in batch if isinstance(o, ClockTick)]
    assert [t.now for t in ticks] == [start_now + 1 + i for i in range(bursts)], "every observation, in order"
    frames = 1 + elapsed / app_main.FRAME_S
    # The first two bursts are taken at once (nothing streamed before them), then one a frame.
    assert len(applied) <= frames + 2, f"{len(applied)} applies in {elapsed:.3f} s: at most one a frame"


async def test_a_lone_change_is_applied_without_waiting_for_a_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    app, applied = counting_app(monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: hasattr(app, "mailbox"), "the app started its source")
        await settle(
            pilot, lambda: time.monotonic() - app._last_flush > app_main.FRAME_S, "a quiet spell longer than a frame"
        )
        for step in (10, 11):  # a lone change, and one right after it (a change after the clock's tick)
            now = app.state.now + step
            app.mailbox.put([ClockTick(now)])
            await settle(pilot, lambda now=now: app.state.now == now, "the change applied")
            assert not app._frame_alarm.pending, "taken at once, no frame timer armed"
