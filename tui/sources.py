"""Sources feed observations to the app. The simulation steps on the UI thread (pure computation, no I/O);
cluster sources run in worker threads and post ObservationBatch messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual.message import Message
from textual.timer import Timer

from tui.observations import Observation

if TYPE_CHECKING:
    from tui.sim.engine import Simulation


class ObservationBatch(Message):
    """Observations from a worker thread; post_message is thread-safe."""

    def __init__(self, observations: list[Observation]) -> None:
        super().__init__()
        self.observations = observations


class ObservationsPending(Message):
    """Posted (thread-safely) when a burst of observations is waiting; the app drains them all at once."""


class Sink(Protocol):
    def apply(self, observations: list[Observation]) -> None: ...

    def set_interval(self, interval: float, callback: object) -> Timer: ...


class Source(Protocol):
    label: str

    def start(self, app: Sink) -> None: ...

    def pump(self) -> None:
        """Hand over anything already pending (after an action), synchronously."""
        ...

    def stop(self) -> None: ...


class SimulationSource:
    """Drives the simulation from a UI timer: `speed` virtual seconds per real second."""

    TICK_S = 0.25

    def __init__(self, sim: Simulation, speed: float, *, autorun: bool = True) -> None:
        self.sim = sim
        self.speed = speed
        self.autorun = autorun
        self.label = f"simulation (seed {sim.seed}, ×{speed:g})"
        self._app: Sink | None = None
        self._timer: Timer | None = None
        self._carry = 0.0
        # Called before every virtual second (scripts fire at exact virtual times).
        self.before_step: Callable[[float], None] | None = None
        # While this says so, time stands still (a recording waits until each frame is captured).
        self.hold: Callable[[], bool] | None = None

    def start(self, app: Sink) -> None:
        self._app = app
        app.apply(self.sim.drain())
        if self.autorun:
            self._timer = app.set_interval(self.TICK_S, self._tick)

    def _tick(self) -> None:
        if self.hold is not None and self.hold():
            return
        self._carry += self.TICK_S * self.speed
        whole = int(self._carry)
        if whole:
            self._carry -= whole
            self.advance(whole)

    def advance(self, seconds: float) -> None:
        """Move virtual time on by whole seconds and show the result (tests call this directly)."""
        self.sim.advance(seconds, self.before_step)
        self.pump()

    def pump(self) -> None:
        if self._app is not None:
            self._app.apply(self.sim.drain())

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
