"""What changed between two states, found by identity: the reducer keeps every object that did not change (and
a dict's order when it replaces a value), so a view that refreshes often finds what is new without rebuilding
or hashing a thousand entries."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import compress
from operator import is_, is_not
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

_MISSING = object()


def changed_keys(old: Mapping[K, V], new: Mapping[K, V]) -> list[K]:
    """The keys of `new` whose value is not the very object `old` holds (in `new`'s order), then the keys gone
    from `new`."""
    if len(old) == len(new) and all(map(is_, old, new)):
        # The same keys in the same order: compared value by value in C, no key hashed.
        return list(compress(new, map(is_not, old.values(), new.values())))
    changed = [key for key, value in new.items() if old.get(key, _MISSING) is not value]  # type: ignore[arg-type]
    changed.extend(key for key in old if key not in new)
    return changed


def same_keys(old: Mapping[K, object], new: Mapping[K, object]) -> bool:
    """`old` and `new` hold the same keys (cheap when `new` only replaced values of `old`)."""
    if old is new:
        return True
    if len(old) != len(new):
        return False
    return all(map(is_, old, new)) or old.keys() == new.keys()
