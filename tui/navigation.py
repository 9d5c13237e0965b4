"""Moving between screens: where each navigation key leads from every screen, and the screens themselves.

The rules are a pure function over the stack of screen names (bottom first), so every key has one defined result
from every screen and no screen is ever on the stack twice. The screens live in a registry (name -> factory): each
is built on first use, installed and kept. Installed, a screen that is left is only suspended; a screen that Textual
closes (one pushed without being installed, then popped) keeps its stopped repaint timer if pushed again and is
never painted (that froze the display on `o`, `Enter`, `o`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from textual.app import App
from textual.screen import Screen

from tui.model import CanaryKey

ROLLOUT = "rollout"
OVERVIEW = "overview"
DETAIL = "detail"
PRESENTATION = "presentation"
HELP = "help"
SCREENS = (ROLLOUT, OVERVIEW, DETAIL, PRESENTATION, HELP)
PLACES = (ROLLOUT, OVERVIEW)  # a stack starts with one of these

# Moves. A screen's name toggles it: opened (or returned to, when it is further down), closed when on top.
BACK = "back"  # Esc: one level down; nothing on the first screen
OPEN = "open"  # Enter on the overview: the highlighted canary's rollout screen
MOVES = (BACK, OPEN, OVERVIEW, DETAIL, PRESENTATION, HELP)
KEYS = {"escape": BACK, "enter": OPEN, "o": OVERVIEW, "d": DETAIL, "z": PRESENTATION, "question_mark": HELP}

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


def screen_factories(mode: str, read_only: bool) -> dict[str, Callable[[], Screen[Any]]]:
    """canaryscope's screens. Each is imported when first opened: the detail charts alone pull in plotext, and
    every import is paid before the first frame."""

    def rollout() -> Screen[Any]:
        from tui.screens.rollout import RolloutScreen

        return RolloutScreen(mode)

    def overview() -> Screen[Any]:
        from tui.screens.overview import OverviewScreen

        return OverviewScreen(mode)

    def detail() -> Screen[Any]:
        from tui.screens.detail import DetailScreen

        return DetailScreen()

    def help_() -> Screen[Any]:
        from tui.screens.help import HelpScreen

        return HelpScreen(mode, read_only)

    def presentation() -> Screen[Any]:
        from tui.screens.presentation import PresentationScreen

        return PresentationScreen()

    return {ROLLOUT: rollout, OVERVIEW: overview, DETAIL: detail, HELP: help_, PRESENTATION: presentation}


class Navigator:
    """Keeps the app's screen stack in step with the rules.

    `selected` and `select` read and set the followed canary: leaving the overview other than with Enter goes back
    to the canary followed when it was opened (moving the highlight follows each row on the way).
    """

    def __init__(
        self,
        app: App[Any],
        factories: Mapping[str, Callable[[], Screen[Any]]],
        selected: Callable[[], CanaryKey | None],
        select: Callable[[CanaryKey], None],
    ) -> None:
        self._app = app
        self._factories = factories
        self._built: dict[str, Screen[Any]] = {}
        self._selected = selected
        self._select = select
        self._followed_before_overview: CanaryKey | None = None

    def screen(self, name: str) -> Screen[Any]:
        """The screen called `name`, built and installed on first use."""
        screen = self._built.get(name)
        if screen is None:
            screen = self._factories[name]()
            self._app.install_screen(screen, name)
            self._built[name] = screen
        return screen

    def built(self, name: str) -> Screen[Any] | None:
        return self._built.get(name)

    def name_of(self, screen: Screen[Any]) -> str | None:
        return next((name for name, built in self._built.items() if built is screen), None)

    @property
    def stack(self) -> Stack:
        """The names of navigation's screens on the app's stack, bottom first."""
        names = (self.name_of(screen) for screen in self._app.screen_stack)
        return tuple(name for name in names if name is not None)

    @property
    def dialog_on_top(self) -> bool:
        """A screen that is not navigation's (a confirmation) is on top: it is answered before anything moves."""
        return self.name_of(self._app.screen) is None

    def start(self, name: str) -> None:
        if name not in PLACES:
            raise ValueError(f"the first screen is one of {PLACES}, got {name!r}")
        self._show((name,))

    def go(self, move: str) -> bool:
        """Make `move`; False (nothing moved) while a dialog that is not navigation's is on top."""
        if self.dialog_on_top:
            return False
        before = self.stack
        after = moved(before, move)
        if OVERVIEW in after and OVERVIEW not in before:
            self._followed_before_overview = self._selected()
        elif OVERVIEW in before and OVERVIEW not in after and move != OPEN:
            followed, self._followed_before_overview = self._followed_before_overview, None
            if followed is not None and followed != self._selected():
                self._select(followed)
        self._show(after)
        return True

    def settle(self, canaries: int) -> None:
        if not self.dialog_on_top:
            self._show(settled(self.stack, canaries))

    def _show(self, wanted: Stack) -> None:
        """Pop down to what `wanted` shares with the stack, then push the rest (screens stay installed)."""
        current = self.stack
        if wanted == current:
            return
        shared = 0
        while shared < min(len(current), len(wanted)) and current[shared] == wanted[shared]:
            shared += 1
        for _ in range(len(current) - max(shared, 1)):
            self._app.pop_screen()
        if current and shared == 0:
            self._app.switch_screen(self.screen(wanted[0]))  # a new first screen: no frame of the empty stack
            shared = 1
        for name in wanted[shared:]:
            self._app.push_screen(self.screen(name))


class ScreenNamed:
    """An app attribute that is the app navigator's screen called `name` (built and installed on first use)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, app: Any, owner: type | None = None) -> Any:
        return self if app is None else app.navigator.screen(self.name)
