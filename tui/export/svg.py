"""An animated SVG: every distinct line is drawn once, each frame places 'use' references to its lines, and a
CSS animation steps through the frames (no script, so it plays where a README shows images)."""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import escape

from tui.export.glyphs import cell_size
from tui.export.palette import RGB
from tui.export.progress import Progress
from tui.export.raster import Raster
from tui.export.timeline import Schedule, play

Cell = tuple[str, RGB, RGB, bool]


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _block(text: str) -> tuple[float, float, float, float] | None:
    """The filled part of a cell (x0, y0, x1, y1 as shares) for the full, upper-half, lower and left blocks."""
    if len(text) != 1:
        return None
    code = ord(text)
    if code == 0x2580:
        return (0, 0, 1, 0.5)
    if 0x2581 <= code <= 0x2588:
        return (0, 1 - (code - 0x2580) / 8, 1, 1)
    if 0x2589 <= code <= 0x258F:
        return (0, 0, (0x2590 - code) / 8, 1)
    if code == 0x2590:
        return (0.5, 0, 1, 1)
    return None


def _line_svg(row: list[Cell], cw: int, ch: int, background: RGB) -> str:
    parts: list[str] = []
    x = 0
    while x < len(row):  # backgrounds: one rectangle per run of one colour
        bg = row[x][2]
        end = x
        while end < len(row) and row[end][2] == bg:
            end += 1
        if bg != background:
            parts.append(f'<rect x="{x * cw}" width="{(end - x) * cw}" height="{ch}" fill="{_hex(bg)}"/>')
        x = end
    for x, (text, fg, _, _) in enumerate(row):  # blocks as rectangles: a font's leave seams between lines
        box = _block(text)
        if box is not None:
            x0, y0, x1, y1 = box
            parts.append(
                f'<rect x="{x * cw + x0 * cw:g}" y="{y0 * ch:g}" width="{(x1 - x0) * cw:g}" '
                f'height="{(y1 - y0) * ch:g}" fill="{_hex(fg)}"/>'
            )
    x = 0
    while x < len(row):  # text: one element per run of one style, each cell at its own x
        text, fg, _, bold = row[x]
        if not text.strip() or _block(text) is not None:
            x += 1
            continue
        end, chars, xs = x, [], []
        while (
            end < len(row)
            and row[end][1] == fg
            and row[end][3] == bold
            and row[end][0].strip()
            and _block(row[end][0]) is None
        ):
            chars.append(row[end][0])
            xs.append(str(end * cw))
            end += 1
        weight = ' font-weight="bold"' if bold else ""
        parts.append(
            f'<text x="{" ".join(xs)}" y="{ch * 0.8:.1f}" fill="{_hex(fg)}"{weight}>{escape("".join(chars))}</text>'
        )
        x = end
    return "".join(parts)


def write_svg(out: TextIO, raster: Raster, plan: Schedule, fps: float, font_size: int, progress: Progress) -> int:
    cw, ch = cell_size(font_size)
    width, height = raster.columns * cw, raster.rows * ch
    lines: dict[tuple[Cell, ...], int] = {}
    defs: list[str] = []
    frames: list[tuple[int, list[int]]] = []
    for slot, changed in play(raster, plan):
        progress.update(slot)
        if not changed and frames:
            continue
        ids = []
        for row in raster.cells():
            key = tuple(row)
            number = lines.get(key)
            if number is None:
                number = lines[key] = len(lines)
                defs.append(f'<g id="l{number}">{_line_svg(row, cw, ch, raster.theme.background)}</g>')
            ids.append(number)
        if frames and frames[-1][1] == ids:
            continue
        frames.append((slot, ids))
    total = plan.last_slot / fps
    film = []
    for index, (_, ids) in enumerate(frames):
        top = index * height
        uses = "".join(f'<use href="#l{n}" y="{top + y * ch}"/>' for y, n in enumerate(ids))
        film.append(f"<g>{uses}</g>")
    stops = []
    for index, (slot, _) in enumerate(frames):
        stops.append(f"{100 * slot / plan.last_slot:.3f}%{{transform:translateY({-index * height}px)}}")
    stops.append(f"100%{{transform:translateY({-(len(frames) - 1) * height}px)}}")
    style = (
        f"text{{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:{font_size}px;"
        "white-space:pre}"
        f".film{{animation:play {total:.2f}s steps(1,end) infinite}}"
        f"@keyframes play{{{''.join(stops)}}}"
    )
    out.write(
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<style>{style}</style>"
        f'<rect width="{width}" height="{height}" fill="{_hex(raster.theme.background)}"/>'
        f"<defs>{''.join(defs)}</defs>"
        f'<svg width="{width}" height="{height}"><g class="film">{"".join(film)}</g></svg>'
        "</svg>\n"
    )
    return len(frames)
