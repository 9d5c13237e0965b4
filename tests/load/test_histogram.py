"""Percentiles from the bounded histogram stay within the documented 1 % of the exact values."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.load.histogram import BUCKETS, LatencyHistogram


def exact(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=1e-4, max_value=120.0), min_size=1, max_size=400),
    st.sampled_from([1.0, 10.0, 50.0, 90.0, 95.0, 99.0, 100.0]),
)
def test_percentile_within_one_percent(values: list[float], p: float) -> None:
    hist = LatencyHistogram()
    for value in values:
        hist.add(value)
    got = hist.percentile(p)
    assert got is not None
    assert abs(got - exact(values, p)) <= 0.01 * exact(values, p) + 1e-12


def test_exact_extremes_and_mean() -> None:
    hist = LatencyHistogram()
    values = [random.Random(3).uniform(0.1, 0.25) for _ in range(5000)]
    for value in values:
        hist.add(value)
    assert hist.count == 5000
    assert hist.fastest_s == min(values)
    assert hist.slowest_s == max(values)
    assert math.isclose(hist.mean_s or 0, sum(values) / len(values))
    assert hist.percentile(100) == max(values)


def test_memory_does_not_grow_with_samples() -> None:
    hist = LatencyHistogram()
    for i in range(100_000):
        hist.add((i % 1000) / 1000)
    assert len(hist._counts) == BUCKETS < 1000


def test_empty_and_spread() -> None:
    hist = LatencyHistogram()
    assert hist.percentile(50) is None and hist.mean_s is None and hist.spread() == []
    for value in (0.1, 0.1, 0.2, 0.3):
        hist.add(value)
    spread = hist.spread(bins=2)
    assert [round(mark, 3) for mark, _ in spread] == [0.1, 0.2, 0.3]
    assert sum(count for _, count in spread) == 4
