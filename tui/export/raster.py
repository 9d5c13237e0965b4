"""A terminal (pyte) fed a recording's output in order, painted into a picture one changed line at a time."""

from __future__ import annotations

from typing import Any

import pyte
from PIL import Image

from tui.export.glyphs import Glyphs
from tui.export.palette import RGB, Theme, resolve


class Raster:
    def __init__(
        self, columns: int, rows: int, theme: Theme, font_size: int, start: tuple[int, int] | None = None
    ) -> None:
        """columns x rows is the picture; start, when smaller, the terminal's size until its first resize."""
        self.theme = theme
        self.glyphs = Glyphs(font_size)
        self.screen = pyte.Screen(*(start or (columns, rows)))
        self.stream = pyte.Stream(self.screen)
        self.columns, self.rows = columns, rows
        self.size = (columns * self.glyphs.width, rows * self.glyphs.height)
        self.image = Image.new("RGB", self.size, theme.background)
        self.changed = True
        self._shown: list[list[Any] | None] = [None] * rows
        self._colours: dict[tuple[str, RGB], RGB] = {}

    def feed(self, data: str) -> None:
        self.stream.feed(data)

    def resize(self, spec: str) -> None:
        """A resize event ("COLSxROWS"): the terminal follows, within the picture's size."""
        columns, _, rows = spec.partition("x")
        if columns.isdigit() and rows.isdigit() and int(columns) > 0 and int(rows) > 0:
            self.screen.resize(min(int(rows), self.rows), min(int(columns), self.columns))
            self.screen.dirty.update(range(self.rows))
            self._shown = [None] * self.rows

    def paint(self) -> bool:
        """Bring the picture up to date with the terminal; whether anything was repainted."""
        dirty = sorted(y for y in self.screen.dirty if y < self.rows)
        self.screen.dirty.clear()
        for y in dirty:
            self._line(y)
        if dirty:
            self.changed = True
        return bool(dirty)

    def _line(self, y: int) -> None:
        """Repaints the cells of line y that differ from what the picture shows (a frame often redraws a whole
        screen of which little changed)."""
        line = self.screen.buffer[y]
        chars = [line[x] for x in range(self.columns)]
        shown = self._shown[y]
        self._shown[y] = chars
        glyphs, theme, colour = self.glyphs, self.theme, self._colour
        top = y * glyphs.height
        x = 0
        while x < self.columns:
            char = chars[x]
            wide = x + 1 < self.columns and chars[x + 1].data == "" and char.data != ""
            cells = 2 if wide else 1
            if shown is not None and char == shown[x] and (not wide or chars[x + 1] == shown[x + 1]):
                x += cells
                continue
            fg = colour(char.fg, theme.foreground)
            bg = colour(char.bg, theme.background)
            if char.reverse:
                fg, bg = bg, fg
            tile = glyphs.tile(char.data or " ", fg, bg, char.bold, char.underscore, cells)
            self.image.paste(tile, (x * glyphs.width, top))
            x += cells

    def _colour(self, name: str, default: RGB) -> RGB:
        key = (name, default)
        rgb = self._colours.get(key)
        if rgb is None:
            rgb = self._colours[key] = resolve(name, default)
        return rgb

    def cells(self) -> list[list[tuple[str, tuple[int, int, int], tuple[int, int, int], bool]]]:
        """The screen as (text, fg, bg, bold) per cell, for the SVG."""
        theme = self.theme
        rows = []
        for y in range(self.rows):
            line = self.screen.buffer[y]
            row = []
            for x in range(self.columns):
                char = line[x]
                fg, bg = resolve(char.fg, theme.foreground), resolve(char.bg, theme.background)
                if char.reverse:
                    fg, bg = bg, fg
                row.append((char.data, fg, bg, char.bold))
            rows.append(row)
        return rows
