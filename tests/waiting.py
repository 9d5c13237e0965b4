"""Waiting for a condition, never for a time: poll it until it holds, fail with what was awaited at the deadline.

The deadline only bounds a wait that would otherwise hang; a busy machine makes the wait longer, never wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

# How often a condition is looked at again: short, so a test goes on as soon as it holds.
POLL_S = 0.02


async def settle(pilot: Pilot[Any], predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """In a Pilot test: let the app run until predicate() holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        await pilot.pause(POLL_S)


def wait_until(predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Outside an app (threads, servers, processes): block until predicate() holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        time.sleep(POLL_S)
