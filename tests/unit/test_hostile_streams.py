"""Bounds on what a server can push: watch lines, event messages, stale metric values."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from tui.cluster.http import MAX_LINE_BYTES, HttpProblem, StalledStream, retry_after, stream_lines
from tui.domain.facts import latest, stale_after
from tui.domain.model import EVENT_MESSAGE_LIMIT, FlaggerEvent, MetricSample


class Chunks:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def stream(self, amt: object = None, decode_content: bool = True) -> Iterator[bytes]:
        yield from self.chunks


def test_lines_are_joined_across_chunks_however_they_fall() -> None:
    chunks = [b'{"a"', b":1}\n{", b'"b":2}\n\n', b'{"c":3}']
    assert list(stream_lines(Chunks(chunks))) == [b'{"a":1}', b'{"b":2}', b"", b'{"c":3}']


def test_a_line_past_the_bound_ends_the_stream() -> None:
    piece = b"x" * (1024 * 1024)
    with pytest.raises(HttpProblem, match="exceeded"):
        list(stream_lines(Chunks([piece] * (MAX_LINE_BYTES // len(piece) + 1))))


def test_a_line_still_incomplete_after_the_stall_limit_ends_the_stream() -> None:
    times = iter([0.0, 1.0, 2.0, 6.0])
    with pytest.raises(StalledStream):
        list(stream_lines(Chunks([b" ", b" ", b" ", b" "]), stall_s=5.0, clock=lambda: next(times)))
    # Complete lines reset the clock: a steady stream of events never stalls.
    times = iter([0.0, 10.0, 20.0])
    lines = list(stream_lines(Chunks([b"a", b"\nb", b"\nc"]), stall_s=5.0, clock=lambda: next(times)))
    assert lines == [b"a", b"b", b"c"]


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after({"Retry-After": "120"}) == 120.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past: now
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None


def test_a_giant_event_message_is_cut_with_its_size() -> None:
    event = FlaggerEvent(0.0, "apps", "examiner", "Warning", "Halt " + "x" * 1_000_000)
    assert len(event.message) <= EVENT_MESSAGE_LIMIT
    assert event.message.startswith("Halt xxx") and event.message.endswith("… (1.0 MB in all)")
    short = FlaggerEvent(0.0, "apps", "examiner", "Normal", "Advance examiner.apps canary weight 10")
    assert short.message == "Advance examiner.apps canary weight 10"


def sample(t: float) -> MetricSample:
    return MetricSample("apps", "examiner", t, 99.5, 10.0, 120.0)


def test_metric_values_older_than_two_refreshes_are_stale() -> None:
    view = SimpleNamespace(interval_s=30.0)
    series = tuple(sample(t) for t in (100.0, 105.0, 110.0, 115.0))
    limit = stale_after(view, series)  # type: ignore[arg-type]
    assert limit == 11.0  # two 5 s refreshes and a second for the clock
    assert latest(series, 125.0, limit) is not None
    assert latest(series, 127.0, limit) is None
    assert stale_after(view, series[:1]) == 90.0  # type: ignore[arg-type]  # one sample: no cadence known yet
