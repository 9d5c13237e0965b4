"""Reading a user's file with a size limit: a wrong path (/dev/zero, a disk image, a log) is refused in one line
instead of being read into memory."""

from __future__ import annotations

from pathlib import Path

KIB = 1024
MIB = 1024 * KIB
# Generous for what each file holds; the largest real ones are a few kilobytes (kubeconfigs with embedded
# certificates for many clusters reach some hundreds).
SCENARIO_LIMIT = 1 * MIB
SCRIPT_LIMIT = 1 * MIB
KUBECONFIG_LIMIT = 4 * MIB
MANIFEST_LIMIT = 4 * MIB


class FileTooLarge(OSError):
    """The file holds more than its limit; `str()` is the one line to show."""


def size_words(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit // KIB} KiB"


def read_bytes_limited(path: str | Path, limit: int) -> bytes:
    """The file's bytes; FileTooLarge past `limit` (never reads more than limit + 1 bytes, so a device such as
    /dev/zero or a growing file is refused too). Other OSErrors pass through unchanged."""
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"{path}: larger than {size_words(limit)}, too large to be this file")
    return data
