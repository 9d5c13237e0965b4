"""Lines that count the whole fleet (the top line's "k of N", the overview's tally) move at most once a second
when the fleet is large: at a thousand canaries they would change with nearly every change anywhere, and each
change is a frame. The rows a change touches, and the selected canary's own state, are still drawn within a frame;
a held line is drawn with the latest state once its second is over, so nothing is lost, only gathered."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.widget import Widget

from tui.base.pump_calls import Alarm

PACE_S = 1.0
# Below this many canaries, counts change rarely: every change is drawn at once.
PACE_FROM = 100


class Pace:
    """When `widget` may draw a fleet-wide line again; `redraw` draws it with the latest state."""

    def __init__(self, widget: Widget, redraw: Callable[[], None], clock: Callable[[], float] = time.monotonic) -> None:
        self._widget = widget
        self._redraw = redraw
        self._clock = clock
        self._drawn_at = float("-inf")
        self._alarm = Alarm(widget, self._redraw)

    def hold(self, canaries: int) -> bool:
        """True when the line was drawn less than PACE_S ago and the fleet is large: it is drawn again when the
        second is over (once, however many changes wait). False: draw it now (then call `drawn`)."""
        if canaries < PACE_FROM or not self._widget.is_mounted:
            return False
        wait = self._drawn_at + PACE_S - self._clock()
        if wait <= 0:
            return False
        self._alarm.arm(wait)
        return True

    def drawn(self) -> None:
        self._drawn_at = self._clock()
