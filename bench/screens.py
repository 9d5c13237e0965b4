"""What "every panel shows data" means, read off the terminal's screen text."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from bench.minimal_app import READY_TEXT, TOGGLED_TEXT
from tui.screens.overview import COLUMNS as OVERVIEW_COLUMNS
from tui.screens.overview import sort_value

NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# One pattern per panel of the rollout screen, each matching data rather than a title or a placeholder.
ROLLOUT_PANELS: dict[str, re.Pattern[str]] = {
    "top bar (source health and clock)": re.compile(r"canaryscope · .*connected.*\d\d:\d\d:\d\d"),
    "canary status": re.compile(r"weight +\d+% of max \d+%"),
    "traffic split": re.compile(r"primary \d+% .*% canary"),
    "deployments": re.compile(r"-primary +primary +\d+ +\d+"),
    "success rate and latency": re.compile(r"\d+\.\d+% [✔✖].*\d+ms"),
    "Flagger events": re.compile(r"│ \d\d:\d\d:\d\d [·⚠] "),
    "load": re.compile(r"req/s · p99"),
    "footer": re.compile(r"r Release .*\? Help"),
}


def missing_panels(text: str) -> list[str]:
    return [name for name, pattern in ROLLOUT_PANELS.items() if not pattern.search(text)]


def rollout_complete(text: str) -> bool:
    return not missing_panels(text)


def minimal_shown(text: str) -> str:
    return "toggled" if TOGGLED_TEXT in text else "ready" if READY_TEXT in text else ""


def minimal_complete(text: str) -> bool:
    return READY_TEXT in text and "MinimalApp" in text and "Quit" in text


def status_weight(text: str) -> int | None:
    match = re.search(r"weight +(\d+)% of max", text)
    return int(match.group(1)) if match else None


def shows_weight(weight: int) -> Callable[[str], bool]:
    return lambda text: status_weight(text) == weight


def shows_phase(key: str, phase: str) -> Callable[[str], bool]:
    pattern = re.compile(re.escape(key) + r" +\S+ " + re.escape(phase) + r"\b")
    return lambda text: pattern.search(text) is not None


def overview_count(count: int) -> Callable[[str], bool]:
    needle = f"{count} canaries"
    return lambda text: needle in text


def _is_overview_header(line: str) -> bool:
    starts = [line.find(f" {title} ") for title in OVERVIEW_COLUMNS[:2]]
    return all(s >= 0 for s in starts) and starts == sorted(starts)


def overview_rows(text: str) -> list[list[str]]:
    """The overview table's visible rows, cut into columns at the header's title positions. Columns scrolled
    out of view (the table is wider than 120 columns) are left out."""
    lines = text.splitlines()
    index = next((i for i, line in enumerate(lines) if _is_overview_header(line)), None)
    if index is None:
        return []
    header = lines[index]
    starts = []
    for title in OVERVIEW_COLUMNS:
        found = header.find(f" {title} ", starts[-1] if starts else 0)
        if found < 0:
            break
        starts.append(found + 1)
    rows = []
    for line in lines[index + 1 :]:
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line)], strict=True)]
        if not NAMESPACE.fullmatch(cells[0]):
            break  # the end of the rows: blank space or the footer's keys
        rows.append(cells)
    return rows


def overview_sorted_on(column: int) -> Callable[[str], bool]:
    """True when the visible rows are in the overview's own sort order for `column` (ascending)."""

    def sorted_on(text: str) -> bool:
        rows = overview_rows(text)
        if len(rows) < 2 or len(rows[0]) <= column + 1:
            return False  # too few rows, or the column is out of view (the last visible one may be cut short)
        values = [sort_value(column, row[column]) for row in rows]
        return all(a <= b for a, b in itertools.pairwise(values))

    return sorted_on


def help_open(text: str) -> bool:
    return "canaryscope keys" in text


def overview_open(text: str) -> bool:
    return bool(overview_rows(text)) and not help_open(text)


def rollout_panel(name: str) -> Callable[[str], bool]:
    """True when the rollout screen's panel `name` (a key of ROLLOUT_PANELS) shows data."""
    pattern = ROLLOUT_PANELS[name]
    return lambda text: pattern.search(text) is not None


def check_values_shown(names: tuple[str, ...]) -> Callable[[str], bool]:
    """True when the rollout screen's checks panel has a measured value (`0.91 ✔`) on the row of every check named."""
    patterns = [re.compile(re.escape(name) + r" .*\d\.\d\d [✔✖]") for name in names]
    return lambda text: all(p.search(text) for p in patterns)
