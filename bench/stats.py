"""Medians, spreads and percentiles of a handful of runs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile by the nearest-rank method (p95 of 20 values is the 19th smallest)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no runs to summarise")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def text(self, fmt: str = "{:.2f}", unit: str = "") -> str:
        median = fmt.format(self.median) + unit
        if self.n == 1:
            return f"{median} (1 run)"
        return f"{median} ({fmt.format(self.low)}–{fmt.format(self.high)}{unit}, {self.n} runs)"
