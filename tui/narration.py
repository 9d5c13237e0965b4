"""One sentence in plain words: what Flagger is doing with the canary, and why. Derived from state only."""

from __future__ import annotations

from tui.flagger.messages import classify
from tui.model import Phase
from tui.state import AppState, CanaryView
from widgets import formatting as fmt


def _latest_rate(state: AppState, view: CanaryView, deployment: str) -> float | None:
    series = state.series(view.key.namespace, deployment)
    return series[-1].success_rate if series else None


def _halt_reason(view: CanaryView) -> str | None:
    """Why the last check failed, from Flagger's own warning in this release."""
    warning = view.last_halt
    if warning is None:
        return None
    kind = classify(warning.message)
    values = kind.values
    if kind.kind == "success-rate-halt":
        word = "below" if values.get("op") == "<" else "above"
        return f"success rate {values['value'].rstrip('0').rstrip('.')} % is {word} {values['bound']} %"
    if kind.kind == "duration-halt":
        word = "above" if values.get("op") == ">" else "below"
        return f"p99 latency {values['value']} is {word} {values['bound']}"
    if kind.kind == "no-values":
        return "no traffic reached the canary (Flagger found no metric values)"
    if kind.kind in ("external-check-halt", "pre-rollout-halt"):
        return f"the {values.get('hook', '?')} webhook check failed"
    return None


def narrate(state: AppState) -> str:
    view = state.selected_view
    if view is None:
        return "No canary in scope yet." if not state.canaries else "Choose a canary to follow."
    info = view.info
    key = f"{info.target}"
    primary = f"{info.target}-primary"
    router = state.router_for(view)
    weight = router.canary_weight if router and router.canary_weight is not None else info.canary_weight
    next_tick = view.next_tick_in(state.now)
    soon = f" in {fmt.duration(next_tick)}" if next_tick is not None else ""
    threshold = view.threshold or 1
    failed = info.failed_checks or 0
    if info.suspend:
        split = f"{router.primary_weight}/{router.canary_weight}" if router else "as it is"
        return f"Suspended: Flagger skips {key} every tick and traffic stays at {split} (press s to resume)."
    phase = info.phase
    if phase in (None, Phase.INITIALIZING):
        return f"Flagger is creating {primary} and taking over the traffic for {key}."
    if phase == Phase.INITIALIZED:
        return f"{primary} serves all traffic. A change to {key}'s pod template starts a canary analysis (press r)."
    if phase == Phase.WAITING:
        return f"A new revision of {key} waits for approval before the analysis starts (confirm-rollout gate)."
    if phase == Phase.PROGRESSING:
        if not weight:
            return f"New revision detected: Flagger has scaled up {key} and starts the analysis at its next tick{soon}."
        reason = _halt_reason(view)
        if failed and reason:
            left = threshold - failed
            if left <= 0:
                tail = "Flagger rolls back at its next tick."
            elif left == 1:
                tail = "one more and Flagger rolls back."
            else:
                tail = f"{left} more and Flagger rolls back."
            return f"Canary at {weight} %: {reason}, failed check {failed} of {threshold} — {tail}"
        canary_rate = _latest_rate(state, view, key)
        minimum = info.analysis.success_rate_min
        health = ""
        if canary_rate is not None and minimum is not None:
            health = f" success rate {canary_rate:.2f} % meets {minimum:g} %,"
        position = view.rungs
        if weight >= view.max_weight or not position:
            step = f" promotion follows at the next tick{soon}."
        else:
            upcoming = next((w for w in position if w > weight), None)
            step = f" next step to {upcoming} %{soon}." if upcoming else f" next tick{soon}."
        return f"Canary at {weight} %:{health}{step}"
    if phase == Phase.WAITING_PROMOTION:
        return (
            f"Canary at {weight} % passed its checks and waits for promotion approval: press p. Flagger reports "
            "weight 0 meanwhile, but traffic still flows."
        )
    if phase == Phase.PROMOTING:
        share = f" (primary at {router.primary_weight} %)" if router and router.primary_weight is not None else ""
        return f"Analysis passed: the new version is copied to {primary} and traffic moves back to it{share}."
    if phase == Phase.FINALISING:
        return f"All traffic is back on {primary}; Flagger scales {key} down at its next tick{soon}."
    if phase == Phase.SUCCEEDED:
        return f"Promoted: {primary} now runs the new version."
    if phase == Phase.FAILED:
        checks = view.sticky_failed_checks
        reason = _halt_reason(view)
        why = f" after {checks} failed checks" if checks else ""
        what = f" ({reason})" if reason and checks else ""
        return f"Rolled back{why}{what}: {primary} keeps serving the previous version."
    return f"{key} is {phase}."
