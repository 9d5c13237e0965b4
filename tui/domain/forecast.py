"""When a rollout in flight will end, as the scheduler run forward predicts it, and the one line that says so."""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain.wording import clock


@dataclass(frozen=True)
class Forecast:
    """`promotion_at`: when the canary reaches Succeeded if every check passes (None when a gate holds it or the
    run does not end within the bound); `waits_for`: the closed gate (confirm-rollout or confirm-promotion) that
    would hold it; `rollback_at`: when it fails if checks keep failing (only once a check has failed)."""

    ticks_left: int | None
    promotion_at: float | None
    waits_for: str | None = None
    rollback_at: float | None = None
    # The failed checks have reached the threshold: the next tick rolls back whatever the checks say then.
    rollback_certain: bool = False


def forecast_line(forecast: Forecast | None) -> str:
    """`promotion ≈ 12:04:30 (6 ticks)`, `waits for approval (gate)`, and the rollback time after a failed check."""
    if forecast is None:
        return ""
    parts: list[str] = []
    if forecast.waits_for is not None:
        parts.append(f"waits for approval ({forecast.waits_for})")
    elif forecast.promotion_at is not None and forecast.ticks_left is not None:
        ticks = "tick" if forecast.ticks_left == 1 else "ticks"
        parts.append(f"promotion ≈ {clock(forecast.promotion_at)} ({forecast.ticks_left} {ticks})")
    if forecast.rollback_at is not None:
        condition = "" if forecast.rollback_certain else " if a check fails again"
        parts.append(f"rollback at {clock(forecast.rollback_at)}{condition}")
    return " · ".join(parts)


def forecast_short(forecast: Forecast | None) -> str:
    """The forecast in a few cells, for a narrow panel: `promoted ≈ 12:04:30`, `waits for approval`, `rollback
    12:01:30 if failing` (the rollback first: it is the nearer risk)."""
    if forecast is None:
        return ""
    if forecast.rollback_at is not None:
        return f"rollback {clock(forecast.rollback_at)}{'' if forecast.rollback_certain else ' if failing'}"
    if forecast.waits_for is not None:
        return "waits for approval"
    if forecast.promotion_at is not None:
        return f"promoted ≈ {clock(forecast.promotion_at)}"
    return ""
