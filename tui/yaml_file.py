"""Reading a user's YAML file, with every failure worded as one line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.file_limits import MIB, FileTooLarge, read_bytes_limited


def read_yaml(path: str, what: str, error: type[Exception], *, missing_hint: str = "", limit: int = MIB) -> Any:
    """The parsed document of `path`; raises `error` with one line on any problem (never a traceback)."""
    try:
        text = read_bytes_limited(Path(path), limit).decode("utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file{missing_hint}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what} file") from None
    except FileTooLarge as exc:
        raise error(f"{exc} (a {what} file is a few kilobytes)") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot be read: not UTF-8 text (byte {exc.start + 1})") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or 'input/output error'}") from None
    import yaml  # only user files need it, not the built-in scenarios `canaryscope demo` starts with

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"{path}: not valid YAML{where}: {problem}") from None
