"""Turn an asciicast recording into a GIF, an MP4 or an animated SVG, offline and the same on every machine."""

from __future__ import annotations


class ExportError(Exception):
    """Input or output the export cannot use, worded as one line."""


FORMATS = (".gif", ".mp4", ".svg")
