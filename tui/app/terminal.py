"""What the app does about the terminal and the process under it: only the cells that changed since the last
update are written, and what lives as long as the app is kept out of the garbage collector's way."""

from __future__ import annotations

import gc
import os
from typing import Any

from textual.app import App

from tui.app.screen_diff import ScreenDiff
from tui.base import gc_tuning

# Time for the writer thread to send a frame before the heap is collected.
WRITE_GRACE_S = 0.2


class Terminal:
    def __init__(self, app: App[Any]) -> None:
        self._app = app
        # CANARYSCOPE_REPAINT=full turns the diff off (Textual's own output: every dirty region in full).
        self.screen_diff = None if os.environ.get("CANARYSCOPE_REPAINT") == "full" else ScreenDiff()
        self._freeze_pending = False
        self._freeze_on_output = False

    # --- changed cells ----------------------------------------------------------------------------------

    def output(self, renderable: Any) -> Any:
        """What of a compositor update goes out: only the changed cells, when it reaches a terminal at all."""
        if self._freeze_on_output:
            self._freeze_on_output = False
            # Textual's writer thread sends this frame, the first with the first list, once it holds the interpreter
            # lock, which a collection keeps to the end: the collection waits for the frame to be written.
            self._app.set_timer(WRITE_GRACE_S, freeze_heap)
        if self.screen_diff is not None and renderable is not None and self.writes_to_terminal():
            return self.screen_diff.reduce(renderable, self._app.size.width)
        return renderable

    def writes_to_terminal(self) -> bool:
        # The conditions under which Textual's _display writes; otherwise the update never reaches the terminal
        # and must not reach the model of it either.
        app = self._app
        return (
            getattr(app, "_running", False)
            and not getattr(app, "_closed", True)
            and not app.is_headless
            and getattr(app, "_driver", None) is not None
            and not getattr(app, "_batch_count", 1)
        )

    def gone(self) -> bool:
        """The terminal went away without a hang-up signal: Textual's writer thread died on a write to it. (A pty
        closed under a process that never made it its controlling terminal sends no SIGHUP; the app would then block
        on the writer's full queue while the input thread spins on end-of-file.)"""
        writer = getattr(getattr(self._app, "_driver", None), "_writer_thread", None)
        return writer is not None and not writer.is_alive() and self.writes_to_terminal()

    def forget(self) -> None:
        """The terminal no longer shows what was written (a resize reflowed it): the next update goes out whole."""
        if self.screen_diff is not None:
            self.screen_diff.forget()

    # --- lifecycle --------------------------------------------------------------------------------------

    def mounted(self) -> None:
        if self.screen_diff is not None:
            # After a suspension (Ctrl+Z, an editor) the terminal holds someone else's output.
            self._app.app_suspend_signal.subscribe(self._app, lambda _app: self.forget())
            self._app.app_resume_signal.subscribe(self._app, lambda _app: self.forget())

    def started(self, *, first_list_pending: bool = False) -> None:
        """The first screen is up. What exists now (libraries, screens) lives as long as the app. Moved out of the
        collector's sight, a full collection only walks what came later: otherwise it walks a few hundred thousand
        objects and stalls whatever key press it happens to interrupt by ~100 ms. A source whose first list is still
        on its way would see it drawn after that collection (50 to 200 ms at a thousand canaries): then the collection
        waits for the list to be drawn."""
        if first_list_pending:
            self._freeze_pending = True
        else:
            self._app.call_after_refresh(freeze_heap)
        # Again once a cluster's first lists are in (a thousand canaries arrive a second or two later); the collector,
        # paused for the start (tui/base/gc_tuning.py), runs again by then whatever the first list does.
        self._app.set_timer(3.0, freeze_and_resume)

    def first_list_shown(self) -> None:
        """The first list is in the state: collect once the next frame, which draws it, has gone out (a thousand rows
        take a few turns of the message queue to reach the compositor; the next refresh can come before them)."""
        if self._freeze_pending:
            self._freeze_pending = False
            self._freeze_on_output = True

    def unmounted(self) -> None:
        gc.unfreeze()


def freeze_heap() -> None:
    gc.collect()
    freeze_and_resume()


def freeze_and_resume() -> None:
    gc.freeze()
    gc_tuning.resume_collector()
