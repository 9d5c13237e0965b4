"""The theme key's order: every theme once, then the first again."""

from __future__ import annotations

from tui.base.themes import HIGH_CONTRAST, THEMES, next_theme


def test_next_theme_visits_every_theme_in_order_and_wraps() -> None:
    seen = []
    current = THEMES["dark"]
    for _ in THEMES:
        current, label = next_theme(current)
        seen.append((current, label))
    assert seen == [
        ("textual-light", "light"),
        (HIGH_CONTRAST.name, "high-contrast"),
        ("ansi-dark", "ansi"),
        ("textual-dark", "dark"),
    ]


def test_a_theme_that_is_not_canaryscope_s_goes_to_the_first() -> None:
    assert next_theme("nord") == ("textual-dark", "dark")
