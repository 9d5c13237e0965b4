"""The analysis view's parts: one card per check (focusable, its query selectable and wrapped) and the "why" line.

Every name, query, value and error here comes from the cluster: it goes into Content as plain text, never markup.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.domain import wording
from tui.domain.analysis_checks import CheckEntry, CheckValue

MARK_FAIL = ("✖", "$error bold")
MARK_PASS = ("✔", "$success")
MARK_NONE = ("·", "$text-muted")
LABEL_STYLE = "$text-muted"
# An older value that is missing (no traffic, an error): the newest says why in words.
GAP = "—"
# `values ` / `query  `: the labels before a card's second and later lines.
LABEL_WIDTH = 7


def _mark(value: CheckValue | None) -> tuple[str, str]:
    if value is None or value.fails is None:
        return MARK_NONE
    return MARK_FAIL if value.fails else MARK_PASS


def head_line(entry: CheckEntry, width: int) -> Content:
    """`✖ error-rate  max 1 · 2 failed · every 1m · templateRef test/error-rate (prometheus)`, cut with `…`."""
    mark, style = _mark(entry.latest)
    check = entry.check
    failed = f"{entry.failures} failed" if entry.failures else "no failure"
    # The range and the failures first: a narrow line loses the source before them.
    parts = [entry.range, failed, f"every {check.interval}", entry.source]
    name = wording.shorten(check.name, max(8, width // 3))
    rest = wording.shorten(" · ".join(parts), max(1, width - len(name) - 4))
    problem_style = "$error" if check.problem else ""
    return Content.assemble((mark, style), " ", (name, "bold"), "  ", (rest, problem_style))


def values_line(entry: CheckEntry, width: int) -> Content:
    """`values 0.42 0.61 ✖1.30  at 12:03:30`: the newest last; the oldest go first (`…`) when they do not fit."""
    label = Content.styled(f"{'values':<{LABEL_WIDTH}}", LABEL_STYLE)
    if not entry.values:
        return label + Content.styled("no values yet", "$text-muted")
    room = max(1, width - LABEL_WIDTH)
    newest_first = list(reversed(entry.values))
    chosen: list[Content] = []
    used = 0
    for i, value in enumerate(newest_first):
        mark, style = _mark(value)
        text = f"{mark}{value.text}" if value.fails else value.text
        if value.fails is None and i > 0:
            text = GAP  # only the newest missing value says why in full
        cost = len(text) + (1 if chosen else 0)
        reserve = 2 if i < len(newest_first) - 1 else 0  # room for `… ` before the ones left out
        if used + cost + reserve > room:
            break
        chosen.append(Content.styled(text, "" if value.fails is False else style))
        used += cost
    if not chosen:  # one error longer than the line
        return label + Content.styled(wording.shorten(newest_first[0].text, room), LABEL_STYLE)
    if len(chosen) < len(newest_first):
        chosen.append(Content("…"))
        used += 2
    line = Content(" ").join(reversed(chosen))
    at = f"  at {wording.clock(entry.values[-1].at)}"
    if used + len(at) <= room:
        line += Content.styled(at, LABEL_STYLE)
    return label + line


def query_lines(entry: CheckEntry) -> Content:
    """The query in full (it wraps), and where it comes from."""
    label = Content.styled(f"{'query':<{LABEL_WIDTH}}", LABEL_STYLE)
    note = Content.styled(f"{'':<{LABEL_WIDTH}}{entry.query_note}", LABEL_STYLE) if entry.query_note else None
    body = Content(entry.query) if entry.query else Content.styled("none", "$text-muted")
    lines = [label + body]
    if note is not None:
        lines.append(note)
    return Content("\n").join(lines)


class CheckCard(Static, can_focus=True):
    """One check: its head line, its values and its query. Focus picks the check `y` copies."""

    DEFAULT_CSS = """
    CheckCard {
        height: auto;
        padding: 0 1;
        border-left: blank;
    }
    CheckCard:focus {
        border-left: thick $accent;
        background: $boost;
    }
    """

    def __init__(self, entry: CheckEntry, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.entry = entry

    def show_entry(self, entry: CheckEntry) -> None:
        self.entry = entry
        self.refresh_content()

    def on_resize(self) -> None:
        self.refresh_content()

    def refresh_content(self) -> None:
        width = max(20, self.content_region.width or self.size.width or 80)
        entry = self.entry
        self.update(Content("\n").join([head_line(entry, width), values_line(entry, width), query_lines(entry)]))
