"""Prometheus answer rows keyed by their labels: the fast path for plain label values gives what safe_text gives
for every value, and a row whose label is not a string is left out, whatever the answer holds."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tui.base.safe_text import MAX_CHARS, safe_text
from tui.cluster.builtin_queries import FAMILIES, rows
from tui.cluster.prometheus import _value

FAMILY = FAMILIES["linkerd"]

labels = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec="ascii"), min_size=MAX_CHARS - 2, max_size=MAX_CHARS + 2),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)
samples = st.one_of(
    st.fixed_dictionaries(
        {"metric": st.dictionaries(st.sampled_from((*FAMILY.by, "pod")), labels), "value": st.just([1.0, "2"])}
    ),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.text(max_size=5),
)


def reference(result: Any) -> dict[tuple[str, ...], Any]:
    out = {}
    for sample in result if isinstance(result, list) else []:
        metric = sample.get("metric") if isinstance(sample, dict) else None
        if not isinstance(metric, dict):
            continue
        values = tuple(metric.get(label, "") for label in FAMILY.by)
        if all(isinstance(v, str) for v in values):
            out[tuple(safe_text(v) for v in values)] = sample
    return out


@given(st.one_of(st.lists(samples, max_size=8), samples))
def test_rows_are_keyed_by_safe_label_values(result: Any) -> None:
    assert rows(FAMILY, result) == reference(result)


def test_a_control_character_or_an_overlong_label_is_made_safe() -> None:
    long = "a" * (MAX_CHARS + 5)
    answer = [{"metric": {"namespace": "ns\x1b[2J", "deployment": long}, "value": [1.0, "1"]}]
    ((namespace, deployment),) = rows(FAMILY, answer)
    assert "\x1b" not in namespace and namespace.startswith("ns")
    assert len(deployment) == MAX_CHARS and deployment.endswith("…")


@given(st.one_of(st.floats(), st.text(max_size=6), st.none()))
def test_a_sample_value_is_a_finite_number_or_none(raw: Any) -> None:
    value = _value({"value": [0.0, raw if not isinstance(raw, float) else repr(raw)]})
    assert value is None or math.isfinite(value)
    if isinstance(raw, float) and math.isfinite(raw):
        assert value == raw
