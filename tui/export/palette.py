"""Colours: the terminal's defaults per theme and xterm's 256-colour palette, which is also the GIF's palette."""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]

_ANSI16: list[RGB] = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]  # fmt: skip


def xterm256() -> list[RGB]:
    colours = list(_ANSI16)
    steps = (0, 95, 135, 175, 215, 255)
    colours += [(steps[r], steps[g], steps[b]) for r in range(6) for g in range(6) for b in range(6)]
    colours += [(8 + 10 * i,) * 3 for i in range(24)]  # type: ignore[misc]
    return colours


XTERM256 = xterm256()


@dataclass(frozen=True)
class Theme:
    background: RGB
    foreground: RGB


# The same names as canaryscope's own --theme: the colours a terminal shows for "default" in each. Each is one of
# xterm's 256, so the GIF (whose palette they are) shows them exactly.
THEMES = {
    "dark": Theme((18, 18, 18), (228, 228, 228)),
    "light": Theme((238, 238, 238), (28, 28, 28)),
    "high-contrast": Theme((0, 0, 0), (255, 255, 255)),
    "ansi": Theme((0, 0, 0), (229, 229, 229)),
}

# pyte's names for the 16 ANSI colours.
_NAMES = ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")
NAMED: dict[str, RGB] = {name: _ANSI16[i] for i, name in enumerate(_NAMES)}
NAMED.update({f"bright{name}": _ANSI16[8 + i] for i, name in enumerate(_NAMES)})
NAMED["yellow"] = NAMED["brown"]
NAMED["brightyellow"] = NAMED["brightbrown"]


def theme_from_cast(theme: dict[str, str] | None) -> Theme | None:
    """asciicast's own theme header ({"fg": "#rrggbb", "bg": "#rrggbb"}), when a recording has one."""
    if not theme:
        return None
    try:
        return Theme(_hex(theme["bg"]), _hex(theme["fg"]))
    except (KeyError, ValueError, TypeError):
        return None


def _hex(text: str) -> RGB:
    text = text.lstrip("#")
    if len(text) != 6:
        raise ValueError(text)
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def resolve(colour: str, default: RGB) -> RGB:
    """A pyte colour (a name, "default" or "rrggbb") as RGB."""
    if colour == "default":
        return default
    named = NAMED.get(colour)
    if named is not None:
        return named
    try:
        return _hex(colour)
    except ValueError:
        return default
