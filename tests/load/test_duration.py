from __future__ import annotations

import pytest

from tui.load.duration import format_duration, parse_duration
from tui.load.errors import LoadError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60m", 3600), ("4m", 240), ("1h30m", 5400), ("2.5s", 2.5), ("250ms", 0.25), ("90", 90), ("1m0.5s", 60.5)],
)
def test_go_durations_and_bare_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "banana", "5 m", "-1s", "1x", "m", "1h 30m", "1e3"])
def test_refused_with_one_line(text: str) -> None:
    with pytest.raises(LoadError) as err:
        parse_duration(text, "-z")
    assert str(err.value).startswith("-z ") and "\n" not in str(err.value)


def test_format_like_go() -> None:
    assert [format_duration(s) for s in (3600, 240, 2.5, 0.25)] == ["1h0m0s", "4m0s", "2.5s", "250ms"]
