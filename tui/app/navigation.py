"""The screens and the app's stack: a registry of screens (name -> factory), each built on first use, installed and
kept, and a navigator that moves the stack by the rules of tui/screens/moves.py.

Installed, a screen that is left is only suspended; a screen that Textual closes (one pushed without being
installed, then popped) keeps its stopped repaint timer if pushed again and is never painted (that froze the display
on `o`, `Enter`, `o`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from textual.app import App
from textual.screen import Screen

from tui.screens.keys import navigation_keys
from tui.screens.moves import (
    ANALYSIS,
    BACK,
    DETAIL,
    HELP,
    MOVES,
    OPEN,
    OVERVIEW,
    PLACES,
    PRESENTATION,
    ROLLOUT,
    SCREENS,
    Stack,
    moved,
    settled,
)

# Which key makes which move, from the key table.
KEYS = navigation_keys()

__all__ = [
    "ANALYSIS",
    "BACK",
    "DETAIL",
    "HELP",
    "KEYS",
    "MOVES",
    "OPEN",
    "OVERVIEW",
    "PLACES",
    "PRESENTATION",
    "ROLLOUT",
    "SCREENS",
    "Navigator",
    "ScreenNamed",
    "Stack",
    "moved",
    "screen_factories",
    "settled",
]


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

    def analysis() -> Screen[Any]:
        from tui.screens.analysis import AnalysisScreen

        return AnalysisScreen()

    def help_() -> Screen[Any]:
        from tui.screens.help import HelpScreen

        return HelpScreen(mode, read_only)

    def presentation() -> Screen[Any]:
        from tui.screens.presentation import PresentationScreen

        return PresentationScreen()

    return {
        ROLLOUT: rollout,
        OVERVIEW: overview,
        DETAIL: detail,
        ANALYSIS: analysis,
        HELP: help_,
        PRESENTATION: presentation,
    }


class Navigator:
    """Keeps the app's screen stack in step with the rules.

    `selected` and `select` read and set the followed canary: leaving the overview other than with Enter goes back
    to the canary followed when it was opened (moving the highlight follows each row on the way).
    """

    def __init__(
        self,
        app: App[Any],
        factories: Mapping[str, Callable[[], Screen[Any]]],
        selected: Callable[[], Any],
        select: Callable[[Any], None],
    ) -> None:
        self._app = app
        self._factories = factories
        self._built: dict[str, Screen[Any]] = {}
        self._selected = selected
        self._select = select
        # A CanaryKey, or with several contexts the app's Selection (context and key).
        self._followed_before_overview: Any = None

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
