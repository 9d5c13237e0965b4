"""Garbage collector settings for the interactive commands (not for tests or library use).

The state is rebuilt from immutable objects on every change, so at 1,000 canaries the collector ran a full
(generation 2) collection a dozen times a minute, each a 150-200 ms pause of the UI thread: every key press
that met one waited for it. Fewer young collections (a larger generation 0 threshold) make the older ones
rarer, and freezing what exists once the app has started (modules, Textual, the first state) keeps it out of
every later full collection.
"""

from __future__ import annotations

import gc
import threading

GEN0_THRESHOLD = 10_000
FREEZE_AFTER_S = 3.0


def tune_for_interactive() -> None:
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    # Objects alive a few seconds in are the app itself; freezing is a one-off and never frees anything.
    timer = threading.Timer(FREEZE_AFTER_S, gc.freeze)
    timer.daemon = True
    timer.start()
