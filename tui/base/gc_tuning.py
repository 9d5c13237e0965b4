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


def pause_for_start_up() -> None:
    """Start-up creates a few hundred thousand objects that live as long as the app (modules, classes, screens):
    the collector walked them some 150 times before the first screen, about 30 ms of CPU. It is paused until the
    app has drawn its first screen; `resume_collector` (the app, once it has collected and frozen what exists, or the
    command on its way out) turns it back on."""
    gc.disable()


def resume_collector() -> None:
    gc.enable()
