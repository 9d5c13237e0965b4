"""What a forecast assumes of a canary's gates and weights, shared by the simulation's forecast
(tui/sim/forecast.py) and the cluster's (tui/sim/live_forecast.py): which phases are in flight, which webhooks hold
a canary, and how a gate answers from the Canary's phase or from Flagger's last events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.domain.hook_results import HookOutcome, HookResult

IN_FLIGHT = frozenset({"Progressing", "Waiting", "WaitingPromotion", "Promoting", "Finalising"})
HOLDS = frozenset({"confirm-rollout", "confirm-promotion", "confirm-traffic-increase"})

# A gate's answer now: True when the hook would let the canary go on (for a rollback hook: roll back).
GateAnswer = Callable[[dict[str, Any]], bool]


def all_open_but_rollback(hook: dict[str, Any]) -> bool:
    return (hook.get("type") or "rollout") != "rollback"


def phase_gates(canary: dict[str, Any]) -> GateAnswer:
    """Gates as a live Canary shows them without asking: the confirm gate it waits behind is closed, others open."""
    phase = (canary.get("status") or {}).get("phase")
    closed = {"Waiting": "confirm-rollout", "WaitingPromotion": "confirm-promotion"}.get(str(phase))

    def answer(hook: dict[str, Any]) -> bool:
        kind = hook.get("type") or "rollout"
        return kind != closed and all_open_but_rollback(hook)

    return answer


def status_weights(canary: dict[str, Any]) -> tuple[int, int, bool]:
    """The router's weights as the Canary's status tells them, for a source that does not read the router."""
    weight = max(0, min(100, int((canary.get("status") or {}).get("canaryWeight") or 0)))
    return 100 - weight, weight, False


def result_gates(canary: dict[str, Any], results: tuple[HookResult, ...]) -> GateAnswer:
    """Gates as Flagger last reported them: a confirm gate whose newest event says it waits is closed, one that
    passed since is open; a gate with no result yet is closed only if the Canary's phase waits behind it."""
    by_phase = phase_gates(canary)
    closed = {r.name for r in results if r.outcome is HookOutcome.WAITING}
    opened = {r.name for r in results if r.outcome is HookOutcome.PASSED}

    def answer(hook: dict[str, Any]) -> bool:
        if (hook.get("type") or "rollout") in HOLDS:
            name = str(hook.get("name") or "")
            if name in closed:
                return False
            if name in opened:
                return True
        return by_phase(hook)

    return answer
