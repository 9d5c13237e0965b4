"""canaryscope's themes: dark, light, high contrast and the terminal's own 16 ANSI colours.

A phase is never told by colour alone (icons and names carry it), so NO_COLOR (which Textual honours by
rendering in monochrome) loses nothing essential.
"""

from __future__ import annotations

from textual.theme import Theme

from tui.base.theme_names import DEFAULT_THEME, HIGH_CONTRAST_NAME, THEMES, next_theme

__all__ = ["DEFAULT_THEME", "HIGH_CONTRAST", "THEMES", "next_theme"]

HIGH_CONTRAST = Theme(
    name=HIGH_CONTRAST_NAME,
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
