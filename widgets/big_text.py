"""Large solid block type for presentation mode: readable from the back of a room.

One 5x5 pixel bitmap per glyph is drawn at four sizes: 10 rows (each pixel 2x2 cells), 7 rows (the second and
fourth pixel rows doubled, so strokes keep their weight), 5 rows (one cell per pixel) and 3 rows (two pixel rows
per cell with half blocks). A condensed face, 3x5 pixels, is drawn 5 or 3 rows high when the regular one is too
wide. Text that no size fits, or that has a character without a glyph, is shown as plain bold text instead, so
nothing is ever cut.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

FULL, UPPER, LOWER = "█", "▀", "▄"

# '#' is a filled pixel. Digits have two-cell vertical strokes so that, in cells twice as tall as wide, they look
# as heavy as their horizontal strokes, and their counters stay open (0 and 8 differ in the middle row).
_BITMAPS: dict[str, str] = {
    "0": "##### ##.## ##.## ##.## #####",
    "1": "..##. .###. ..##. ..##. .####",
    "2": "##### ...## ##### ##... #####",
    "3": "##### ...## .#### ...## #####",
    "4": "##.## ##.## ##### ...## ...##",
    "5": "##### ##... ##### ...## #####",
    "6": "##### ##... ##### ##.## #####",
    "7": "##### ...## ..##. .##.. .##..",
    "8": "##### ##.## ##### ##.## #####",
    "9": "##### ##.## ##### ...## #####",
    ".": "..... ..... ..... ..... .##..",
    "%": "##..# ##.#. ..#.. .#.## #..##",
    "/": "....# ...#. ..#.. .#... #....",
    ":": "..... .##.. ..... .##.. .....",
    "-": "..... ..... .###. ..... .....",
    "?": ".###. ##.## ..##. ..... ..##.",
    "A": ".###. ##.## ##### ##.## ##.##",
    "B": "####. ##.## ####. ##.## ####.",
    "C": ".#### ##... ##... ##... .####",
    "D": "####. ##.## ##.## ##.## ####.",
    "E": "##### ##... ####. ##... #####",
    "F": "##### ##... ####. ##... ##...",
    "G": ".#### ##... ##.## ##.## .####",
    "H": "##.## ##.## ##### ##.## ##.##",
    "I": "##### ..#.. ..#.. ..#.. #####",
    "J": "...## ...## ...## ##.## .###.",
    "K": "##..# ##.#. ###.. ##.#. ##..#",
    "L": "##... ##... ##... ##... #####",
    "M": "#...# ##.## #.#.# #...# #...#",
    "N": "#...# ##..# #.#.# #..## #...#",
    "O": ".###. ##.## ##.## ##.## .###.",
    "P": "####. ##.## ####. ##... ##...",
    "Q": ".###. ##.## ##.## ##.#. .##.#",
    "R": "####. ##.## ####. ##.#. ##.##",
    "S": ".#### ##... .###. ...## ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#..",
    "U": "##.## ##.## ##.## ##.## .###.",
    "V": "##.## ##.## ##.## .###. ..#..",
    "W": "#...# #...# #.#.# ##.## #...#",
    "X": "##.## .###. ..#.. .###. ##.##",
    "Y": "##.## ##.## .###. ..#.. ..#..",
    "Z": "##### ...## ..##. .##.. #####",
    # The phase icons of widgets.formatting, so a phase keeps its icon at every size.
    "▶": "##... ####. ##### ####. ##...",
    "✔": "....# ...## #.##. ###.. .#...",
    "✖": "##.## .###. ..#.. .###. ##.##",
    "◷": ".###. #.#.# #.### #...# .###.",
    "⇡": "..#.. .###. #.#.# ..#.. ..#..",
    "◌": ".#.#. #...# ..... #...# .#.#.",
    "●": ".###. ##### ##### ##### .###.",
    "॥": "##.## ##.## ##.## ##.## ##.##",
}

# A condensed face, three pixels wide, for long words (a phase such as WaitingPromotion) on a narrow terminal.
_CONDENSED_BITMAPS: dict[str, str] = {
    "0": "### #.# #.# #.# ###",
    "1": ".#. ##. .#. .#. ###",
    "2": "### ..# ### #.. ###",
    "3": "### ..# .## ..# ###",
    "4": "#.# #.# ### ..# ..#",
    "5": "### #.. ### ..# ###",
    "6": "### #.. ### #.# ###",
    "7": "### ..# ..# .#. .#.",
    "8": "### #.# ### #.# ###",
    "9": "### #.# ### ..# ###",
    ".": "... ... ... ... .#.",
    "%": "#.# ..# .#. #.. #.#",
    "/": "..# ..# .#. #.. #..",
    ":": "... .#. ... .#. ...",
    "-": "... ... ### ... ...",
    "?": "### ..# .## ... .#.",
    "A": ".#. #.# ### #.# #.#",
    "B": "##. #.# ##. #.# ##.",
    "C": ".## #.. #.. #.. .##",
    "D": "##. #.# #.# #.# ##.",
    "E": "### #.. ##. #.. ###",
    "F": "### #.. ##. #.. #..",
    "G": ".## #.. #.# #.# .##",
    "H": "#.# #.# ### #.# #.#",
    "I": "### .#. .#. .#. ###",
    "J": "..# ..# ..# #.# .#.",
    "K": "#.# #.# ##. #.# #.#",
    "L": "#.. #.. #.. #.. ###",
    "M": "#.# ### ### #.# #.#",
    "N": "##. #.# #.# #.# #.#",
    "O": ".#. #.# #.# #.# .#.",
    "P": "##. #.# ##. #.. #..",
    "Q": ".#. #.# #.# ##. .##",
    "R": "##. #.# ##. #.# #.#",
    "S": ".## #.. .#. ..# ##.",
    "T": "### .#. .#. .#. .#.",
    "U": "#.# #.# #.# #.# ###",
    "V": "#.# #.# #.# #.# .#.",
    "W": "#.# #.# ### ### #.#",
    "X": "#.# #.# .#. #.# #.#",
    "Y": "#.# #.# .#. .#. .#.",
    "Z": "### ..# .#. #.. ###",
    "▶": "#.. ##. ### ##. #..",
    "✔": "... ..# #.# .#. ...",
    "✖": "#.# #.# .#. #.# #.#",
    "◷": "### #.# .#. #.# ###",
    "⇡": ".#. ### .#. .#. .#.",
    "◌": ".#. #.# ... #.# .#.",
    "●": ".#. ### ### ### .#.",
    "॥": "#.# #.# #.# #.# #.#",
}

GLYPHS: dict[str, tuple[str, ...]] = {char: tuple(bitmap.split()) for char, bitmap in _BITMAPS.items()}
CONDENSED: dict[str, tuple[str, ...]] = {char: tuple(bitmap.split()) for char, bitmap in _CONDENSED_BITMAPS.items()}
PIXELS = 5  # every bitmap is PIXELS high, and PIXELS wide in the regular face
SIZES = (10, 7, 5, 3)  # rows of each drawn size, largest first
_SCALE = {10: 2, 7: 1, 5: 1, 3: 1}  # cells per pixel, horizontally
_PIXEL_ROWS = {10: (0, 0, 1, 1, 2, 2, 3, 3, 4, 4), 7: (0, 1, 1, 2, 3, 3, 4), 5: (0, 1, 2, 3, 4)}  # row -> pixel row
# What fit tries, largest first: (rows, condensed).
_DRAWINGS = ((10, False), (7, False), (5, False), (5, True), (3, False), (3, True))


def _face(condensed: bool) -> dict[str, tuple[str, ...]]:
    return CONDENSED if condensed else GLYPHS


def can_draw(text: str, condensed: bool = False) -> bool:
    face = _face(condensed)
    return bool(text.strip()) and all(char == " " or char in face for char in text)


def glyph(char: str, rows: int, condensed: bool = False) -> list[str]:
    """The cells of one glyph at a size: `rows` strings of the same length."""
    bitmap = _face(condensed)[char]
    scale = _SCALE[rows]
    if rows == 3:
        padded = [*bitmap, "." * len(bitmap[0])]
        return [
            "".join(_half(top, bottom) for top, bottom in zip(padded[i], padded[i + 1], strict=True))
            for i in range(0, PIXELS + 1, 2)
        ]
    lines = ["".join((FULL if pixel == "#" else " ") * scale for pixel in line) for line in bitmap]
    return [lines[pixel_row] for pixel_row in _PIXEL_ROWS[rows]]


def _half(top: str, bottom: str) -> str:
    if top == "#":
        return FULL if bottom == "#" else UPPER
    return LOWER if bottom == "#" else " "


def draw(text: str, rows: int, condensed: bool = False) -> list[str]:
    """`text` in block type `rows` high. A space is a narrow gap between words, not a glyph."""
    scale = _SCALE[rows]
    gap, space = " " * scale, " " * 2 * scale
    lines = [""] * rows
    for char in text:
        if char == " ":
            lines = [line + space for line in lines]
            continue
        cells = glyph(char, rows, condensed)
        lines = [line + (gap if line else "") + cell for line, cell in zip(lines, cells, strict=True)]
    return lines


def width(text: str, rows: int, condensed: bool = False) -> int:
    """Cells `draw(text, rows, condensed)` takes, without drawing it."""
    scale = _SCALE[rows]
    glyph_width = len(next(iter(_face(condensed).values()))[0])
    glyphs = sum(1 for char in text if char != " ")
    spaces = len(text) - glyphs
    leading = len(text) - len(text.lstrip(" "))  # no gap before the first glyph, even after spaces
    gaps = max(0, glyphs - 1) + (1 if leading and glyphs else 0)
    return scale * (glyphs * glyph_width + gaps + spaces * 2)


def fit(text: str, max_width: int, max_rows: int) -> list[str] | None:
    """The largest drawing of `text` no wider than max_width and no taller than max_rows; None when none fits."""
    for rows, condensed in _DRAWINGS:
        if rows <= max_rows and can_draw(text, condensed) and width(text, rows, condensed) <= max_width:
            return draw(text, rows, condensed)
    return None


def largest_size(text: str, max_width: int, max_rows: int) -> int:
    """Rows `fit` would draw `text` with (1 for plain text)."""
    drawn = fit(text, max_width, max_rows)
    return len(drawn) if drawn is not None else 1


class BigText(Widget):
    """Render-only: shows its text in the largest block type that fits its width and `rows`, centred in a band
    `rows` high so the layout around it stays put when the text changes."""

    DEFAULT_CSS = """
    BigText { width: 1fr; height: auto; text-align: center; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = ""
        self.style_name = ""
        self.rows = 5

    def show(self, text: str, style: str = "", rows: int | None = None) -> None:
        new_rows = self.rows if rows is None else max(1, rows)
        if (text, style, new_rows) == (self.text, self.style_name, self.rows):
            return
        layout = new_rows != self.rows
        self.text, self.style_name, self.rows = text, style, new_rows
        self.refresh(layout=layout)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows

    def render(self) -> Content:
        available = self.content_region.width
        drawn = fit(self.text, available, self.rows)
        if drawn is None:
            plain = Content.styled(self.text, f"bold {self.style_name}".strip())
            wrapped = plain.wrap(max(1, available))
            lines = wrapped[: self.rows]
            if len(wrapped) > self.rows:  # only hostile or absurdly long text gets here; say it goes on
                lines[-1] = lines[-1].truncate(max(1, available - 1)) + Content("…")
        else:
            lines = [Content.styled(line, self.style_name) if self.style_name else Content(line) for line in drawn]
        top = (self.rows - len(lines)) // 2
        padding = [Content("")] * top + lines + [Content("")] * (self.rows - top - len(lines))
        return Content("\n").join(padding)
