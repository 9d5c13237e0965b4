"""Only changed cells go to the terminal, and the terminal ends up showing exactly what Textual composed.

The app-level test drives the demo through keys, a rollout, screens and resizes, and feeds every compositor
update two ways into a small terminal model: as Textual renders it, and reduced by ScreenDiff. After every
step the two screens must be identical, cell by cell and style by style.
"""

from __future__ import annotations

import itertools
import random
import re

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip

from tests.simkit import simulation
from tui.app import CanaryscopeApp
from tui.app.screen_diff import JOIN_GAP, WIDE_TAIL, ScreenDiff, cells_of, changed_runs, segments_of
from tui.sim.actions import SimActions
from tui.sim.source import SimulationSource

TOKEN = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[([0-9;]*)m|(\n)|([^\x1b\n])")


class TerminalModel:
    """Enough of a terminal for Textual's output: cursor moves, SGR, newlines and text (wide characters too)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[(" ", "")] * width for _ in range(height)]
        self.x = self.y = 0
        self.sgr = ""
        self.bytes = 0

    def feed(self, data: str) -> None:
        self.bytes += len(data.encode())
        for match in TOKEN.finditer(data):
            row, col, sgr, newline, char = match.groups()
            if row is not None:
                self.y, self.x = int(row) - 1, int(col) - 1
            elif sgr is not None:
                self.sgr = "" if sgr in ("", "0") else sgr
            elif newline:
                self.y, self.x = self.y + 1, 0
            elif char is not None:
                self._put(char)

    def _put(self, char: str) -> None:
        from rich.cells import get_character_cell_size

        width = get_character_cell_size(char)
        if not (0 <= self.y < self.height):
            return
        if width == 0:
            if self.x > 0:
                previous, style = self.cells[self.y][self.x - 1]
                self.cells[self.y][self.x - 1] = (previous + char, style)
            return
        if self.x < self.width:
            self.cells[self.y][self.x] = (char, self.sgr)
        if width == 2 and self.x + 1 < self.width:
            self.cells[self.y][self.x + 1] = (WIDE_TAIL, self.sgr)
        self.x += width

    def resize(self, width: int, height: int) -> None:
        self.cells = [(row + [(" ", "")] * width)[:width] for row in self.cells[:height]]
        self.cells += [[(" ", "")] * width for _ in range(height - len(self.cells))]
        self.width, self.height = width, height

    def text(self) -> str:
        return "\n".join("".join(c for c, _ in row) for row in self.cells)


class TwoTerminals(CanaryscopeApp):
    """Feeds every update as Textual made it into one model, and as the app's ScreenDiff reduces it into another
    (headless apps write nothing, so the test plays the terminal)."""

    def __init__(self, name: str) -> None:
        sim = simulation(name)
        self.source = SimulationSource(sim, speed=5, autorun=False)
        super().__init__(self.source, SimActions(sim))
        assert self.screen_diff is not None
        self.full = TerminalModel(120, 40)
        self.reduced = TerminalModel(120, 40)

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        # The terminal keeps whatever it showed, cropped or padded; Textual repaints it all.
        self.full.resize(event.size.width, event.size.height)
        self.reduced.resize(event.size.width, event.size.height)

    def _display(self, screen, renderable) -> None:  # type: ignore[no-untyped-def]
        if renderable is None or not hasattr(renderable, "render_segments"):
            return
        self.full.feed(renderable.render_segments(self.console))
        assert self.screen_diff is not None
        reduced = self.screen_diff.reduce(renderable, self.size.width)
        if reduced is not None:
            self.reduced.feed(reduced.render_segments(self.console))


def test_cells_measure_wide_and_combining_characters() -> None:
    bold = Style(bold=True)
    cells = cells_of([Segment("a⚠", None), Segment("語e\u0301", bold)])
    assert [c for c, _ in cells] == ["a", "⚠", "語", WIDE_TAIL, "e\u0301"]
    assert cells[2][1] == bold and cells[3][1] == bold


def test_plain_ascii_and_control_characters_are_measured_alike() -> None:
    dim = Style(dim=True)
    # An ASCII control character is zero cells wide, as Rich measures it; a printable run is one cell each.
    cells = cells_of([Segment("ok 12", dim), Segment("a\tb", None), Segment("~", dim)])
    assert [c for c, _ in cells] == ["o", "k", " ", "1", "2", "a\t", "b", "~"]
    assert [s for _, s in cells] == [dim] * 5 + [None, None, dim]


def test_changed_runs_join_small_gaps_and_keep_wide_characters_whole() -> None:
    old = cells_of([Segment("12:00:05 status ok " + " " * 30 + "x")])
    new = cells_of([Segment("12:00:06 status ok " + " " * 30 + "y")])
    assert list(changed_runs(old, new)) == [(7, 8), (49, 50)]
    near = cells_of([Segment("12:00:16 status ok " + " " * 30 + "x")])
    assert list(changed_runs(old, near)) == [(6, 8)]
    assert list(changed_runs(near, near)) == []
    wide_old = cells_of([Segment("ab語cd")])
    wide_new = cells_of([Segment("ab語cd")])
    wide_new[3] = (WIDE_TAIL, Style(bold=True))  # only the right half of the wide character differs
    assert list(changed_runs(wide_old, wide_new)) == [(2, 4)]


def test_changed_runs_cover_every_changed_cell_and_nothing_far_from_one() -> None:
    rng = random.Random(7)
    styles = [None, Style(bold=True), Style(color="red")]
    for _ in range(300):
        text = "".join(rng.choice("ab 語1") for _ in range(rng.randint(0, 40)))
        old = cells_of([Segment(text, rng.choice(styles))])
        new = list(old)
        for _ in range(rng.randint(0, 6)):  # restyle a few characters (both halves of a wide one)
            if new:
                i = rng.randrange(len(new))
                i -= new[i][0] == WIDE_TAIL
                restyled = rng.choice(styles)
                new[i] = (new[i][0], restyled)
                if i + 1 < len(new) and new[i + 1][0] == WIDE_TAIL:
                    new[i + 1] = (WIDE_TAIL, restyled)
        runs = list(changed_runs(old, new))
        differing = {i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b}
        covered = {i for start, stop in runs for i in range(start, stop)}
        assert differing <= covered
        for start, stop in runs:
            assert start < stop and new[start][0] != WIDE_TAIL  # never the right half alone
            assert stop == len(new) or new[stop][0] != WIDE_TAIL
        for (_, stop), (start, _) in itertools.pairwise(runs):
            assert start - stop > JOIN_GAP  # closer runs are joined
        # A run starts and ends at a changed cell, or at the other half of a changed wide character.
        for start, stop in runs:
            assert {start, start + 1} & differing and {stop - 1, stop - 2} & differing


def test_runs_are_written_as_segments_of_their_cells() -> None:
    bold = Style(bold=True)
    cells = cells_of([Segment("ab", None), Segment("語c", bold), Segment("d", bold)])
    assert segments_of(cells) == [Segment("ab", None), Segment("語c" + "d", bold)]
    assert segments_of([]) == []


def test_a_strip_equal_to_the_one_on_screen_is_skipped_until_something_overwrites_it() -> None:
    from textual._compositor import ChopsUpdate

    def update(strip: Strip, x1: int = 0, x2: int = 10) -> ChopsUpdate:
        return ChopsUpdate([{0: strip}], [(0, x1, x2)], [[10]])

    diff = ScreenDiff()
    assert diff.reduce(update(Strip([Segment("0123456789", None)])), 10) is not None
    sent = diff.sent_cells
    # A new strip object with the same segments: nothing to send, nothing measured.
    assert diff.reduce(update(Strip([Segment("0123456789", None)])), 10) is None
    assert diff.sent_cells == sent
    # Part of the chop rewritten (a span that ends inside it: Textual writes the strip up to the span's end), then
    # the whole strip again: the cells that were overwritten go out once more.
    assert diff.reduce(update(Strip([Segment("abcdefghij", None)]), 2, 5), 10) is not None
    again = diff.reduce(update(Strip([Segment("0123456789", None)])), 10)
    assert again is not None
    assert again.render_segments(Console()) == "\x1b[1;1H01234"


def test_unknown_cells_are_always_sent() -> None:
    diff = ScreenDiff()
    from textual._compositor import ChopsUpdate

    strip = Strip([Segment("hello", None)])
    update = ChopsUpdate([{0: strip}], [(0, 0, 5)], [[5]])
    first = diff.reduce(update, 5)
    assert first is not None and "hello" in first.render_segments(Console())
    assert diff.reduce(update, 5) is None  # the same again: nothing to send
    diff.forget()
    assert diff.reduce(update, 5) is not None


async def test_the_reduced_output_shows_the_same_screen_as_full_repaints() -> None:
    app = TwoTerminals("demo")
    steps = 0

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        nonlocal steps
        await pilot.pause()
        steps += 1
        assert app.reduced.cells == app.full.cells, f"step {steps}:\n{app.reduced.text()}\n---\n{app.full.text()}"

    async with app.run_test(size=(120, 40)) as pilot:
        await check(pilot)
        await pilot.press("r")
        await check(pilot)
        full_before, reduced_before = app.full.bytes, app.reduced.bytes
        for _ in range(40):
            app.source.advance(3)
            await check(pilot)
        rollout_full, rollout_reduced = app.full.bytes - full_before, app.reduced.bytes - reduced_before
        for key in ("d", "escape", "question_mark", "escape", "e", "o", "enter", "slash"):
            await pilot.press(key)
            app.source.advance(2)
            await check(pilot)
        await pilot.press(*"succeed", "escape")
        await check(pilot)
        for width, height in ((100, 30), (60, 20), (120, 40)):
            await pilot.resize_terminal(width, height)
            app.source.advance(5)
            await check(pilot)
        for _ in range(10):
            app.source.advance(7)
            await check(pilot)
    assert "Flagger events" in app.full.text()
    # The point of it all: far fewer bytes for the same screen while a rollout runs (new screens and resizes
    # are full repaints either way).
    assert rollout_reduced < rollout_full / 4, (rollout_reduced, rollout_full)
    assert app.reduced.bytes < app.full.bytes, (app.reduced.bytes, app.full.bytes)
