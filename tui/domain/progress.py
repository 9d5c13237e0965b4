"""How far an analysis has come, in its strategy's own terms: weights for the canary strategy, iterations i/N for A/B
testing and blue/green, and for those two who gets the traffic.

A/B and blue/green never write status.canaryWeight (it stays 0), and what their router reports is not a share of all
traffic: an A/B route sends *matched* requests 100 % to the canary, everyone else to the primary. On entering
WaitingPromotion Flagger writes iterations N-1, and then N and N-1 on alternate ticks; the last blue/green tick
writes N+1 (all traffic routed to the canary, promotion next). The iteration shown is therefore capped at N, and N
while waiting for promotion, so none of these quirks reads as progress going back or past its end.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain import facts, wording
from tui.domain.flagger.providers import router_family
from tui.domain.flagger.strategy import Strategy, planned_iterations, strategy_of
from tui.domain.model import Phase
from tui.domain.state import AppState, CanaryView

# Phases in which a blue/green router that sends everything to the canary means "routed to the canary" (after
# Finalising the router goes back to the primary a tick later).
ROUTED_PHASES = frozenset({Phase.PROGRESSING, Phase.WAITING_PROMOTION, Phase.PROMOTING})


@dataclass(frozen=True)
class Progress:
    strategy: Strategy
    # i of i/N as shown (None: status.iterations unknown); N, the planned iterations (0 for the canary strategy).
    iteration: int | None
    planned: int
    # Blue/green: all traffic has been routed to the canary ("Routing all traffic to canary"), promotion follows.
    on_canary: bool = False
    # Blue/green on a mesh with analysis.mirror: requests to the primary are copied to the canary (mirrorWeight %).
    mirrored: bool = False
    mirror_weight: int | None = None
    # A/B: the rules a request must match to reach the canary (the Canary's own, else what the router says).
    matches: tuple[str, ...] = ()

    @property
    def by_iterations(self) -> bool:
        return self.strategy is not Strategy.CANARY

    @property
    def counter(self) -> str:
        """`4/10`; `?/10` while the status has no count."""
        return f"{wording.number(self.iteration)}/{self.planned}"

    @property
    def remaining(self) -> int | None:
        """Iterations still to run before the promotion tick."""
        if self.iteration is None:
            return None
        return max(0, self.planned - self.iteration)

    @property
    def short_label(self) -> str:
        return {Strategy.AB: "A/B", Strategy.BLUE_GREEN: "B/G"}.get(self.strategy, "")


def strategy_for(state: AppState, view: CanaryView) -> Strategy:
    """The strategy Flagger runs for this canary under its effective provider."""
    analysis = view.info.analysis
    return strategy_of(analysis.iterations, bool(analysis.matches), state.provider_for(view))


def _is_kubernetes(provider: str | None) -> bool:
    return provider is not None and router_family(provider).family == "kubernetes"


def progress(state: AppState, view: CanaryView) -> Progress:
    """The analysis's progress as its strategy counts it."""
    info = view.info
    analysis = info.analysis
    provider = state.provider_for(view)
    strategy = strategy_of(analysis.iterations, bool(analysis.matches), provider)
    if strategy is Strategy.CANARY:
        return Progress(strategy, None, 0)
    planned = planned_iterations(analysis.iterations, provider)
    iteration = info.iterations
    if iteration is not None:
        iteration = planned if info.phase == Phase.WAITING_PROMOTION else max(0, min(iteration, planned))
    router = state.router_for(view)
    if strategy is Strategy.AB:
        matches = analysis.matches or (router.matches if router is not None else ())
        return Progress(strategy, iteration, planned, matches=matches)
    on_canary = False
    if not _is_kubernetes(provider) and info.phase in ROUTED_PHASES:
        if router is not None and router.canary_weight is not None:
            on_canary = router.canary_weight >= 100
        else:
            on_canary = (info.iterations or 0) > planned
    mirrored = analysis.mirror and not _is_kubernetes(provider) and not on_canary
    return Progress(
        strategy,
        iteration,
        planned,
        on_canary=on_canary,
        mirrored=mirrored,
        mirror_weight=analysis.mirror_weight if mirrored else None,
    )


def matched_share(state: AppState, view: CanaryView) -> float | None:
    """A/B: the percentage of requests that reach the canary (its rps of both sides' rps, latest samples); None when
    either side has no recent sample or nothing flows at all."""
    canary_series = facts.canary_series(state, view)
    primary_series = facts.primary_series(state, view)
    canary = facts.latest(canary_series, state.now, facts.stale_after(view, canary_series))
    primary = facts.latest(primary_series, state.now, facts.stale_after(view, primary_series))
    if canary is None or primary is None or canary.rps is None or primary.rps is None:
        return None
    total = canary.rps + primary.rps
    if total <= 0:
        return None
    return 100.0 * canary.rps / total


def eta_s(view: CanaryView, checks: int, now: float) -> float:
    """Seconds until the tick after `checks` more analysis ticks: the next tick, then one interval per check."""
    next_tick = view.next_tick_in(now)
    first = next_tick if next_tick is not None else view.interval_s
    return first + checks * view.interval_s


def about(seconds: float) -> str:
    """`about 6m` for an estimate (whole minutes from a minute and a half), `about 40s` below."""
    if seconds < 90:
        return f"about {max(0, round(seconds))}s"
    return f"about {round(seconds / 60)}m"
