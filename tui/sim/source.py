"""The simulation as a source: it steps on its owner's thread (pure computation, no I/O) when the owner's timer
asks its pacing to, or when a test advances it by hand."""

from __future__ import annotations

from collections.abc import Callable

from tui.sim.engine import Simulation
from tui.sources.mailbox import Consumer, Mailbox, mailbox_for

TICK_S = 0.25


class SimulationPacing:
    """`speed` virtual seconds per real second, in whole virtual seconds (the fractions are carried over)."""

    def __init__(self, sim: Simulation, speed: float, hand_over: Callable[[], None], *, autorun: bool) -> None:
        self.tick_s = TICK_S
        self.autorun = autorun
        self.hold: Callable[[], bool] | None = None
        self.before_step: Callable[[float], None] | None = None
        self._sim = sim
        self._speed = speed
        self._hand_over = hand_over
        self._carry = 0.0
        self._stopped = False

    def step(self) -> None:
        if self._stopped or (self.hold is not None and self.hold()):
            return
        self._carry += self.tick_s * self._speed
        whole = int(self._carry)
        if whole:
            self._carry -= whole
            self.advance(whole)

    def advance(self, seconds: float) -> None:
        self._sim.advance(seconds, self.before_step)
        self._hand_over()

    def stop(self) -> None:
        """Later ticks of the owner's timer do nothing (advancing by hand still works)."""
        self._stopped = True


class SimulationSource:
    """Drives the simulation: `speed` virtual seconds per real second while `autorun`, else only when advanced."""

    TICK_S = TICK_S

    def __init__(self, sim: Simulation, speed: float, *, autorun: bool = True) -> None:
        self.sim = sim
        self.speed = speed
        self.autorun = autorun
        self.label = f"simulation (seed {sim.seed}, ×{speed:g})"
        self.pacing = SimulationPacing(sim, speed, self.pump, autorun=autorun)
        self._sink: Mailbox | None = None

    def start(self, sink: Mailbox | Consumer) -> None:
        self._sink = mailbox_for(sink)
        self.pump()

    def advance(self, seconds: float) -> None:
        """Move virtual time on by whole seconds and show the result (tests call this directly)."""
        self.pacing.advance(seconds)

    def pump(self) -> None:
        if self._sink is not None:
            self._sink.hand_over(self.sim.drain())

    def stop(self) -> None:
        self.pacing.stop()
