"""The terminal shrunk to 40x12 and restored, many times, headless: no crash, and the layout comes back exactly."""

from __future__ import annotations

import time

from tests.reliability.report import Report
from tests.simkit import EXAMINER, sim_app
from tui.screens.detail import DetailScreen

SECTION = "Faults survived"
CYCLES = 60
FULL, COMPACT, TINY = (120, 40), (80, 24), (40, 12)


async def test_resizing_down_to_40x12_and_back_many_times(report: Report) -> None:
    app, source, sim = sim_app("demo")
    async with app.run_test(size=FULL) as pilot:
        await pilot.press("l")  # background load, so every panel has something to lay out
        sim.release(EXAMINER, faulty=True)
        source.advance(240)  # a faulty release rolled back: events long enough to wrap when narrow
        app.clear_notifications()  # toasts expire in real time; the comparison is about the layout
        await pilot.pause()
        screen = app.rollout_screen
        before = app.export_screenshot()
        layouts: set[str] = set()
        started = time.monotonic()
        for cycle in range(CYCLES):
            await pilot.resize_terminal(*TINY)
            layouts.add(screen.layout_name)
            assert screen.has_class("-too-small"), f"cycle {cycle}: 40x12 shows the too-small notice"
            if cycle % 3 == 0:
                await pilot.resize_terminal(*COMPACT)
                layouts.add(screen.layout_name)
            await pilot.resize_terminal(*FULL)
            layouts.add(screen.layout_name)
            assert not screen.has_class("-too-small") and not screen.has_class("-compact")
        per_cycle = (time.monotonic() - started) / CYCLES
        await pilot.pause()
        after = app.export_screenshot()
        # The detail charts (plotext) go through the same.
        await pilot.press("d")
        assert isinstance(app.screen, DetailScreen)
        for _ in range(CYCLES // 3):
            await pilot.resize_terminal(*TINY)
            await pilot.resize_terminal(*FULL)
        await pilot.press("escape")
        await pilot.pause()
        back = app.export_screenshot()
        await pilot.press("q")
    same = before == after == back
    report.outcome(
        SECTION,
        "resize",
        f"the terminal resized 120x40 → 40x12 (→ 80x24 every third time) → 120x40, {CYCLES} times, then "
        f"{CYCLES // 3} more times on the detail charts",
        "no crash; the too-small notice at 40x12; the exported 120x40 screenshot identical afterwards",
        f"{'identical' if same else 'DIFFERENT'} screenshot, {per_cycle * 1000:.0f} ms per cycle",
        same and layouts == {"too-small", "compact", "full"},
    )
    assert layouts == {"too-small", "compact", "full"}
    assert same, "the 120x40 screen after the resizes differs from the one before (the event log kept its wrapping?)"
