"""The `kubernetes` package without its eager imports.

Its `__init__` imports every subpackage (the config loaders with OAuth, Google and dateutil, dynamic, watch, stream,
leaderelection, informer) before `kubernetes.client` can be named; a watch uses the client alone. Registered before
the first import, the package is the same directory with each submodule imported when it is first named; anything
else asked of it runs the real `__init__` then. Once `kubernetes` is imported (tests, other callers), this does
nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from typing import Any

_registering = threading.Lock()  # contexts may connect from several threads at once


def register() -> None:
    with _registering:
        _register()


def _register() -> None:
    if "kubernetes" in sys.modules:
        return
    spec = importlib.util.find_spec("kubernetes")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def attribute(name: str) -> Any:
        try:
            return importlib.import_module(f"kubernetes.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"kubernetes.{name}":
                raise
        loader.exec_module(package)  # the real __init__, once, for a name that is not a submodule
        package.__dict__.pop("__getattr__", None)
        return getattr(package, name)

    package.__getattr__ = attribute  # type: ignore[attr-defined]
    sys.modules["kubernetes"] = package
