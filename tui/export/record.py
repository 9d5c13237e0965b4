"""`--record OUT.gif|.mp4|.svg`: record the asciicast as usual, then export it once the UI has quit."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from tui.app.recording import CastRecorder
from tui.export import ExportError
from tui.export.run import Options, export, output_format


class ExportingRecorder(CastRecorder):
    def __init__(
        self, path: str | Path, clock: Callable[[], float], *, start_epoch: float, title: str, theme: str | None
    ) -> None:
        self.output = Path(path)
        output_format(self.output)
        self.theme = theme
        super().__init__(self._cast_path(), clock, start_epoch=start_epoch, title=title)

    def _cast_path(self) -> Path:
        """A hidden .cast beside the output, so a failed export leaves the recording to export again."""
        folder = self.output.parent
        if not folder.is_dir():
            raise OSError(2, f"no such directory {folder}")
        if not os.access(folder, os.W_OK):
            raise OSError(13, "permission denied")
        handle, name = tempfile.mkstemp(prefix=f".{self.output.name}.", suffix=".cast", dir=folder)
        os.close(handle)
        return Path(name)

    def export(self) -> Path:
        """Called after the UI has quit (it blocks and draws a progress bar on stderr)."""
        self.close()
        try:
            export(self.path, self.output, Options(theme=self.theme))
        except ExportError as exc:
            raise ExportError(f"{exc} (the recording is kept in {self.path})") from None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        return self.output
