"""One cell's picture: a glyph of the shipped DejaVu Sans Mono, or drawn for the ranges that must fill the cell.

Box drawing, block elements and braille are drawn as shapes (the font has no braille, and a font's lines and
blocks leave seams at most sizes); the few symbols the font lacks
are mapped to a near one, so nothing shows as an empty box.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

from tui.export.palette import RGB

FONT_FILES = {False: "DejaVuSansMono.ttf", True: "DejaVuSansMono-Bold.ttf"}
# Symbols the font lacks, shown as the nearest it has.
SUBSTITUTES = {"⏭": "»", "॥": "‖", "⏵": "▶", "⏸": "‖", "⏹": "■", "⏺": "●", "⏩": "»", "⏪": "«", "✔": "✓", "✖": "✗"}


@lru_cache(maxsize=8)
def font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    with resources.as_file(resources.files("tui.export") / "fonts" / FONT_FILES[bold]) as path:
        return ImageFont.truetype(str(path), size)


def cell_size(size: int) -> tuple[int, int]:
    regular = font(size, False)
    ascent, descent = regular.getmetrics()
    return round(regular.getlength("M")), ascent + descent


class Glyphs:
    """Cell tiles by (text, fg, bg, bold, underline), drawn once each."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.width, self.height = cell_size(size)
        self._missing = {bold: bytes(font(size, bold).getmask("\ue000")) for bold in (False, True)}
        self._tiles: dict[tuple[str, RGB, RGB, bool, bool, int], Image.Image] = {}
        self._known: dict[tuple[str, bool], bool] = {}

    def tile(self, text: str, fg: RGB, bg: RGB, bold: bool, underline: bool, cells: int = 1) -> Image.Image:
        key = (text, fg, bg, bold, underline, cells)
        tile = self._tiles.get(key)
        if tile is None:
            tile = self._draw(text, fg, bg, bold, underline, cells)
            if len(self._tiles) > 20000:  # bounded: a recording with endless colours must not grow it forever
                self._tiles.clear()
            self._tiles[key] = tile
        return tile

    def has(self, char: str, bold: bool) -> bool:
        key = (char, bold)
        known = self._known.get(key)
        if known is None:
            known = bytes(font(self.size, bold).getmask(char)) != self._missing[bold] or char.isspace()
            self._known[key] = known
        return known

    def _draw(self, text: str, fg: RGB, bg: RGB, bold: bool, underline: bool, cells: int) -> Image.Image:
        w, h = self.width * cells, self.height
        image = Image.new("RGB", (w, h), bg)
        draw = ImageDraw.Draw(image)
        code = ord(text[0]) if len(text) == 1 else 0
        arms = box_arms(code) if 0x2500 <= code <= 0x257F else None
        if arms:
            _box(draw, arms, w, h, fg, max(1, round(self.size / 14)))
        elif 0x2580 <= code <= 0x259F:
            _block(draw, code, w, h, fg, bg)
        elif 0x2800 <= code <= 0x28FF:
            _braille(draw, code - 0x2800, w, h, fg)
        elif text and not text.isspace():
            char = text
            if not all(self.has(c, bold) for c in char):
                char = SUBSTITUTES.get(text, "?")
                if not self.has(char, bold):
                    char = "?"
            draw.text((0, 0), char, font=font(self.size, bold), fill=fg)
        if underline:
            draw.line([(0, h - 2), (w - 1, h - 2)], fill=fg)
        return image


