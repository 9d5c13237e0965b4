"""Detail charts (key `d`): success rate, p99 latency and request rate of primary and canary."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.domain import facts, wording
from tui.domain.state import AppState, CanaryView
from tui.screens import keys, moves
from widgets.detail_charts import CHART_SPAN_S, MetricChart, legend
from widgets.hooks_view import hook_line, results_for
from widgets.key_bar import KeyBar

# At most this many hooks are listed above the charts (a Canary has a handful).
HOOK_LINES = 6


class DetailScreen(Screen[None]):
    BINDINGS = keys.bindings(moves.DETAIL)

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-title", markup=False)  # names from the cluster are never markup
        yield Static(legend(), id="detail-legend")
        yield Static("", id="detail-hooks")
        yield MetricChart("success rate %", "success_rate", id="chart-success")
        yield MetricChart("p99 latency ms", "p99_ms", id="chart-latency")
        yield MetricChart("requests per second", "rps", id="chart-rate")
        yield KeyBar()

    def on_screen_resume(self) -> None:
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self.show_state(state)

    def show_top_line(self, state: AppState) -> CanaryView | None:
        """The title line, with the time; the canary it is about."""
        if not self.is_mounted:
            return None
        view = state.selected_view
        title = self.query_one("#detail-title", Static)
        if view is None:
            title.update("No canary selected")
            return None
        success_min, duration_max = facts.judged_thresholds(view)
        # The time early on the line; a narrower terminal drops the parts at the end first.
        parts = [
            str(view.key),
            wording.clock(state.now),
            f"last {int(CHART_SPAN_S // 60)} minutes",
            *([f"success rate min {wording.percent(success_min, 0)}"] if success_min is not None else []),
            *([f"p99 max {wording.millis(duration_max)}"] if duration_max is not None else []),
            "Esc to go back",
        ]
        width = max(10, self.size.width - 2)
        while len(parts) > 3 and len(" · ".join(parts)) > width:
            parts.pop()  # the thresholds are on the charts' titles too, Esc on the key bar
        title.update(Content(wording.shorten(" · ".join(parts), width)))  # names from a cluster are never markup
        return view

    def show_state(self, state: AppState) -> None:
        if not self.is_mounted:
            return
        view = self.show_top_line(state)
        if view is None:
            return
        self.show_hooks(state, view)
        primary = facts.primary_series(state, view)
        canary = facts.canary_series(state, view)
        # No bound is drawn for a builtin check the canary does not have.
        success_min, duration_max = facts.judged_thresholds(view)
        now = state.now
        success_label = f"min {success_min:g}%" if success_min is not None else ""
        latency_label = f"max {duration_max:g}ms" if duration_max is not None else ""
        self.query_one("#chart-success", MetricChart).draw(now, primary, canary, success_min, success_label)
        self.query_one("#chart-latency", MetricChart).draw(now, primary, canary, duration_max, latency_label)
        self.query_one("#chart-rate", MetricChart).draw(now, primary, canary, None, "")

    def show_hooks(self, state: AppState, view: CanaryView) -> None:
        """Every webhook of the Canary, a line each, with its last result; hidden when there is none."""
        hooks = self.query_one("#detail-hooks", Static)
        results = results_for(state, view)
        hooks.display = bool(results)
        if results:
            hooks.styles.height = min(len(results), HOOK_LINES)
            width = max(10, self.size.width - 2)
            type_width = max(len(result.type) for result in results)
            hooks.update(Content("\n").join(hook_line(result, width, type_width) for result in results))
