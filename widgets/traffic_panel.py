"""Traffic split: primary vs canary as a bar, the router's weights beside status.canaryWeight."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.domain import facts, wording
from tui.domain.flagger.router_kinds import ROUTER_KINDS, ROUTER_SOURCES, kind_of
from tui.domain.flagger.strategy import Strategy
from tui.domain.model import Phase, RouterInfo
from tui.domain.names import primary_name
from tui.domain.progress import Progress, matched_share, progress
from tui.domain.state import AppState, CanaryView
from widgets.drawing import CANARY_GLYPH, PRIMARY_GLYPH, split_bar
from widgets.panel import StatePanel
from widgets.problems import healths, problem


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
            state.provider_for(view),
            view.info.iterations,
            matched_share(state, view),
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
        shown = progress(state, view)
        if shown.strategy is Strategy.AB:
            # The route's weights are those of its match rule: no share of all traffic to draw as a bar.
            lines.extend(self._ab_lines(state, view, shown, inner))
        elif primary is None or canary is None:
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
        if router is None:
            lines.extend(self._no_router(state, view, inner))
        else:
            lines.extend(self._router_lines(state, view, router, inner))
        mismatch = (
            not shown.by_iterations
            and router is not None
            and router.canary_weight is not None
            and status is not None
            and router.canary_weight != status
        )
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
        elif shown.by_iterations:
            meshed = bool(state.router_kinds_for(view))
            lines.append(Content(wording.shorten(self._iterations_status(shown, status, meshed), inner)))
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

    def _ab_lines(self, state: AppState, view: CanaryView, shown: Progress, inner: int) -> list[Content]:
        """`matched users → canary, everyone else → primary`, the Canary's match rules, and the share of requests
        that matched when both sides' request rates are known."""
        wide = inner >= len("matched users → canary, everyone else → primary")
        lines = [
            Content.assemble(
                ("matched users" if wide else "matched", "bold"),
                " → ",
                ("canary", "$warning"),
                ", everyone else → " if wide else ", others → ",
                ("primary", "$primary"),
            ).truncate(inner, ellipsis=True)
        ]
        share = matched_share(state, view)
        if share is not None:
            text = f"matched  {wording.percent(share, 1)} of requests reach the canary"
            if len(text) > inner:
                text = f"matched  {wording.percent(share, 1)} of requests"
            lines.append(Content(wording.shorten(text, inner)))
        router = state.router_for(view)
        # The router's own rules are listed under it; the Canary's are the ones to show when it has none.
        if shown.matches and not self.compact and (router is None or not router.matches):
            text = f"match    {' | '.join(shown.matches)}"
            lines.append(Content.styled(wording.shorten(text, inner), "$text-muted"))
        return lines

    def _iterations_status(self, shown: Progress, status: int | None, meshed: bool) -> str:
        """A/B and blue/green count iterations; status.canaryWeight stays 0 there and says nothing."""
        if shown.strategy is Strategy.BLUE_GREEN:
            if shown.on_canary:
                serves = " · all on the canary"
            elif shown.mirrored:
                share = f" {shown.mirror_weight} %" if shown.mirror_weight else ""
                serves = (
                    f" · mirror{share}" if self.compact else f" · mirroring on{f' ({share.strip()})' if share else ''}"
                )
            else:
                serves = " · mirroring off" if meshed else ""
            return f"status   iteration {shown.counter}{serves}"
        return f"status   iteration {shown.counter} · canaryWeight {wording.number(status)}"

    def _router_lines(self, state: AppState, view: CanaryView, router: RouterInfo, inner: int) -> list[Content]:
        """`router   istio VirtualService podinfo · 80 / 20`, then why the weights are unknown, or the A/B match
        rules, or the provider and the object's API version."""
        weights = f"{wording.number(router.primary_weight)} / {wording.number(router.canary_weight)}"
        if self.compact:
            text = f"router   {weights} ({router.kind}{': ' + router.problem if router.problem else ''})"
            return [Content(wording.shorten(text, inner))]
        rk = kind_of(router)
        label = rk.label if rk is not None else router.kind
        if rk is not None and len(rk.families) > 1 and router.family:
            label = f"{router.family} {label}"  # nginx's Ingress or skipper's
        tail = f" · {weights}"
        head = wording.shorten(f"router   {label} {router.name}", max(12, inner - len(tail)))
        lines = [Content(head + tail)]
        if router.problem:
            lines.append(Content.styled(wording.shorten(f"         {router.problem}", inner), "$warning"))
        elif router.matches:
            lines.append(
                Content.styled(wording.shorten(f"         match {' | '.join(router.matches)}", inner), "$text-muted")
            )
        else:
            provider = state.provider_for(view)
            about = f"provider {provider} · {router.api_version}" if provider else router.api_version
            lines.append(Content.styled(wording.shorten(f"         {about}", inner), "$text-muted"))
        return lines

    def _no_router(self, state: AppState, view: CanaryView, inner: int) -> list[Content]:
        """Why there is no router to show: Flagger writes none (`kubernetes`), it cannot be read, its kind is not
        installed, or Flagger has not written it yet."""
        kinds = state.router_kinds_for(view)
        if not kinds:
            if self.compact:
                return [Content.styled("router   none (kubernetes: blue/green)", "$text-muted")]
            return [
                Content.styled("router   none: provider kubernetes (blue/green)", "$text-muted"),
                Content.styled(
                    wording.shorten("         all traffic to primary, except in promotion", inner), "$text-muted"
                ),
            ]
        refused = problem(state, *(rk.key for rk in kinds), "routers")
        if refused is not None:
            return [Content.styled(wording.shorten(f"router   {refused}", inner), "$error")]
        watched = any(source in state.health for source in ROUTER_SOURCES)
        if watched and len(kinds) < len(ROUTER_KINDS) and not any(rk.key in state.health for rk in kinds):
            # The watches have started (discovery is done) and none of this provider's router kinds is served.
            names = " or ".join(rk.label for rk in kinds)
            return [Content.styled(wording.shorten(f"router   {names} not installed", inner), "$text-muted")]
        return [Content.styled("router   none yet (Flagger creates it)", "$text-muted")]
