"""Load generation with hey's semantics (httpx), its safety policy, and the standalone `canaryscope load`."""

from tui.load.errors import LoadError
from tui.load.generator import LoadGenerator
from tui.load.policy import DEFAULT_TARGET, LoadPolicy
from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION, LoadPreset
from tui.load.registry import LoadRegistry
from tui.load.spec import LoadSpec, with_query
from tui.load.stats import LoadSnapshot

__all__ = [
    "BACKGROUND_LOAD",
    "DEFAULT_TARGET",
    "ERROR_INJECTION",
    "LoadError",
    "LoadGenerator",
    "LoadPolicy",
    "LoadPreset",
    "LoadRegistry",
    "LoadSnapshot",
    "LoadSpec",
    "with_query",
]
