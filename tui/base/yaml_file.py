"""Reading a user's YAML file, with every failure worded as one line naming the file, and checking its shape."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.base import yaml_fast
from tui.base.file_limits import MIB, FileTooLarge, read_bytes_limited
from tui.cmdline.duration import DurationError, parse_duration

DAY_S = 86_400.0


@dataclass
class YamlReadProblem(Exception):
    """Why a YAML file could not be read; each caller words it (a scenario and a kubeconfig say it differently)."""

    path: str
    kind: str  # missing, directory, too-large, not-utf8, unreadable (other OS errors) or invalid (the YAML)
    detail: str = ""  # the OS error, the too-large line, or the YAML parser's problem
    byte: int = 0  # not-utf8: the first bad byte, counted from 1
    line: int | None = None  # invalid: where the parser stopped, counted from 1
    column: int | None = None


def load_yaml_document(path: str | Path, limit: int = MIB) -> Any:
    """The parsed document of `path`, read with a size limit; YamlReadProblem on any failure."""
    where = str(path)
    try:
        text = read_bytes_limited(Path(path), limit).decode("utf-8")
    except FileTooLarge as exc:
        raise YamlReadProblem(where, "too-large", str(exc)) from None
    except UnicodeDecodeError as exc:
        raise YamlReadProblem(where, "not-utf8", byte=exc.start + 1) from None
    except OSError as exc:
        kind = {FileNotFoundError: "missing", IsADirectoryError: "directory"}.get(type(exc), "unreadable")
        raise YamlReadProblem(where, kind, exc.strerror or "input/output error") from None
    import yaml  # only user files need it, not the built-in scenarios `canaryscope demo` starts with

    try:
        return yaml_fast.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlReadProblem(
            where,
            "invalid",
            getattr(exc, "problem", None) or "invalid YAML",
            line=mark.line + 1 if mark is not None else None,
            column=mark.column + 1 if mark is not None else None,
        ) from None


def read_yaml(path: str, what: str, error: type[Exception], *, missing_hint: str = "", limit: int = MIB) -> Any:
    """The parsed document of `path`; raises `error` with one line on any problem (never a traceback)."""
    try:
        return load_yaml_document(path, limit)
    except YamlReadProblem as problem:
        raise error(_worded(problem, what, missing_hint)) from None


def _worded(problem: YamlReadProblem, what: str, missing_hint: str) -> str:
    path = problem.path
    if problem.kind == "missing":
        return f"{path}: no such file{missing_hint}"
    if problem.kind == "directory":
        return f"{path}: is a directory, not a {what} file"
    if problem.kind == "too-large":
        return f"{problem.detail} (a {what} file is a few kilobytes)"
    if problem.kind == "not-utf8":
        return f"{path}: cannot be read: not UTF-8 text (byte {problem.byte})"
    if problem.kind == "invalid":
        where = f" at line {problem.line}, column {problem.column}" if problem.line is not None else ""
        return f"{path}: not valid YAML{where}: {problem.detail}"
    return f"{path}: cannot be read: {problem.detail}"


# --- the shape of what was read ------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A value as a message quotes it: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def mapping(value: Any, path: str, allowed: set[str], error: type[Exception], *, whole: str = "scenario") -> dict:  # type: ignore[type-arg]
    """`value` as a mapping with only `allowed` keys (None is an empty one); `error` names the key otherwise.

    path is where the value sits (`canaries[0].analysis`, empty for the whole document, which `whole` names).
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise error(f"{path or whole}: expected a mapping, got {show(value)}")
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise error(f"{where}: unknown key (allowed: {', '.join(sorted(allowed))})")
    return value


def duration_value(
    value: Any,
    path: str,
    error: type[Exception],
    *,
    minimum: float = 0.0,
    maximum: float = DAY_S,
    allow_zero: bool = True,
) -> float:
    """Seconds from a YAML number or a duration string (`30s`, `4m`, `1h`, `500ms`), at most `maximum`."""
    if isinstance(value, bool):
        raise error(f"{path}: expected a duration like 30s or 4m, got {show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise error(f"{path}: expected a duration like 30s or 4m, got {show(value)}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip().startswith("-"):
        raise error(f"{path}: must not be negative, got {show(value)}")
    elif isinstance(value, str):
        try:
            seconds = parse_duration(value)
        except DurationError:
            raise error(f"{path}: expected a duration like 30s or 4m, got {show(value)}") from None
    else:
        raise error(f"{path}: expected a duration like 30s or 4m, got {show(value)}")
    if seconds < 0:
        raise error(f"{path}: must not be negative, got {show(value)}")
    if not allow_zero and seconds == 0:
        raise error(f"{path}: must be longer than 0, got {show(value)}")
    if seconds < minimum:
        raise error(f"{path}: must be at least {minimum:g}s, got {show(value)}")
    if seconds > maximum:
        raise error(f"{path}: must be at most {maximum:g}s, got {show(value)}")
    return seconds
