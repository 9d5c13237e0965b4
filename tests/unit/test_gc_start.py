"""The collector is paused while demo and watch start (what start-up creates lives as long as the app) and is on
again once the command is over, whichever way it ends."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator

import pytest

from tui import cli
from tui.cmdline.parser import UsageError


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    yield
    gc.enable()


def command(run):  # type: ignore[no-untyped-def]
    return cli._tui_command("try", "a command", lambda: argparse.ArgumentParser(prog="try"), run).run


def test_a_tui_command_runs_with_the_collector_paused_and_leaves_it_on() -> None:
    seen: list[bool] = []
    assert command(lambda _args: seen.append(gc.isenabled()) or 0)([]) == 0
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.parametrize("problem", [UsageError("no such thing"), KeyboardInterrupt()], ids=repr)
def test_the_collector_is_on_again_after_a_mistake_or_an_interrupt(problem: BaseException) -> None:
    def failing(_args: argparse.Namespace) -> int:
        raise problem

    assert command(failing)([]) in (2, 130)
    assert gc.isenabled()
