"""A canary asked for by name that is not in its namespace: said in a sentence with the closest names there."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

from tui.domain.model import CanaryKey

CLOSEST = 3


def closest_names(name: str, names: Iterable[str]) -> list[str]:
    """Up to three names that look like `name` (a typo, a missing suffix), the closest first."""
    candidates = sorted(set(names))
    found = get_close_matches(name, candidates, n=CLOSEST, cutoff=0.5)
    # A name that contains the one asked for (`podinfo` for `podinfo-canary`) counts too.
    found += [n for n in candidates if (name in n or n in name) and n not in found]
    return found[:CLOSEST]


def not_found_text(key: CanaryKey, names: Iterable[str]) -> str:
    """`Canary podinfo not found in apps; closest: podinfo-a, podinfo2` (or what the namespace holds)."""
    present = sorted(set(names))
    head = f"Canary {key.name} not found in {key.namespace}"
    if not present:
        return f"{head}: it has no Canary (waiting for one to be created)"
    closest = closest_names(key.name, present)
    if closest:
        return f"{head}; closest: {', '.join(closest)}"
    return f"{head}; it has {len(present)} other canar{'y' if len(present) == 1 else 'ies'}"
