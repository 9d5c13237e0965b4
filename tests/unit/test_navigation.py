"""The navigation rules, without Textual: each rule, and every sequence of keys from both first screens."""

from __future__ import annotations

import itertools

import pytest

from tui.app.navigation import (
    BACK,
    DETAIL,
    HELP,
    KEYS,
    MOVES,
    OPEN,
    OVERVIEW,
    PLACES,
    PRESENTATION,
    ROLLOUT,
    moved,
    settled,
)


@pytest.mark.parametrize(
    ("stack", "move", "after"),
    [
        # o opens the overview, o again (or Esc) goes back to where it was opened from
        ((ROLLOUT,), OVERVIEW, (ROLLOUT, OVERVIEW)),
        ((ROLLOUT, OVERVIEW), OVERVIEW, (ROLLOUT,)),
        ((ROLLOUT, OVERVIEW), BACK, (ROLLOUT,)),
        # Enter on the overview opens the rollout screen: the one below when there is one, never a second
        ((ROLLOUT, OVERVIEW), OPEN, (ROLLOUT,)),
        ((OVERVIEW,), OPEN, (OVERVIEW, ROLLOUT)),
        ((ROLLOUT, DETAIL, OVERVIEW), OPEN, (ROLLOUT,)),
        # Enter elsewhere is no navigation
        ((ROLLOUT,), OPEN, (ROLLOUT,)),
        ((ROLLOUT, DETAIL), OPEN, (ROLLOUT, DETAIL)),
        # Esc at the first screen stays there
        ((ROLLOUT,), BACK, (ROLLOUT,)),
        ((OVERVIEW,), BACK, (OVERVIEW,)),
        ((OVERVIEW,), OVERVIEW, (OVERVIEW,)),
        # o from a screen above the overview returns to it rather than opening a second one
        ((OVERVIEW, ROLLOUT, DETAIL), OVERVIEW, (OVERVIEW,)),
        # d and z toggle their screens, from anywhere
        ((ROLLOUT,), DETAIL, (ROLLOUT, DETAIL)),
        ((ROLLOUT, DETAIL), DETAIL, (ROLLOUT,)),
        ((ROLLOUT, DETAIL), PRESENTATION, (ROLLOUT, DETAIL, PRESENTATION)),
        ((ROLLOUT, DETAIL, PRESENTATION), DETAIL, (ROLLOUT, DETAIL)),
        ((OVERVIEW,), PRESENTATION, (OVERVIEW, PRESENTATION)),
        ((ROLLOUT, PRESENTATION), BACK, (ROLLOUT,)),
        # help is an overlay: ? and Esc close it, any other key closes it and acts on the screen below
        ((ROLLOUT,), HELP, (ROLLOUT, HELP)),
        ((ROLLOUT, HELP), HELP, (ROLLOUT,)),
        ((ROLLOUT, HELP), BACK, (ROLLOUT,)),
        ((ROLLOUT, HELP), OVERVIEW, (ROLLOUT, OVERVIEW)),
        ((ROLLOUT, OVERVIEW, HELP), OPEN, (ROLLOUT,)),
        ((ROLLOUT, DETAIL, HELP), DETAIL, (ROLLOUT,)),
    ],
)
def test_each_rule(stack: tuple[str, ...], move: str, after: tuple[str, ...]) -> None:
    assert moved(stack, move) == after


def _sequences(length: int) -> list[tuple[str, ...]]:
    return [seq for n in range(1, length + 1) for seq in itertools.product(MOVES, repeat=n)]


@pytest.mark.parametrize("first", PLACES)
def test_every_sequence_of_four_keys_keeps_a_sound_stack(first: str) -> None:
    for sequence in _sequences(4):
        stack: tuple[str, ...] = (first,)
        for move in sequence:
            stack = moved(stack, move)
            where = f"{first} then {sequence}: {stack}"
            assert stack and stack[0] in PLACES, where
            assert len(set(stack)) == len(stack), f"a screen twice: {where}"
            assert HELP not in stack[:-1], f"help below another screen: {where}"
            assert not set(stack[1:]) & {first}, where


@pytest.mark.parametrize("first", PLACES)
def test_esc_undoes_each_opening_move(first: str) -> None:
    for sequence in _sequences(3):
        stack: tuple[str, ...] = (first,)
        for move in sequence:
            stack = moved(stack, move)
        for move in (OVERVIEW, DETAIL, PRESENTATION, HELP):
            if move not in stack:
                assert moved(moved(stack, move), BACK) == stack or stack[-1] == HELP


def test_keys_name_every_move() -> None:
    assert set(KEYS.values()) == set(MOVES)


def test_one_canary_without_a_name_opens_its_rollout_screen_once_listed() -> None:
    assert settled((OVERVIEW,), 1) == (ROLLOUT,)
    assert settled((OVERVIEW, HELP), 1) == (ROLLOUT, HELP)
    assert settled((OVERVIEW,), 2) == (OVERVIEW,)
    assert settled((OVERVIEW,), 0) == (OVERVIEW,)
    assert settled((OVERVIEW, ROLLOUT), 1) == (OVERVIEW, ROLLOUT), "already opened by hand"
    assert settled((ROLLOUT,), 1) == (ROLLOUT,)


def test_a_stack_must_start_with_a_place() -> None:
    with pytest.raises(ValueError):
        moved((DETAIL,), BACK)
    with pytest.raises(ValueError):
        moved((ROLLOUT,), "sideways")
