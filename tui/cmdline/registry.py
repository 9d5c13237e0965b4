"""Every `canaryscope` subcommand: where it lives, and what it registers there (name, help, parser, run).

Each command module holds one `Subcommand` value; this table only says where to find it, so that running
one command imports that command's module alone (the others pull in HTTP clients and the like).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str  # one line for `canaryscope --help`
    build_parser: Callable[[], argparse.ArgumentParser]
    run: Callable[[Sequence[str]], int]  # the words after the name; prints its own mistakes, gives the exit code
    tui: bool = False  # runs the terminal UI (so `canaryscope serve` may serve it)


# name -> "module:attribute" of its Subcommand, in the order `canaryscope --help` lists them.
_WHERE = {
    "demo": "tui.cli:DEMO",
    "watch": "tui.cli:WATCH",
    "load": "tui.load.cli:COMMAND",
    "wait": "tui.wait.cli:COMMAND",
    "serve": "tui.serve:COMMAND",
    "lab": "tui.lab.cli:COMMAND",
    "export": "tui.export.cli:COMMAND",
}
DEFAULT = "watch"  # plain `canaryscope [flags] [CANARY]`, as kubectl-style tools do


def names() -> tuple[str, ...]:
    return tuple(_WHERE)


def command(name: str) -> Subcommand:
    """The registered subcommand `name` (KeyError for an unknown one)."""
    module, _, attribute = _WHERE[name].partition(":")
    found = getattr(import_module(module), attribute)
    if not isinstance(found, Subcommand) or found.name != name:
        raise LookupError(f"{_WHERE[name]} does not register the subcommand {name!r}")
    return found


def commands() -> list[Subcommand]:
    return [command(name) for name in _WHERE]