def _block(draw: ImageDraw.ImageDraw, code: int, w: int, h: int, fg: RGB, bg: RGB) -> None:
    def rect(x0: float, y0: float, x1: float, y1: float, colour: RGB = fg) -> None:
        box = (round(x0 * w), round(y0 * h), round(x1 * w) - 1, round(y1 * h) - 1)
        if box[2] >= box[0] and box[3] >= box[1]:
            draw.rectangle(box, fill=colour)

    if code == 0x2580:  # upper half
        rect(0, 0, 1, 0.5)
    elif 0x2581 <= code <= 0x2588:  # lower eighths, up to full
        rect(0, 1 - (code - 0x2580) / 8, 1, 1)
    elif 0x2589 <= code <= 0x258F:  # left eighths
        rect(0, 0, (0x2590 - code) / 8, 1)
    elif code == 0x2590:
        rect(0.5, 0, 1, 1)
    elif 0x2591 <= code <= 0x2593:  # shades: a blend, as terminals show them
        share = (code - 0x2590) / 4
        mixed = tuple(round(b + (f - b) * share) for f, b in zip(fg, bg, strict=True))
        rect(0, 0, 1, 1, mixed)  # type: ignore[arg-type]
    elif code == 0x2594:
        rect(0, 0, 1, 1 / 8)
    elif code == 0x2595:
        rect(7 / 8, 0, 1, 1)
    else:  # quadrants U+2596..U+259F
        quads = {
            0x2596: "3", 0x2597: "4", 0x2598: "1", 0x2599: "134", 0x259A: "14", 0x259B: "123",
            0x259C: "124", 0x259D: "2", 0x259E: "23", 0x259F: "234",
        }[code]  # fmt: skip
        corners = {"1": (0, 0), "2": (0.5, 0), "3": (0, 0.5), "4": (0.5, 0.5)}
        for q in quads:
            x, y = corners[q]
            rect(x, y, x + 0.5, y + 0.5)


# Braille dot bits: (column, row) of each of the 8 dots.
_DOTS = ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3))


def _braille(draw: ImageDraw.ImageDraw, bits: int, w: int, h: int, fg: RGB) -> None:
    radius = max(1.0, min(w / 4, h / 8) * 0.7)
    for bit, (col, row) in enumerate(_DOTS):
        if bits & (1 << bit):
            cx, cy = (col + 0.5) * w / 2, (row + 0.5) * h / 4
            draw.ellipse((cx - radius, cy - radius, cx + radius - 1, cy + radius - 1), fill=fg)


_WEIGHTS = {"LIGHT": 1, "SINGLE": 1, "HEAVY": 2, "DOUBLE": 3}
_DIRECTIONS = {"UP": "u", "DOWN": "d", "LEFT": "l", "RIGHT": "r", "HORIZONTAL": "lr", "VERTICAL": "ud"}


@lru_cache(maxsize=256)
def box_arms(code: int) -> dict[str, int] | None:
    """The lines of a box-drawing character from its Unicode name: {"u"|"d"|"l"|"r": 1 light, 2 heavy, 3 double}.

    E.g. "BOX DRAWINGS DOWN LIGHT AND RIGHT HEAVY"; a clause without a weight takes the one before it. Dashes and
    arcs are drawn as plain lines and corners; diagonals are left to the font.
    """
    name = unicodedata.name(chr(code), "").removeprefix("BOX DRAWINGS ")
    if not name or "DIAGONAL" in name:
        return None
    for dash in ("DOUBLE DASH ", "TRIPLE DASH ", "QUADRUPLE DASH ", "ARC "):
        name = name.replace(dash, "")
    arms: dict[str, int] = {}
    weight = 0
    for clause in name.split(" AND "):
        words = clause.split()
        # A weight before a direction applies to the directions after it; one at the end to those before it.
        pending: list[str] = []
        for word in words:
            if word in _WEIGHTS:
                weight = _WEIGHTS[word]
                for arm in pending:
                    arms[arm] = weight
                pending = []
            elif word in _DIRECTIONS:
                for arm in _DIRECTIONS[word]:
                    arms[arm] = weight
                    pending.append(arm)
    return arms or None


def _box(draw: ImageDraw.ImageDraw, arms: dict[str, int], w: int, h: int, fg: RGB, thin: int) -> None:
    cx, cy = w // 2, h // 2
    for arm, weight in arms.items():
        thickness = thin * 2 + 1 if weight == 2 else thin
        offsets = (-thin - 1, thin + 1) if weight == 3 else (0,)
        for offset in offsets:
            if arm in "ud":
                x0 = cx - thickness // 2 + offset
                y0, y1 = (0, cy + thickness // 2) if arm == "u" else (cy - thickness // 2, h - 1)
                if weight == 3:
                    y0, y1 = (0, cy + thin + 1) if arm == "u" else (cy - thin - 1, h - 1)
                draw.rectangle((x0, y0, x0 + thickness - 1, y1), fill=fg)
            else:
                y0 = cy - thickness // 2 + offset
                x0, x1 = (0, cx + thickness // 2) if arm == "l" else (cx - thickness // 2, w - 1)
                if weight == 3:
                    x0, x1 = (0, cx + thin + 1) if arm == "l" else (cx - thin - 1, w - 1)
                draw.rectangle((x0, y0, x1, y0 + thickness - 1), fill=fg)
