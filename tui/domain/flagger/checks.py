"""Flagger's builtin metric checks (scheduler_metrics.go): which value fails which bound.

A check fails when the value is strictly below `thresholdRange.min` or strictly above `.max`; a value equal to a
bound passes. The request duration is compared in whole milliseconds, as Flagger's observers truncate it.
"""

from __future__ import annotations


def success_rate_fails(value: float, minimum: float | None, maximum: float | None = None) -> bool:
    return (minimum is not None and value < minimum) or (maximum is not None and value > maximum)


def duration_fails(p99_ms: float, maximum_ms: float | None) -> bool:
    # Flagger turns both the measured p99 and the bound into time.Duration of whole milliseconds before comparing.
    return maximum_ms is not None and int(p99_ms) > int(maximum_ms)
