"""The themes' names, without Textual: the command line offers them before anything draws."""

from __future__ import annotations

HIGH_CONTRAST_NAME = "canaryscope-high-contrast"

THEMES = {
    "dark": "textual-dark",
    "light": "textual-light",
    "high-contrast": HIGH_CONTRAST_NAME,
    "ansi": "ansi-dark",
}
DEFAULT_THEME = "dark"


def next_theme(current: str) -> tuple[str, str]:
    """The theme after `current` in THEMES' order (the first when `current` is none of them): its Textual name
    and canaryscope's label for it."""
    labels = list(THEMES)
    names = list(THEMES.values())
    following = (names.index(current) + 1) % len(names) if current in names else 0
    return names[following], labels[following]
