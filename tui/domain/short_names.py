"""Names cut to a column's width so that they still tell each other apart: `eu-we…`, `us-ea…`, `ap-so…` rather than
three cuts that keep letters every name shares (`ap-…th`), and never two names cut alike."""

from __future__ import annotations

from collections.abc import Sequence

from tui.domain.wording import ELLIPSIS


def _cuts(room: int) -> list[tuple[int, int]]:
    """(head, tail) lengths around the `…`: the start first (it reads best), then the end, then both."""
    return [(room, 0), (0, room), *((head, room - head) for head in range(room - 1, 0, -1))]


def _cut(name: str, head: int, tail: int) -> str:
    return name[:head] + ELLIPSIS + (name[-tail:] if tail else "")


def distinct_short(names: Sequence[str], width: int) -> dict[str, str] | None:
    """Each name in at most `width` characters, those too long cut the same way (same head and tail lengths) so
    that no two read alike and no cut one could be read as another name; None when no such cut exists."""
    unique = list(dict.fromkeys(names))
    if all(len(name) <= width for name in unique):
        return {name: name for name in unique}
    if width < 2:
        return None
    for head, tail in _cuts(width - 1):
        shorts = {name: name if len(name) <= width else _cut(name, head, tail) for name in unique}
        if len(set(shorts.values())) < len(unique):
            continue
        long = [name for name in unique if len(name) > width]
        if all(
            not (other.startswith(name[:head]) and other.endswith(name[-tail:] if tail else ""))
            for name in long
            for other in long
            if other != name
        ):
            return shorts
    return None
