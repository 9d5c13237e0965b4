"""Garbage collector settings for the interactive commands (not for tests or library use).

The state is rebuilt from immutable objects on every change, so at 1,000 canaries the collector ran a full
(generation 2) collection a dozen times a minute, each a 150-200 ms pause of the UI thread: every key press
that met one waited for it. Fewer young collections (a larger generation 0 threshold) make the older ones
rarer. (What exists once the app has started is frozen out of later full collections by the app itself.)
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000


def tune_for_interactive() -> None:
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
