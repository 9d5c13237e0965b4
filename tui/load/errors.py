"""The one error type of the load package: a refused setting, worded for a single line of output."""

from __future__ import annotations


class LoadError(ValueError):
    """A load setting that is not allowed; str() is one line naming the problem and the value.

    `limit` names the LoadPolicy field that refused it (e.g. "max_concurrency"), so a caller can say which knob
    raises it; None for problems no limit can lift (bad scheme, malformed URL).
    """

    def __init__(self, message: str, limit: str | None = None) -> None:
        # Values come from users (URLs, flags); keep whatever they contain on one line.
        super().__init__(" ".join(message.split()))
        self.limit = limit
