"""Where each navigation key leads from every screen: the screens' names and the moves between them.

The rules are a pure function over the stack of screen names (bottom first), so every key has one defined result
from every screen and no screen is ever on the stack twice. Screens and key tables name screens from here;
tui/app/navigation.py builds the screens and keeps the app's stack in step with these rules.
"""

from __future__ import annotations

ROLLOUT = "rollout"
OVERVIEW = "overview"
DETAIL = "detail"
ANALYSIS = "analysis"
PRESENTATION = "presentation"
HELP = "help"
SCREENS = (ROLLOUT, OVERVIEW, DETAIL, ANALYSIS, PRESENTATION, HELP)
PLACES = (ROLLOUT, OVERVIEW)  # a stack starts with one of these

# Moves. A screen's name toggles it: opened (or returned to, when it is further down), closed when on top.
BACK = "back"  # Esc: one level down; nothing on the first screen
OPEN = "open"  # Enter on the overview: the highlighted canary's rollout screen
MOVES = (BACK, OPEN, OVERVIEW, DETAIL, ANALYSIS, PRESENTATION, HELP)

Stack = tuple[str, ...]


def moved(stack: Stack, move: str) -> Stack:
    """The stack after `move`."""
    if not stack or stack[0] not in PLACES:
        raise ValueError(f"a stack starts with one of {PLACES}, got {stack!r}")
    if move not in MOVES:
        raise ValueError(f"unknown move {move!r}")
    top = stack[-1]
    if top == HELP and move not in (HELP, BACK):
        return moved(stack[:-1], move)  # help is an overlay: it closes before any other key acts
    if move == OPEN:
        return _to(stack, ROLLOUT) if top == OVERVIEW else stack
    if move == BACK or top == move:
        return stack[:-1] if len(stack) > 1 else stack
    return _to(stack, move)


def _to(stack: Stack, name: str) -> Stack:
    """Back down to `name` when it is on the stack already, else `name` on top."""
    if name in stack:
        return stack[: stack.index(name) + 1]
    return (*stack, name)


def settled(stack: Stack, canaries: int) -> Stack:
    """Once the first list of canaries is in: with just one in scope, its rollout screen takes the overview's
    place at the bottom (the overview is where a session without a named canary starts)."""
    if stack and stack[0] == OVERVIEW and canaries == 1 and ROLLOUT not in stack:
        return (ROLLOUT, *stack[1:])
    return stack
