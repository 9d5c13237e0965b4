"""Traffic split: primary vs canary as a bar, the router's weights beside status.canaryWeight."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.domain import facts, wording
from tui.domain.model import Phase
from tui.domain.names import primary_name
from tui.domain.state import AppState
from widgets.drawing import CANARY_GLYPH, PRIMARY_GLYPH, split_bar
from widgets.panel import StatePanel
from widgets.problems import ROUTER_SOURCES, healths, problem


class TrafficPanel(StatePanel):
    TITLE = "Traffic split"

    def slice_key(self, state: AppState) -> Any:
        view = state.selected_view
        if view is None:
            return None
        return (
            view.info.phase,
            view.info.canary_weight,
            state.router_for(view),
            self.size.width,
            healths(state, *ROUTER_SOURCES),
        )

    def render_state(self, state: AppState) -> Content:
        view = state.selected_view
        if view is None:
            return Content.styled("No canary selected", "$text-muted")
        router = state.router_for(view)
        status = view.info.canary_weight
        primary, canary = facts.split(state, view)
        inner = self.content_region.width or 56
        width = max(6, inner - 25)
        lines: list[Content] = []
        if primary is None or canary is None:
            lines.append(Content.styled("weights unknown", "$text-muted"))
        else:
            lines.append(
                Content.assemble(
                    ("primary ", "$primary"),
                    (f"{primary:>3}% ", "bold"),
                    split_bar(primary, canary, width),
                    (f" {canary:>3}%", "bold"),
                    (" canary", "$warning"),
                )
            )
        refused = problem(state, *ROUTER_SOURCES) if router is None else None
        if refused is not None:
            lines.append(Content.styled(f"router   {refused}", "$error"))
        elif router is None:
            lines.append(Content.styled("router   none yet (Flagger creates it)", "$text-muted"))
        else:
            weights = f"{wording.number(router.primary_weight)} / {wording.number(router.canary_weight)}"
            if self.compact:
                lines.append(Content(f"router   {weights} ({router.kind})"))
            else:
                lines.append(Content(f"router   {router.kind} {router.namespace}/{router.name} · {weights}"))
                lines.append(Content.styled(f"         {router.api_version}", "$text-muted"))
        mismatch = router is not None and status is not None and router.canary_weight != status
        if mismatch:
            whys: tuple[str, ...] = ()
            if view.info.phase == Phase.WAITING_PROMOTION:
                whys = (
                    "Flagger reports 0 while waiting for promotion; traffic still flows",
                    "Flagger reports 0 while waiting for promotion",
                )
            elif view.info.phase in facts.SETTLING_PHASES:
                whys = ("routing catches up at the next tick",)
            lines.append(
                Content.assemble(
                    "status   canaryWeight ", (str(status), "$warning bold"), f" ≠ router {router.canary_weight}"
                )
            )
            if whys and not self.compact:
                # Its own line: the first form that fits, else the shortest cut with `…`.
                why = next((w for w in whys if len(w) + 9 <= inner), whys[-1])
                lines.append(Content.styled(wording.shorten(f"         {why}", inner), "$text-muted"))
        else:
            lines.append(Content(f"status   canaryWeight {wording.number(status)}"))
        if not self.compact:
            lines.append(
                Content.styled(
                    f"{PRIMARY_GLYPH} primary = {primary_name(view.info.target)}   "
                    f"{CANARY_GLYPH} canary = {view.info.target}",
                    "$text-muted",
                )
            )
        return Content("\n").join(lines)
