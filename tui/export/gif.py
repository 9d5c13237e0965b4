"""GIF, written frame by frame (Pillow's own writer keeps every frame in memory until the end).

Every frame uses xterm's 256 colours as one global palette and covers only the rectangle that changed, so a
rollout of minutes stays a few MB and the same recording always gives the same bytes.
"""

from __future__ import annotations

from typing import BinaryIO

from PIL import GifImagePlugin, Image, ImageChops

from tui.export.palette import XTERM256
from tui.export.progress import Progress
from tui.export.raster import Raster
from tui.export.timeline import Schedule, play

# xterm's colour 16 is black again (as 0): its index marks the pixels a frame leaves as they were.
TRANSPARENT = 16
_UNTOUCHED = list(range(256))
_UNTOUCHED[TRANSPARENT] = 0
_SAME = [255] + [0] * 255


def _palette_image() -> Image.Image:
    image = Image.new("P", (1, 1))
    image.putpalette([v for rgb in XTERM256 for v in rgb])
    return image


PALETTE = _palette_image()


def _indexed(image: Image.Image) -> Image.Image:
    return image.quantize(palette=PALETTE, dither=Image.Dither.NONE).point(_UNTOUCHED)


def _delta(previous: Image.Image, current: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The changed rectangle, with the pixels that did not change made transparent (they compress to nothing)."""
    indexed = _indexed(current.crop(box))
    difference = ImageChops.difference(previous.crop(box), current.crop(box)).split()
    changed = ImageChops.lighter(ImageChops.lighter(difference[0], difference[1]), difference[2])
    indexed.paste(TRANSPARENT, mask=changed.point(_SAME))
    return indexed


def write_gif(out: BinaryIO, raster: Raster, plan: Schedule, fps: float, progress: Progress) -> int:
    """Returns the number of frames written."""

    def centiseconds(slot: int) -> int:
        return round(slot * 100 / fps)

    previous: Image.Image | None = None
    pending: tuple[int, Image.Image, tuple[int, int]] | None = None
    frames = 0

    def flush(until: int) -> None:
        nonlocal frames
        assert pending is not None
        slot, image, offset = pending
        duration = max(1, centiseconds(until) - centiseconds(slot)) * 10
        for chunk in GifImagePlugin.getdata(image, offset, duration=duration, disposal=1, transparency=TRANSPARENT):
            out.write(chunk)
        frames += 1

    for slot, changed in play(raster, plan):
        progress.update(slot)
        if not changed and previous is not None:
            continue
        current = raster.image
        if previous is None:
            indexed = _indexed(current)
            header, _ = GifImagePlugin.getheader(indexed, None, {"loop": 0})
            for chunk in header:
                out.write(chunk)
            box: tuple[int, int, int, int] | None = (0, 0, *current.size)
        else:
            box = ImageChops.difference(previous, current).getbbox()
            if box is None:
                continue
            indexed = _delta(previous, current, box)
        if pending is not None:
            flush(slot)
        assert box is not None
        pending = (slot, indexed, (box[0], box[1]))
        previous = current.copy()
    if pending is not None:
        flush(plan.last_slot)
    out.write(b";")
    return frames
