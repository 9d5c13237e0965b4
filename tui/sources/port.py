"""What the app (or `wait`) needs of a source of observations. Nothing here knows Textual or the simulation.

A source writes into its owner's mailbox (tui.sources.mailbox): the simulation on the owner's thread, the cluster from
worker threads. A source whose time is virtual offers `pacing`: the owner asks it to step on its own timer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tui.sources.mailbox import Consumer, Mailbox


class Pacing(Protocol):
    """Virtual time that the owner moves: `step()` every `tick_s` real seconds while `autorun` says so."""

    tick_s: float
    autorun: bool
    # While this says so, time stands still (a recording waits until each frame is captured).
    hold: Callable[[], bool] | None
    # Called before every virtual second with the time it starts at (scripts fire at exact virtual times).
    before_step: Callable[[float], None] | None

    def step(self) -> None:
        """One tick of the owner's timer: time moves on by the whole virtual seconds it has come to."""
        ...

    def advance(self, seconds: float) -> None:
        """Move virtual time on by whole seconds and hand over the result."""
        ...


class Source(Protocol):
    label: str

    @property
    def pacing(self) -> Pacing | None:
        """None for a source that keeps its own time."""
        ...

    def start(self, sink: Mailbox | Consumer) -> None: ...

    def pump(self) -> None:
        """Hand over anything already pending (after an action), synchronously."""
        ...

    def stop(self) -> None: ...
