"""When each frame shows: the recording's times with pauses shortened (as asciinema's idle limit does), sped up,
cut to --from/--to, and snapped to the output's frame rate."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from tui.export.cast import Cast
from tui.export.raster import Raster

# How long the last picture stays before a loop starts again.
END_HOLD_S = 2.0


@dataclass(frozen=True)
class Timing:
    fps: float = 10.0
    speed: float = 1.0
    idle_limit: float | None = None
    start: float = 0.0  # --from, in the recording's own seconds
    end: float | None = None  # --to


@dataclass
class Schedule:
    prelude: list[tuple[str, str]]  # events before --from: they build the first picture
    slots: list[tuple[int, list[tuple[str, str]]]]  # (frame number, events shown from that frame on)
    last_slot: int  # the frame after which the output ends


def schedule(cast: Cast, timing: Timing) -> Schedule:
    limit = timing.idle_limit if timing.idle_limit is not None else cast.idle_time_limit
    prelude: list[tuple[str, str]] = []
    slots: list[tuple[int, list[tuple[str, str]]]] = []
    out, previous = 0.0, timing.start
    for at, code, data in cast.events:
        if timing.end is not None and at > timing.end:
            break
        if at < timing.start:
            prelude.append((code, data))
            continue
        gap = at - previous
        if limit is not None:
            gap = min(gap, limit)
        out += gap / timing.speed
        previous = at
        slot = math.floor(out * timing.fps + 1e-6)
        if slots and slots[-1][0] == slot:
            slots[-1][1].append((code, data))
        else:
            slots.append((slot, [(code, data)]))
    last = slots[-1][0] if slots else 0
    return Schedule(prelude, slots, last + max(1, round(END_HOLD_S * timing.fps)))


def play(raster: Raster, plan: Schedule) -> Iterator[tuple[int, bool]]:
    """Feeds the terminal in order; yields (frame number, whether the picture changed) for each step."""
    for code, data in plan.prelude:
        _apply(raster, code, data)
    first = True
    for slot, events in plan.slots:
        if first and slot > 0:
            yield 0, raster.paint()
            first = False
        for code, data in events:
            _apply(raster, code, data)
        yield slot, raster.paint() or first
        first = False
    if first:
        yield 0, raster.paint() or True


def _apply(raster: Raster, code: str, data: str) -> None:
    if code == "o":
        raster.feed(data)
    else:
        raster.resize(data)
