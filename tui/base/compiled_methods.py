"""The methods `dataclasses` generates, compiled once and kept beside the bytecode.

On Python 3.11 a dataclass compiles the source of each method it writes (`__init__`, `__repr__`, `__eq__`,
`__hash__`, a frozen class's `__setattr__` and `__delattr__`) as the class is defined. The interactive commands
define some 160 classes (canaryscope's and Textual's) before the first screen: about 110 ms of compiling, a sixth
of the time to the first screen with one canary. Like a `.pyc`, the compiled code is stored per Python version and
used again; its key is the generated source itself, so a class that changed compiles anew and nothing stale runs.

Only `dataclasses`' own calls to `exec` are routed here (a name in its module shadows the builtin); anything else
it execs, and every other module, is untouched. Writing follows Python's rule for bytecode: not under
PYTHONDONTWRITEBYTECODE (or -B), and a directory that cannot be written leaves the cache as it was.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib.util
import marshal
import os
import sys
import tempfile
from pathlib import Path
from types import CodeType
from typing import Any

# Entries kept in the file (about a kilobyte each, 5 ms to load per thousand). A checkout whose classes keep changing
# would otherwise keep every old version: past this, a save keeps only what the process that saves used.
LIMIT = 2_000
DIRECTORY = Path(__file__).resolve().parent.parent / "__pycache__"

_exec = builtins.exec


def cache_path(directory: Path) -> Path:
    """The file for this interpreter: marshalled code is only valid for the Python that wrote it."""
    tag = sys.implementation.cache_tag or "python"
    return directory / f"dataclass-methods.{tag}-{importlib.util.MAGIC_NUMBER.hex()}.marshal"


class MethodCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.stored = _read(path)
        self.used: dict[str, CodeType] = {}
        self.compiled = 0

    def exec(self, source: Any, *args: Any) -> Any:
        if not isinstance(source, str):
            return _exec(source, *args)
        code = self.used.get(source) or self.stored.get(source)
        if code is None:
            # What exec would compile: flags of its own, none inherited from this module's future imports (postponed
            # annotations would turn the methods' annotations into strings).
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.compiled += 1
        self.used[source] = code
        return _exec(code, *args)

    def save(self) -> bool:
        """Writes the cache if this process compiled anything new and may write bytecode; True if it wrote."""
        if not self.compiled or sys.dont_write_bytecode:
            return False
        entries = {**self.stored, **self.used}
        if len(entries) > LIMIT:
            entries = dict(self.used)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".dataclass-methods-", dir=self.path.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    marshal.dump(entries, out)
                os.chmod(temporary, 0o644)  # as readable as the bytecode beside it
                os.replace(temporary, self.path)  # readers see the old file or the new one, never half of one
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return False  # a read-only install: every start compiles, as it would without the cache
        self.stored, self.compiled = entries, 0
        return True


def _read(path: Path) -> dict[str, CodeType]:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}  # none yet, or unreadable: compiled as usual and written again
    if not isinstance(data, dict):
        return {}
    return {key: code for key, code in data.items() if isinstance(key, str) and isinstance(code, CodeType)}


def install(directory: Path | None = None) -> MethodCache | None:
    """Routes `dataclasses`' compiling through a cache in `directory` (the package's `__pycache__`); None if one is
    already installed."""
    if isinstance(getattr(dataclasses, "exec", None), _Installed):
        return None
    cache = MethodCache(cache_path(directory or DIRECTORY))
    dataclasses.exec = _Installed(cache)  # type: ignore[attr-defined]
    return cache


def uninstall() -> None:
    """`dataclasses` compiles on its own again (a command that installed the cache, on its way out)."""
    if isinstance(getattr(dataclasses, "exec", None), _Installed):
        del dataclasses.exec  # type: ignore[attr-defined]


class _Installed:
    """`dataclasses.exec` while a cache is installed (a type of its own, to tell it from anything else there)."""

    def __init__(self, cache: MethodCache) -> None:
        self.cache = cache

    def __call__(self, source: Any, *args: Any) -> Any:
        return self.cache.exec(source, *args)
