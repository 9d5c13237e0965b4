"""Reading asciicast recordings: v2 (what canaryscope writes), v1 and v3 (what asciinema writes elsewhere)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.export import ExportError

# A recording is read whole; this caps what a wrong file name can cost.
MAX_CAST_BYTES = 512 * 1024 * 1024


@dataclass
class Cast:
    width: int
    height: int
    # (seconds since the start, "o" or "r", data), in order.
    events: list[tuple[float, str, str]] = field(default_factory=list)
    idle_time_limit: float | None = None
    theme: dict[str, Any] | None = None


def largest_size(cast: Cast) -> tuple[int, int]:
    """The picture's size: the largest the terminal was (a session may start small and be resized at once)."""
    width, height = cast.width, cast.height
    for _, code, data in cast.events:
        if code == "r":
            columns, _, rows = data.partition("x")
            if columns.isdigit() and rows.isdigit() and 0 < int(columns) <= 1000 and 0 < int(rows) <= 1000:
                width, height = max(width, int(columns)), max(height, int(rows))
    return width, height


def read_cast(path: str | Path) -> Cast:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CAST_BYTES:
            raise ExportError(f"{path}: larger than {MAX_CAST_BYTES // 2**20} MB, not a recording")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not an asciicast recording (not UTF-8 text)") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ExportError(f"{path}: empty, not an asciicast recording")
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError:
        return _whole_v1(path, text)
    if not isinstance(header, dict):
        raise ExportError(f"{path}: not an asciicast recording (line 1 is not a JSON object)")
    version = header.get("version")
    if version == 2:
        return _v2(path, header, lines[1:])
    if version == 3:
        return _v3(path, header, lines[1:])
    if version == 1:
        return _v1(path, header)
    raise ExportError(f"{path}: asciicast version {version!r} is not supported (1, 2 and 3 are)")


def _size(path: Path, width: Any, height: Any) -> tuple[int, int]:
    if not (isinstance(width, int) and isinstance(height, int) and 0 < width <= 1000 and 0 < height <= 1000):
        raise ExportError(f"{path}: the header's terminal size is missing or out of range")
    return width, height


def _event(path: Path, number: int, line: str, total: int) -> list[Any]:
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        where = "truncated: its last line is cut" if number == total else f"line {number} is not JSON"
        raise ExportError(f"{path}: {where}") from None
    if not (
        isinstance(event, list)
        and len(event) >= 3
        and isinstance(event[0], int | float)
        and isinstance(event[1], str)
        and isinstance(event[2], str)
    ):
        raise ExportError(f"{path}: line {number} is not an event [time, code, data]")
    return event


def _v2(path: Path, header: dict[str, Any], lines: list[str]) -> Cast:
    cast = Cast(*_size(path, header.get("width"), header.get("height")))
    cast.idle_time_limit = _limit(header.get("idle_time_limit"))
    cast.theme = header.get("theme") if isinstance(header.get("theme"), dict) else None
    total = len(lines) + 1
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        at, code, data = _event(path, number, line, total)[:3]
        if code in ("o", "r"):
            cast.events.append((float(at), code, data))
    cast.events.sort(key=lambda e: e[0])
    return cast


def _v3(path: Path, header: dict[str, Any], lines: list[str]) -> Cast:
    term = header.get("term") if isinstance(header.get("term"), dict) else {}
    cast = Cast(*_size(path, term.get("cols"), term.get("rows")))
    cast.idle_time_limit = _limit(header.get("idle_time_limit"))
    cast.theme = term.get("theme") if isinstance(term.get("theme"), dict) else None
    total, at = len(lines) + 1, 0.0
    for number, line in enumerate(lines, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        interval, code, data = _event(path, number, line, total)[:3]
        at += max(0.0, float(interval))  # v3 stores the time since the previous event
        if code in ("o", "r"):
            cast.events.append((at, code, data))
    return cast


def _v1(path: Path, header: dict[str, Any]) -> Cast:
    cast = Cast(*_size(path, header.get("width"), header.get("height")))
    stdout = header.get("stdout")
    if not isinstance(stdout, list):
        raise ExportError(f"{path}: asciicast v1 without its stdout frames")
    at = 0.0
    for frame in stdout:
        if not (isinstance(frame, list) and len(frame) == 2 and isinstance(frame[1], str)):
            raise ExportError(f"{path}: asciicast v1 with a malformed frame")
        at += max(0.0, float(frame[0]))
        cast.events.append((at, "o", frame[1]))
    return cast


def _whole_v1(path: Path, text: str) -> Cast:
    """v1 is one JSON document, usually over many lines."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        stripped = text.lstrip()
        if stripped.startswith("{") and '"version"' in stripped[:200]:
            raise ExportError(f"{path}: truncated: its JSON ends early") from None
        raise ExportError(f"{path}: not an asciicast recording (line 1 is not JSON)") from None
    if not isinstance(document, dict) or document.get("version") != 1:
        raise ExportError(f"{path}: not an asciicast recording (no version 1, 2 or 3 header)")
    return _v1(path, document)


def _limit(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value > 0 else None
