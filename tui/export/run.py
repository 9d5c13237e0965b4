"""One export: read the recording, render it, write the output whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tui.export import FORMATS, ExportError
from tui.export.cast import largest_size, read_cast
from tui.export.palette import THEMES, theme_from_cast
from tui.export.progress import Progress
from tui.export.raster import Raster
from tui.export.timeline import Timing, schedule


@dataclass(frozen=True)
class Options:
    theme: str | None = None  # None: the recording's own theme header, else dark
    font_size: int = 14
    timing: Timing = field(default_factory=Timing)
    force_progress: bool = False


def output_format(out: str | Path) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"{out}: cannot tell the format; the output should end in {', '.join(FORMATS)}")
    return suffix


def export(cast_path: str | Path, out: str | Path, options: Options = Options()) -> int:
    """Returns the number of frames written; raises ExportError with a one-line reason."""
    out = Path(out)
    kind = output_format(out)
    cast = read_cast(cast_path)
    theme = THEMES[options.theme] if options.theme else (theme_from_cast(cast.theme) or THEMES["dark"])
    plan = schedule(cast, options.timing)
    if not plan.slots and not plan.prelude:
        raise ExportError(f"{cast_path}: the recording has no output to show between --from and --to")
    raster = Raster(*largest_size(cast), theme, options.font_size, start=(cast.width, cast.height))
    progress = Progress(plan.last_slot, f"{out.name}", force=options.force_progress)
    temp = _temporary(out, kind)
    try:
        if kind == ".gif":
            from tui.export.gif import write_gif

            with temp.open("wb") as handle:
                frames = write_gif(handle, raster, plan, options.timing.fps, progress)
        elif kind == ".mp4":
            from tui.export.mp4 import write_mp4

            frames = write_mp4(temp, raster, plan, options.timing.fps, progress)
        else:
            from tui.export.svg import write_svg

            with temp.open("w", encoding="utf-8") as text:
                frames = write_svg(text, raster, plan, options.timing.fps, options.font_size, progress)
        progress.finish()
        os.replace(temp, out)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return frames


def _temporary(out: Path, kind: str) -> Path:
    """A file beside the output (so the final rename is atomic); fails early when the folder is not writable."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=kind, dir=out.parent if str(out.parent) else ".")
    except FileNotFoundError:
        raise ExportError(f"cannot write {out}: no such directory {out.parent}") from None
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    os.close(handle)
    # mkstemp makes the file private; the output gets the permissions any new file would.
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(name, 0o666 & ~mask)
    return Path(name)
