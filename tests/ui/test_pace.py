"""Lines that count the whole fleet (the overview's tally, the top line's "k of N") move at most once a second on a
large fleet, and end on the latest state; on a small fleet every change is drawn at once."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from textual.content import Content
from textual.visual import VisualType

from tests.ui.test_overview_refresh import OverviewApp, fleet, phase_change
from tests.waiting import settle
from tui.domain.fleet import LOCAL
from tui.domain.model import CanaryKey
from tui.domain.observations import CanarySelected
from tui.domain.state import AppState
from tui.domain.triage_order import TriageOrder
from widgets.pace import PACE_FROM, PACE_S
from widgets.steady_static import SteadyStatic
from widgets.topbar import TopBar

CHANGES = 12


class Draws:
    """Every text a fleet-wide line was given that differs from its last, with when (time.monotonic)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: dict[str, list[tuple[float, str]]] = {"summary": [], "top": []}
        update = SteadyStatic.update

        def recording(widget: SteadyStatic, content: VisualType = "", *, layout: bool = True) -> None:
            name = "top" if isinstance(widget, TopBar) else "summary" if widget.id == "overview-summary" else None
            text = content.plain if isinstance(content, Content) else str(content)
            if name is not None and (not self.seen[name] or self.seen[name][-1][1] != text):
                self.seen[name].append((time.monotonic(), text))
            update(widget, content, layout=layout)

        monkeypatch.setattr(SteadyStatic, "update", recording)

    def last(self, name: str) -> str:
        return self.seen[name][-1][1] if self.seen[name] else ""

    def since(self, name: str, start: float) -> list[float]:
        return [at for at, _ in self.seen[name] if at >= start]


def failed(text: str) -> int:
    found = re.search(r"(\d+) failed", text)
    return int(found.group(1)) if found else 0


def place(text: str) -> int:
    found = re.search(r"\((\d+) of \d+\)", text)
    return int(found.group(1)) if found else 0


def expected_place(state: AppState) -> int:
    found = TriageOrder().position({LOCAL: state}, LOCAL, state.selected)
    assert found is not None
    return found[0]


async def burst(size: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Draws, float]:
    """A fleet of `size`, the second canary by name selected; then CHANGES after it fail one at a time, a frame apart.
    Failed canaries come first in triage order, so each failure moves the tally and the selected canary's place."""
    draws = Draws(monkeypatch)
    state = fleet(size)
    # Not the first row, where the cursor starts: a row the user picks stays selected when others fail.
    picked = CanaryKey("team-01", "app-0001")
    app = OverviewApp(state)
    async with app.run_test(size=(120, 40)) as pilot:
        app.apply([CanarySelected(picked)])
        await settle(
            pilot, lambda: place(draws.last("top")) == expected_place(app.state), "the selected canary's place"
        )
        before = expected_place(app.state)
        start = time.monotonic()
        for i in range(CHANGES):
            key = CanaryKey(f"team-{(i + 2) % 100:02d}", f"app-{i + 2:04d}")
            app.apply([phase_change(app.state, key, "Failed", at=2.0)])
            await pilot.pause()
            if size < PACE_FROM:
                # A small fleet: each change is on both lines after one pause.
                assert failed(draws.last("summary")) == i + 1
                assert place(draws.last("top")) == expected_place(app.state)
        # Both lines end on the latest state, however the changes were gathered.
        await settle(pilot, lambda: failed(draws.last("summary")) == CHANGES, "the tally of every failure", 10)
        await settle(pilot, lambda: place(draws.last("top")) == expected_place(app.state), "the last place", 10)
        assert app.state.selected == picked and expected_place(app.state) == before + CHANGES  # failures go first
    return draws, start


async def test_on_a_large_fleet_the_tally_and_the_place_move_at_most_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws, start = await burst(PACE_FROM + 50, monkeypatch)
    for name in ("summary", "top"):
        times = draws.since(name, start)
        assert times, f"the {name} line was drawn"
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # A small margin: the time is read in the test's wrapper, a moment after the pace notes it.
        assert all(gap >= PACE_S - 0.05 for gap in gaps), (name, gaps)
    # The burst took a frame per change (well under CHANGES seconds), so far fewer draws than changes.
    assert len(draws.since("summary", start)) < CHANGES


async def test_on_a_small_fleet_every_change_is_drawn_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    draws, start = await burst(PACE_FROM - 50, monkeypatch)
    assert len(draws.since("summary", start)) == CHANGES
