"""progressDeadlineSeconds as Flagger v1.44 reads it (pkg/apis/flagger/v1beta1/canary.go), and its failed promotion."""

from __future__ import annotations

from typing import Any

# Flagger's default when the Canary sets none (0 is taken as written).
DEFAULT_PROGRESS_DEADLINE_S = 600


def progress_deadline_s(canary: dict[str, Any]) -> int:
    value = canary["spec"].get("progressDeadlineSeconds")
    return DEFAULT_PROGRESS_DEADLINE_S if value is None else int(value)


def failed_promotion(target: str, error: str) -> str:
    """handleFailedPromotion's Warning (scheduler.go:1006); `error` is the primary's whole readiness error."""
    return f"Promotion of {target} failed, primary not ready: {error}"
