"""Send the terminal only the cells that changed.

Textual repaints every dirty widget region in full: a panel whose clock moves by one second rewrites all of its
rows, borders and blank lines included. Over a slow ssh link that is most of the traffic (a 120x40 rollout
screen wrote as many bytes per second as clearing the screen and printing it all again). ScreenDiff keeps a
model of what the terminal shows (a character and a style per cell) and turns each partial update from
Textual's compositor into the runs of cells that differ from it. Full updates (first paint, resize, a new
screen) are passed on unchanged and reset the model, so the model can only be out of date by being unknown,
which makes the next update send everything.

This reads two of Textual's internal classes (textual._compositor's LayoutUpdate and ChopsUpdate, stable
through Textual 8); should they move, `ScreenDiff.available` is False and every update goes out as Textual
made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

from rich.cells import get_character_cell_size
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment, Segments
from rich.style import Style
from textual.strip import Strip

try:  # Textual internals; see the module docstring
    from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
except ImportError:  # pragma: no cover - a Textual without them keeps its own output
    ChopsUpdate = LayoutUpdate = None  # type: ignore[assignment,misc]
    CompositorUpdate = object  # type: ignore[assignment,misc]

# The right half of a double-width character: never sent on its own.
WIDE_TAIL = ""
# Unchanged cells between two changed runs cheaper to resend than a cursor move and fresh styles.
JOIN_GAP = 8

Cell = tuple[str, Style | None]
UNKNOWN: Cell = ("\x00", None)  # never equal to a real cell


def cells_of(segments: Iterable[Segment]) -> list[Cell]:
    """One (character, style) per terminal cell, as Rich measures them."""
    cells: list[Cell] = []
    append, extend = cells.append, cells.extend
    for text, style, control in segments:
        if control:
            continue
        if text.isascii() and text.isprintable():  # one cell per character, checked in C: most of every line
            extend(zip(text, repeat(style)))
            continue
        for char in text:
            width = get_character_cell_size(char)
            if width == 1:
                append((char, style))
            elif width == 2:
                append((char, style))
                append((WIDE_TAIL, style))
            elif cells:  # zero width: a combining mark belongs to the previous cell
                previous, previous_style = cells[-1]
                cells[-1] = (previous + char, previous_style)
    return cells


def changed_runs(old: list[Cell], new: list[Cell]) -> Iterator[tuple[int, int]]:
    """[start, end) runs where `new` differs from `old`, never splitting a double-width character."""
    length = len(new)
    if len(old) < length:
        old = old + [UNKNOWN] * (length - len(old))
    # The differing cells found in one comprehension, then grouped: a changed row differs in a few cells of about a
    # hundred, and a comprehension over the pairs costs about half of a loop that indexes both lists.
    differing = [index for index, a, b in zip(range(length), old, new, strict=False) if a != b]
    run_start = run_end = -1
    for index in differing:
        if index < run_end:  # inside the run already (the right half of a wide character)
            continue
        start, end = index, index + 1
        if start > 0 and new[start][0] == WIDE_TAIL:
            start -= 1
        if end < length and new[end][0] == WIDE_TAIL:
            end += 1
        if run_start < 0:
            run_start, run_end = start, end
        elif start - run_end <= JOIN_GAP:
            run_end = end
        else:
            yield run_start, run_end
            run_start, run_end = start, end
    if run_start >= 0:
        yield run_start, run_end


def segments_of(cells: list[Cell]) -> list[Segment]:
    """The cells as segments, one per stretch of one style (cheaper than cropping the strip they came from)."""
    segments: list[Segment] = []
    if not cells:
        return segments
    chars: list[str] = []
    style = cells[0][1]
    for char, cell_style in cells:
        if cell_style is not style:
            segments.append(Segment("".join(chars), style))
            chars = []
            style = cell_style
        chars.append(char)
    segments.append(Segment("".join(chars), style))
    return segments


class CellsUpdate(CompositorUpdate):  # type: ignore[misc,valid-type]
    """The changed runs of one partial update: (x, y, segments) each, written after a cursor move."""

    def __init__(self, runs: list[tuple[int, int, list[Segment]]]) -> None:
        self.runs = runs

    def __rich_console__(self, console: Console, options: Any) -> Iterator[Any]:
        from rich.control import Control

        for x, y, segments in self.runs:
            yield Control.move_to(x, y).segment
            yield Segments(segments)

    def render_segments(self, console: Console) -> str:
        # As Strip.render writes a strip's segments, without a Strip (and its caches) per run.
        color_system = console._color_system or ColorSystem.TRUECOLOR
        render = Strip.render_style
        return "".join(
            f"\x1b[{y + 1};{x + 1}H"
            + "".join(text if style is None else render(style, text, color_system) for text, style, _ in segments)
            for x, y, segments in self.runs
        )


class ScreenDiff:
    available = ChopsUpdate is not None

    def __init__(self) -> None:
        self.rows: list[list[Cell]] = []
        # Per row, the strips last written whole at a chop's x (with the x they end at): a strip equal to the one
        # there is skipped without measuring its cells. A write over part of a chop drops its entry.
        self.strips: list[dict[int, tuple[int, Strip]]] = []
        self.width = 0
        self.sent_cells = 0
        self.skipped_cells = 0

    def forget(self) -> None:
        """The terminal's content is unknown (cleared, resized, written by someone else)."""
        self.rows = []
        self.strips = []
        self.width = 0

    def _row(self, y: int, width: int) -> list[Cell]:
        if width != self.width:
            self.forget()
            self.width = width
        while len(self.rows) <= y:
            self.rows.append([UNKNOWN] * width)
            self.strips.append({})
        return self.rows[y]

    def reduce(self, update: Any, width: int) -> Any:
        """The update to write instead of `update` (None: nothing changed on screen)."""
        if not self.available:
            return update
        if isinstance(update, LayoutUpdate):
            self._full(update, width)
            return update
        if isinstance(update, ChopsUpdate):
            return self._partial(update, width)
        self.forget()  # anything else (inline updates, plain renderables) leaves the model unknown
        return update

    def _full(self, update: Any, width: int) -> None:
        self.forget()
        region = update.region
        for y, line in enumerate(update.strips, region.y):
            row = self._row(y, width)
            cells = [cell for strip in line for cell in cells_of(strip)]
            row[region.x : region.x + len(cells)] = cells
            del row[width:]

    def _partial(self, update: Any, width: int) -> Any:
        runs: list[tuple[int, int, list[Segment]]] = []
        chops, chop_ends = update.chops, update.chop_ends
        for y, x1, x2 in update.spans:
            row = self._row(y, width)
            written = self.strips[y]
            for end, (x, strip) in zip(chop_ends[y], chops[y].items(), strict=False):
                if strip is None or x > x2 or end <= x1:
                    continue
                whole = x2 > x >= x1 and end <= x2
                if whole:
                    last = written.get(x)
                    if last is not None and last[0] == end and last[1] == strip:
                        self.skipped_cells += max(0, min(end, width) - x)
                        continue
                else:  # the same cropping Textual does
                    strip = strip.crop(0, min(end, x2) - x)
                new = cells_of(strip)
                new = new[: max(0, width - x)]
                right = x + len(new)
                for other in [k for k, (e, _) in written.items() if k < right and e > x]:
                    del written[other]
                if whole:
                    written[x] = (end, strip)
                old = row[x:right]
                if old == new:
                    self.skipped_cells += len(new)
                    continue
                sent = 0
                for start, stop in changed_runs(old, new):
                    runs.append((x + start, y, segments_of(new[start:stop])))
                    sent += stop - start
                self.sent_cells += sent
                self.skipped_cells += len(new) - sent
                row[x:right] = new
        return CellsUpdate(runs) if runs else None
