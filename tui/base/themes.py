"""canaryscope's themes: dark, light, high contrast and the terminal's own 16 ANSI colours.

A phase is never told by colour alone (icons and names carry it), so NO_COLOR (which Textual honours by
rendering in monochrome) loses nothing essential.
"""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="canaryscope-high-contrast",
    primary="#00BFFF",
    secondary="#FFFFFF",
    accent="#FFFF00",
    warning="#FFD700",
    error="#FF4040",
    success="#00FF66",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#FFFFFF",
    dark=True,
    luminosity_spread=0.25,
    text_alpha=1.0,
    variables={"border": "#FFFFFF", "text-muted": "#E0E0E0", "footer-key-foreground": "#FFFF00"},
)

THEMES = {
    "dark": "textual-dark",
    "light": "textual-light",
    "high-contrast": HIGH_CONTRAST.name,
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
