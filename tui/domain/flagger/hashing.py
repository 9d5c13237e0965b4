"""Short opaque hashes in the style Kubernetes and Flagger print (e.g. `85d557f47b`)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

# The alphabet Kubernetes uses for generated names: no vowels, no look-alike characters.
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def fnv1a_32(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    return "".join(_SAFE_ALPHABET[ord(ch) % len(_SAFE_ALPHABET)] for ch in text)


def object_hash(obj: Any) -> str:
    """A stable short hash of any JSON-able value (a pod template, tracked configs)."""
    return _text_hash(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


# The byte loop is pure Python (a 4 KB pod template costs about a millisecond), and a template rarely changes while
# its Deployment's status does: a change or a relist of a thousand Deployments hashes each template once.
@lru_cache(maxsize=4096)
def _text_hash(canonical: str) -> str:
    return safe_encode(str(fnv1a_32(canonical.encode())))
