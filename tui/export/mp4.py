"""MP4 (H.264) through the ffmpeg binary that imageio-ffmpeg ships: a constant frame rate, one picture per frame."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
from PIL import Image

from tui.export import ExportError
from tui.export.progress import Progress
from tui.export.raster import Raster
from tui.export.timeline import Schedule, play


def even_size(size: tuple[int, int]) -> tuple[int, int]:
    """H.264 in yuv420p needs even sides; the picture is padded with the background."""
    return size[0] + size[0] % 2, size[1] + size[1] % 2


def write_mp4(path: Path, raster: Raster, plan: Schedule, fps: float, progress: Progress) -> int:
    size = even_size(raster.size)
    canvas = Image.new("RGB", size, raster.theme.background)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        quality=None,
        macro_block_size=2,
        ffmpeg_log_level="error",
        output_params=["-preset", "veryfast", "-crf", "23", "-tune", "stillimage", "-movflags", "+faststart"],
    )
    try:
        writer.send(None)
        frame = b""
        shown = 0
        for slot, changed in play(raster, plan):
            for _ in range(shown, slot):  # the previous picture holds until this one
                writer.send(frame)
            shown = max(shown, slot)
            if changed or not frame:
                canvas.paste(raster.image, (0, 0))
                frame = canvas.tobytes()
            progress.update(slot)
        for _ in range(shown, plan.last_slot):
            writer.send(frame)
            progress.update(shown)
        writer.close()
    except (OSError, RuntimeError) as exc:
        raise ExportError(f"{path}: ffmpeg failed: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    return plan.last_slot
