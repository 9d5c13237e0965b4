"""Shortening: text cut to a width always ends with `…`, and keeps the part that matters."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tui.domain import wording as fmt
from tui.domain.flagger import messages

HALT = messages.success_rate_below("examiner.apps", 87.37, 99)
SLOW = messages.duration_above("examiner.apps", 612, 500)


def test_text_that_fits_is_left_alone() -> None:
    assert fmt.shorten("weight 20%", 10) == "weight 20%"
    assert fmt.short_message(HALT, len(HALT)) == HALT


@pytest.mark.parametrize("width", range(1, 60))
def test_shortened_text_ends_with_an_ellipsis_and_fits(width: int) -> None:
    text = "Rollback hook rollback not signaling a rollback and more words"
    cut = fmt.shorten(text, width)
    assert cell_len(cut) <= width
    assert cut.endswith("…")


@pytest.mark.parametrize("width", range(15, len(HALT)))
def test_a_halt_message_keeps_its_value_and_threshold(width: int) -> None:
    cut = fmt.short_message(HALT, width)
    assert cell_len(cut) <= width
    assert cut.endswith(" 87.37% < 99%")


def test_a_kept_tail_survives_a_cut() -> None:
    assert fmt.shorten(HALT, 30, keep="87.37% < 99%") == "Halt examiner.ap… 87.37% < 99%"


def test_a_duration_halt_keeps_its_value_and_threshold() -> None:
    cut = fmt.short_message(SLOW, 30)
    assert cut == "Halt: p99 612ms > 500ms"


def test_a_tail_wider_than_the_room_gives_way_to_a_plain_cut() -> None:
    cut = fmt.shorten(HALT, 12, keep="87.37% < 99%")
    assert cut == "Halt examin…"


def test_wide_characters_are_counted_in_cells() -> None:
    cut = fmt.shorten("⚠ 警告 警告 警告", 8)
    assert cell_len(cut) <= 8 and cut.endswith("…")


def test_a_middle_ellipsis_keeps_both_ends_of_a_name() -> None:
    assert fmt.shorten_middle("payments-gateway-canary-7", 12) == "paymen…ary-7"
    assert fmt.shorten_middle("examiner", 12) == "examiner"
    assert cell_len(fmt.shorten_middle("a" * 40, 9)) == 9


@pytest.mark.parametrize(
    ("width", "expected"),
    [(40, "Halt: success rate 87.37% < 99%"), (28, "success rate 87.37% < 99%"), (16, "SR 87.37% < 99%")],
)
def test_a_halt_has_shorter_forms_that_keep_value_and_threshold(width: int, expected: str) -> None:
    assert fmt.short_message(HALT, width) == expected


def test_an_approval_halt_has_shorter_forms_naming_the_gate() -> None:
    message = messages.promotion_waiting("examiner.apps", "confirm-promotion")
    assert fmt.short_message(message, 56) == "Halt: waiting for promotion approval confirm-promotion"
    assert fmt.short_message(message, 40) == "Halt: waiting for promotion approval"
