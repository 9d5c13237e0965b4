"""Calls the frame pipeline makes many times a second, scheduled without Textual's per-call costs.

Textual's `call_later` wraps its callback in a new `functools.partial` and counts that partial's parameters with
`inspect.signature` on every call (the count is cached only on plain functions), and `set_timer` adds a second
partial and starts an asyncio task waiting on an Event. At fifty changes a second the overview scheduled about sixty
of these a second, a few percent of a core. Posting the callback itself (its count is cached on the method after the
first call) and waking on an asyncio timer handle costs a message: the same queue Textual's own callbacks go
through, so the call still runs between the pump's other messages, never inside one of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import events
from textual.message_pump import MessagePump


def post_call(pump: MessagePump, callback: Callable[[], object]) -> bool:
    """`pump.call_later(callback)` for a callback taking nothing: run once the messages queued now are handled.
    False when the pump no longer takes messages."""
    return pump.post_message(events.Callback(callback=callback))


class Alarm:
    """At most one pending call of `callback` on `pump`, due after a delay; it is pending until the call runs."""

    def __init__(self, pump: MessagePump, callback: Callable[[], object]) -> None:
        self._pump = pump
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None
        self._posted = False

    @property
    def pending(self) -> bool:
        return self._handle is not None or self._posted

    def arm(self, delay: float) -> None:
        """Calls back after `delay` seconds, unless a call is already pending (which then comes first)."""
        if self.pending:
            return
        self._handle = asyncio.get_running_loop().call_later(max(0.0, delay), self._due)

    def soon(self) -> None:
        """Calls back once the messages queued now are handled, unless a call is already pending."""
        if not self.pending:
            self._posted = post_call(self._pump, self._run)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        self._posted = False

    def _due(self) -> None:
        self._handle = None
        self._posted = post_call(self._pump, self._run)

    def _run(self) -> None:
        if not self._posted:
            return  # cancelled after it was posted
        self._posted = False
        self._callback()
