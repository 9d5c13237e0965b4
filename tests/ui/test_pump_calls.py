"""The frame pipeline's own scheduling (tui.base.pump_calls): calls run on the pump's queue, at most one is pending,
a cancelled one never runs, and scheduling does not count the callback's parameters again each time."""

from __future__ import annotations

import time

import pytest
import textual._callback
from textual.app import App

from tests.waiting import settle
from tui.base.pump_calls import Alarm, post_call


class Calls:
    def __init__(self) -> None:
        self.at: list[float] = []

    def __call__(self) -> None:
        self.at.append(time.monotonic())

    def record(self) -> None:
        self()


async def test_soon_runs_once_however_often_it_is_asked() -> None:
    calls = Calls()
    app = App[None]()
    async with app.run_test(size=(40, 10)) as pilot:
        alarm = Alarm(app, calls.record)
        for _ in range(5):
            alarm.soon()
        assert alarm.pending
        await settle(pilot, lambda: not alarm.pending, "the call ran")
        assert len(calls.at) == 1
        alarm.soon()  # pending again once it has run
        await settle(pilot, lambda: len(calls.at) == 2, "the second call ran")


async def test_arm_waits_for_its_delay_and_a_pending_call_comes_first() -> None:
    calls = Calls()
    app = App[None]()
    async with app.run_test(size=(40, 10)) as pilot:
        alarm = Alarm(app, calls.record)
        armed = time.monotonic()
        alarm.arm(0.2)
        alarm.arm(0.0)  # already pending: does not bring the call forward nor add one
        alarm.soon()
        await settle(pilot, lambda: calls.at, "the armed call ran")
        assert calls.at[0] - armed >= 0.2
        await settle(pilot, lambda: not alarm.pending, "nothing left pending")
        assert len(calls.at) == 1


@pytest.mark.parametrize("when", ["armed", "posted"])
async def test_a_cancelled_call_never_runs(when: str) -> None:
    calls, marker = Calls(), Calls()
    app = App[None]()
    async with app.run_test(size=(40, 10)) as pilot:
        alarm = Alarm(app, calls.record)
        if when == "armed":
            alarm.arm(0.05)
        else:
            alarm.soon()  # already in the queue when cancelled
        alarm.cancel()
        assert not alarm.pending
        later = Alarm(app, marker.record)
        later.arm(0.1)  # due after the cancelled one would have been
        await settle(pilot, lambda: marker.at, "a later call ran")
        assert calls.at == []


async def test_calls_are_not_counted_again_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[object] = []
    count = textual._callback._count_parameters

    def counting(func: object) -> int:
        counted.append(func)
        return count(func)  # type: ignore[arg-type]

    monkeypatch.setattr(textual._callback, "_count_parameters", counting)
    calls = Calls()
    app = App[None]()
    async with app.run_test(size=(40, 10)) as pilot:
        alarm = Alarm(app, calls.record)
        alarm.soon()
        await settle(pilot, lambda: calls.at, "the first call ran")
        before = sum(1 for func in counted if getattr(func, "__qualname__", "") == "Alarm._run")
        for round_ in range(2, 12):
            alarm.arm(0.0) if round_ % 2 else alarm.soon()
            await settle(pilot, lambda round_=round_: len(calls.at) == round_, f"call {round_} ran")
        after = sum(1 for func in counted if getattr(func, "__qualname__", "") == "Alarm._run")
        assert after == before <= 1


async def test_post_call_says_when_the_pump_is_gone() -> None:
    calls = Calls()
    app = App[None]()
    async with app.run_test(size=(40, 10)) as pilot:
        assert post_call(app, calls)
        await settle(pilot, lambda: calls.at, "the posted call ran")
    assert not post_call(app, calls)
