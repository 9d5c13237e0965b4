"""The top line: where canaryscope looks, and the health of every source (never fails silently)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.visual import VisualType

from tui.domain import wording
from tui.domain.flagger.strategy import Strategy
from tui.domain.fleet import LOCAL
from tui.domain.fleet_health import ContextHealth
from tui.domain.model import CanaryKey, Health, SourceHealth
from tui.domain.progress import strategy_for
from tui.domain.state import AppState
from tui.domain.triage_order import TriageOrder
from widgets.pace import Pace
from widgets.panel import StatePanel

# A reason cut shorter than this (with its `…`) says too little to be worth the room.
MIN_CUT_DETAIL = 12
# More sources than this in the same trouble are counted, not named, on a short top line.
GROUP_FROM = 3
# With several contexts: the followed one, every context's health mark, the followed canary's place among them all.
FleetLine = tuple[str, tuple[ContextHealth, ...], tuple[int, int] | None]

# The forms of the per-context health, longest first (several contexts).
CONTEXT_FORMS = ("long", "marks", "grouped")

HEALTH_MARKS: dict[Health, tuple[str, str]] = {
    Health.CONNECTED: ("●", "$success"),
    Health.CONNECTING: ("◌", "$text-muted"),
    Health.RECONNECTING: ("◌", "$warning"),
    Health.FORBIDDEN: ("⊘", "$error"),
    Health.NOT_INSTALLED: ("✖", "$error"),
    Health.UNREACHABLE: ("✖", "$error"),
    Health.DISABLED: ("○", "$text-muted"),
}


class TopBar(StatePanel):
    DEFAULT_CSS = """
    TopBar { border: none; padding: 0 1; height: 1; background: $panel; }
    """

    def __init__(self, mode: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = mode
        self._position_memo: (
            tuple[Mapping[CanaryKey, object], CanaryKey | None, float, tuple[int, int] | None] | None
        ) = None
        self._order = TriageOrder()
        # The selected canary's place among all ("k of N") moves with the whole fleet: at most once a second.
        self._pace = Pace(self, self._show_latest)
        self._latest: AppState | None = None

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        # One line of fixed height: a new second or a health change never moves anything else on the screen, and
        # a layout pass every second would repaint the overview's scrollbar with it.
        super().update(content, layout=False)

    def _selected_position(self, state: AppState) -> tuple[int, int] | None:
        """The selected canary's place in the overview's order (triage), counted again only when the selection,
        the canaries or the time change; a count reads again only the canaries whose view changed."""
        memo = self._position_memo
        if memo is not None and memo[0] is state.canaries and memo[1] == state.selected and memo[2] == state.now:
            return memo[3]
        position = self._order.position({LOCAL: state}, LOCAL, state.selected)
        self._position_memo = (state.canaries, state.selected, state.now, position)
        return position

    def _fleet_line(self) -> FleetLine | None:
        """With several contexts, the app's followed context, every context's health mark and the followed canary's
        place among all of them (None otherwise)."""
        try:
            app = self.app
        except RuntimeError:  # Textual's NoActiveAppError: drawn outside a running app, so there is one context
            return None
        line = getattr(app, "fleet_line", None)
        return line() if callable(line) else None

    def show(self, state: AppState) -> None:
        self._latest = state
        line = self._fleet_line()  # asked once: with several contexts it counts every context's canaries
        steady = self._steady_key(state, line)
        last = self._last_key
        size = line[2][1] if line is not None and line[2] is not None else len(state.canaries)
        if isinstance(last, tuple) and steady == last[0] and self._pace.hold(size):
            return  # only the place may have moved: drawn with the latest state when the second is over
        if self.show_keyed(state, (steady, self._position(state, line))):
            self._pace.drawn()

    def _show_latest(self) -> None:
        if self._latest is not None and self.is_mounted:
            self.show(self._latest)

    def slice_key(self, state: AppState) -> Any:
        line = self._fleet_line()
        return (self._steady_key(state, line), self._position(state, line))

    def _position(self, state: AppState, line: FleetLine | None) -> tuple[int, int] | None:
        return self._selected_position(state) if line is None else line[2]

    def _steady_key(self, state: AppState, line: FleetLine | None) -> Any:
        """What the line shows except the selected canary's place (`line`: the fleet's, or None with one context):
        drawn as soon as it changes."""
        return (
            line[:2] if line is not None else None,
            state.selected,
            state.selected_view.info.analysis if state.selected_view else None,
            tuple(sorted(state.health.items())),
            int(state.now),
            self.compact,
            self.size.width,
        )

    def render_state(self, state: AppState) -> Content:
        width = max(20, (self.content_region.width or 118))
        fleet = self._fleet_line()
        right = self._health(state, short=False) if fleet is None else Content("")
        clock = Content.styled(f"  {wording.clock(state.now)}", "$text-muted") if state.now else Content("")
        room = width - 24 - clock.cell_length
        if fleet is not None:
            # The followed context and canary come first; then each context's word, else its mark, else the healthy
            # ones counted and only those in trouble named.
            counted = f" ({fleet[2][0]} of {fleet[2][1]})" if fleet[2] else ""
            place = len(f"canaryscope · {fleet[0]} · {state.selected or 'no canary'}{counted} ")
            for form in CONTEXT_FORMS[1:] if self.compact else CONTEXT_FORMS:
                right = self._contexts(fleet[1], form)
                if place + right.cell_length + clock.cell_length <= width:
                    break
        elif self.compact or right.cell_length > room:
            # As many problems with their details as fit, the first ones; the rest named, each panel saying more.
            troubled = len(
                {
                    (h.state, h.detail)
                    for h in state.health.values()
                    if h.state not in (Health.CONNECTED, Health.DISABLED)
                }
            )
            for details in range(0 if self.compact else troubled, -1, -1):
                right = self._health(state, short=True, details=details)
                if right.cell_length <= room:
                    break
            spare = room - right.cell_length - len(": ")
            if not self.compact and details < troubled and spare >= MIN_CUT_DETAIL:
                # The next reason cut with `…` to the room left says more than no reason at all.
                right = self._health(state, short=True, details=details + 1, last_detail_cells=spare)
        # A long refusal is cut with `…` before it pushes the clock off the line.
        right = right.truncate(max(10, width - 24 - clock.cell_length), ellipsis=True) + clock
        where = str(state.selected) if state.selected else "no canary"
        if fleet is not None:
            where = f"{fleet[0]} · {where}"  # the context the keys act in
        view = state.selected_view
        if view is not None and (strategy := strategy_for(state, view)) is not Strategy.CANARY:
            where += f" ({strategy.label})"
        position = self._selected_position(state) if fleet is None else fleet[2]
        count = f" ({position[0]} of {position[1]})" if position else ""
        mode = self.mode
        if self.compact:
            mode = mode.split(" (")[0]  # `simulation (seed 1, x5)` reads `simulation`
        mode_text = f" · {mode} · " if fleet is None else " · "  # with several contexts, the context says where
        left = Content.assemble(("canaryscope", "bold $accent"), mode_text, (where, "bold"), count)
        room = max(1, width - right.cell_length - 1)
        # The place and the health share the line; the place gives way, with `…`, the health and clock never do.
        left = left.truncate(room, ellipsis=True, pad=True)
        return Content.assemble(left, " ", right)

    def _contexts(self, contexts: tuple[ContextHealth, ...], form: str) -> Content:
        """`east ● connected  west ✖ unreachable (attempt 3)` (long), `east ●  west ✖ 3` (marks), or `● 1/2  west ✖ 3`
        (grouped: the healthy contexts counted, those in trouble named)."""
        parts: list[str | tuple[str, str] | Content] = []
        healthy = [item for item in contexts if item.state is Health.CONNECTED]
        if form == "grouped" and healthy:
            mark, style = HEALTH_MARKS[Health.CONNECTED]
            parts.extend([(mark, style), " ", (f"{len(healthy)}/{len(contexts)}", style), "  "])
        for item in contexts:
            if form == "grouped" and item.state is Health.CONNECTED:
                continue
            mark, style = HEALTH_MARKS.get(item.state, ("?", "$text-muted"))
            parts.extend([item.context, " ", (mark, style)])
            attempt = item.attempt if item.state in (Health.RECONNECTING, Health.UNREACHABLE) else 0
            if form == "long":
                label = item.state.value + (f" (attempt {attempt})" if attempt else "")
                parts.extend([" ", (label, style)])
            else:
                parts.append(f" {attempt}" if attempt else "")
            parts.append("  ")
        return Content.assemble(*parts).rstrip()

    def _health(
        self, state: AppState, *, short: bool, details: int = 0, last_detail_cells: int | None = None
    ) -> Content:
        parts: list[str | tuple[str, str] | Content] = []
        healthy, troubled = [], []
        for health in sorted(state.health.values(), key=lambda h: h.source):
            (healthy if health.state is Health.CONNECTED else troubled).append(health)
        # Problems first, with their details (in the short form, only the first `details` of them). In the short
        # form, sources in the same trouble for the same reason (an outage) are one entry: `◌ 7 reconnecting …`.
        groups: dict[Health, list[SourceHealth]] = {}
        for health in troubled:
            if short and health.state is Health.DISABLED:
                continue  # switched off on purpose (`--logger none`): the full form says so, the short one has no room
            groups.setdefault(health.state, []).append(health)
        entries: list[list[SourceHealth]] = []
        for members in groups.values():
            # Many sources in one trouble (an outage) are one entry in the short form; a few are each named.
            entries.extend([members] if short and len(members) > GROUP_FROM else [[m] for m in members])
        for index, members in enumerate(entries):
            health = members[0]
            mark, style = HEALTH_MARKS.get(health.state, ("?", "$text-muted"))
            label = health.state.value
            attempt = max(m.attempt for m in members)
            if health.state is Health.RECONNECTING and attempt:
                label += f" ({attempt})" if short and self.compact else f" (attempt {attempt})"
            # A group says the reason most of its sources give (an outage: `connection refused`).
            reason = Counter(m.detail for m in members if m.detail).most_common(1)
            detail = f": {reason[0][0]}" if reason and (not short or index < details) else ""
            if detail and last_detail_cells is not None and index == details - 1:
                detail = ": " + Content(reason[0][0]).truncate(last_detail_cells, ellipsis=True).plain
            who = health.source if len(members) == 1 else str(len(members))
            parts.extend([(mark, style), f" {who} ", (label, style), detail, "  "])
        if healthy:
            mark, style = HEALTH_MARKS[Health.CONNECTED]
            total = len(healthy) + len(troubled)
            if short:
                # `● 3/3`: sources connected of all sources; troubled ones are named before it.
                parts.extend([(mark, style), " ", (f"{len(healthy)}/{total}", style), "  "])
            elif len(healthy) == 1 and not troubled:
                only = healthy[0]
                detail = f": {only.detail}" if only.detail else ""
                parts.extend([(mark, style), f" {only.source} ", ("connected", style), detail, "  "])
            else:
                names = ", ".join(h.source for h in healthy)
                parts.extend([(mark, style), " ", (f"{len(healthy)} connected", style), f" ({names})  "])
        return Content.assemble(*parts).rstrip()
