"""The analysis view (key `c`): the followed canary's analysis as Flagger runs it. At the top, one sentence that says
why it stands where it stands; below, every check with its source, interval, range, latest values, the failed checks
it caused and the query Flagger sends (wrapped, selectable, `y` copies it); then the webhooks and their last results.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.domain import wording
from tui.domain.analysis_checks import CheckEntry, analysis_checks
from tui.domain.analysis_summary import why
from tui.domain.model import Phase
from tui.domain.state import AppState, CanaryView
from tui.screens import keys, moves
from widgets.analysis_view import CheckCard
from widgets.hooks_view import hook_line, results_for
from widgets.key_bar import KeyBar

# At most this many hooks are listed under the checks (a Canary has a handful).
HOOK_LINES = 6


def why_style(view: CanaryView | None, sentence: str) -> str:
    if view is None:
        return "$text-muted"
    if view.info.phase == Phase.FAILED:
        return "$error bold"
    if view.info.phase == Phase.SUCCEEDED:
        return "$success bold"
    if sentence.startswith(("Halted", "Waiting for approval")):
        return "$warning bold"
    return "bold"


class AnalysisScreen(Screen[None]):
    BINDINGS = keys.bindings(moves.ANALYSIS)

    def __init__(self) -> None:
        super().__init__()
        self._names: tuple[str, ...] | None = None
        self._key: object = None

    def compose(self) -> ComposeResult:
        yield Static("", id="analysis-title", markup=False)  # names from the cluster are never markup
        yield Static("", id="analysis-why", markup=False)
        yield VerticalScroll(id="analysis-checks", can_focus=False)
        yield Static("", id="analysis-hooks", markup=False)
        yield KeyBar()

    def on_screen_resume(self) -> None:
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self.show_state(state)

    def on_resize(self) -> None:
        self.on_screen_resume()

    @property
    def cards(self) -> list[CheckCard]:
        return list(self.query(CheckCard))

    def show_top_line(self, state: AppState) -> CanaryView | None:
        if not self.is_mounted:
            return None
        view = state.selected_view
        title = self.query_one("#analysis-title", Static)
        key = state.selected
        name = str(key) if key is not None else "No canary selected"
        if view is None and key is not None:
            name += " (deleted)" if state.deleted is not None and state.deleted[0] == key else " (not in scope)"
        checks = len(view.info.analysis.checks) if view is not None else 0
        parts = [name, wording.clock(state.now), "analysis", f"{checks} check{'' if checks == 1 else 's'}"]
        parts.append("y copies the focused query · Esc comes back")
        width = max(10, self.size.width - 2)
        while len(parts) > 2 and len(" · ".join(parts)) > width:
            parts.pop()
        title.update(Content(wording.shorten(" · ".join(parts), width)))
        return view

    def show_state(self, state: AppState) -> None:
        if not self.is_mounted:
            return
        view = self.show_top_line(state)
        sentence = why(state, state.selected)
        self.query_one("#analysis-why", Static).update(Content.styled(sentence, why_style(view, sentence)))
        entries = analysis_checks(state, view) if view is not None else []
        self._show_checks(view, entries)
        self._show_hooks(state, view)

    def _show_checks(self, view: CanaryView | None, entries: list[CheckEntry]) -> None:
        names = tuple(entry.check.name for entry in entries)
        key = view.key if view is not None else None
        box = self.query_one("#analysis-checks", VerticalScroll)
        if names != self._names or key != self._key:
            self._names, self._key = names, key
            box.remove_children()
            cards = [CheckCard(entry) for entry in entries]
            if not cards:
                box.mount(Static(Content.styled("No checks: spec.analysis.metrics is empty.", "$text-muted")))
                return
            box.mount_all(cards)
            cards[0].focus()
            return
        for card, entry in zip(self.cards, entries, strict=False):
            if card.entry != entry:
                card.show_entry(entry)

    def _show_hooks(self, state: AppState, view: CanaryView | None) -> None:
        hooks = self.query_one("#analysis-hooks", Static)
        results = results_for(state, view) if view is not None else ()
        hooks.display = bool(results)
        if not results:
            return
        shown = results[:HOOK_LINES]
        width = max(10, self.size.width - 2)
        type_width = max(len(result.type) for result in shown)
        title = Content.styled(f"Webhooks ({len(results)})", "bold")
        hooks.update(Content("\n").join([title, *(hook_line(result, width, type_width) for result in shown)]))

    # --- keys ----------------------------------------------------------------------------------------------

    def _focused_card(self) -> CheckCard | None:
        focused = self.focused
        if isinstance(focused, CheckCard):
            return focused
        cards = self.cards
        return cards[0] if cards else None

    def action_focus_check(self, step: int) -> None:
        cards = self.cards
        if not cards:
            return
        current = self._focused_card()
        index = cards.index(current) if current in cards else 0
        target = cards[max(0, min(len(cards) - 1, index + step))]
        target.focus()
        target.scroll_visible()

    def action_copy_query(self) -> None:
        """The text selected with the mouse, if any; else the focused check's query."""
        selected = self.get_selected_text()
        if selected and selected.strip():
            self.app.copy_to_clipboard(selected)
            self.app.notify(f"Copied the selected text ({len(selected)} characters)", title="Copy")
            return
        card = self._focused_card()
        if card is None:
            self.app.notify("No check to copy a query from", title="Copy query", severity="warning")
            return
        entry = card.entry
        if not entry.query:
            why_not = f": {entry.query_note}" if entry.query_note else ""
            self.app.notify(f"{entry.check.name} has no query to copy{why_not}", title="Copy query", severity="warning")
            return
        self.app.copy_to_clipboard(entry.query)
        self.app.notify(f"Copied the query of {entry.check.name} ({len(entry.query)} characters)", title="Copy query")
