"""The Textual messages that carry observations to the app from other threads; post_message is thread-safe."""

from __future__ import annotations

from textual.message import Message

from tui.domain.observations import Observation


class ObservationBatch(Message):
    """Observations from a worker thread (an action's outcome)."""

    def __init__(self, observations: list[Observation]) -> None:
        super().__init__()
        self.observations = observations


class ObservationsPending(Message):
    """Posted (thread-safely) when a burst of observations is waiting in the app's mailbox; the app drains it."""
