"""Which kubeconfig contexts to watch: `--context a,b` (also repeated), `--all-contexts`, or the current one.

Names are checked against the kubeconfig before anything connects, so a misspelt context is one line naming it and
the contexts that exist; a context that is there but cannot be used is left to its own retries.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from tui.cluster.kubeconfig import ClusterConfigError, list_contexts


def split_contexts(values: Iterable[str] | None) -> tuple[str, ...]:
    """`--context a,b --context c` as (a, b, c), each once, in the order given; empty names are dropped."""
    names: dict[str, None] = {}
    for value in values or ():
        for name in value.split(","):
            if name.strip():
                names[name.strip()] = None
    return tuple(names)


def kubeconfig_contexts(kubeconfig: str | None) -> tuple[tuple[str, ...], str | None]:
    """The context names of the kubeconfig (every file of KUBECONFIG, merged as the client merges them) and the
    current one."""
    _existing, _config_file, contexts, active = list_contexts(kubeconfig)
    names = tuple(str(c.get("name")) for c in contexts or [] if isinstance(c, dict) and c.get("name"))
    current = (active or {}).get("name") if isinstance(active, dict) else None
    return names, str(current) if current else None


def choose_contexts(kubeconfig: str | None, wanted: Sequence[str], every: bool) -> tuple[str, ...]:
    """The contexts to watch, in the order given (the kubeconfig's order with `every`); an unknown name is a
    ClusterConfigError naming it and listing the contexts there are."""
    names, _current = kubeconfig_contexts(kubeconfig)
    if every:
        if not names:
            raise ClusterConfigError(f"--all-contexts: {_where(kubeconfig)} has no contexts")
        return names
    unknown = [name for name in wanted if name not in names]
    if unknown:
        listed = ", ".join(names) or "none"
        which = "context" if len(unknown) == 1 else "contexts"
        missing = ", ".join(repr(name) for name in unknown)
        raise ClusterConfigError(f"{which} {missing} not in {_where(kubeconfig)} (contexts: {listed})")
    return tuple(wanted)


def _where(kubeconfig: str | None) -> str:
    if kubeconfig:
        return str(Path(kubeconfig))
    return "the kubeconfig" if os.environ.get("KUBECONFIG") else str(Path("~/.kube/config").expanduser())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "an unreadable value"
