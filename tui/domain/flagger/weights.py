"""Flagger's weight arithmetic: the next step, the max weight and the ladder a rollout climbs."""

from __future__ import annotations

from collections.abc import Sequence


def max_weight(max_weight_field: int | None, step_weights: Sequence[int]) -> int:
    """stepWeights wins over maxWeight; an unset maxWeight means 100."""
    if step_weights:
        return min(100, step_weights[-1])
    if max_weight_field is None or max_weight_field <= 0:
        return 100
    return max_weight_field


def next_step(weight: int, step_weight: int | None, step_weights: Sequence[int]) -> int:
    """The increment Flagger applies from canary weight `weight` (stepWeight wins over stepWeights)."""
    if (step_weight or 0) > 0 or not step_weights:
        return step_weight or 0
    room = 100 - weight
    if room == 0:
        return 1
    if weight == 0:
        return min(room, step_weights[0])
    for i, rung in enumerate(step_weights[:-1]):
        if rung == weight:
            return min(room, step_weights[i + 1] - weight)
    return room


def ladder(step_weight: int | None, step_weights: Sequence[int], max_weight_field: int | None) -> list[int]:
    """Canary weights per tick before promotion; may overshoot maxWeight exactly as Flagger does."""
    top = max_weight(max_weight_field, step_weights)
    weights: list[int] = []
    weight = 0
    while weight < top and len(weights) < 101:
        step = next_step(weight, step_weight, step_weights)
        if step <= 0:
            break
        weight = min(100, weight + step)
        weights.append(weight)
    return weights


def step_position(weight: int, rungs: Sequence[int]) -> int | None:
    """1-based index of `weight` on the ladder, 0 at weight 0, None when off the ladder."""
    if weight == 0:
        return 0
    for i, rung in enumerate(rungs, start=1):
        if rung == weight:
            return i
    return None
