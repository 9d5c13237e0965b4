"""Several kubeconfig contexts as one source: one ClusterSource per context, each with its own connections, watches,
Prometheus and health, and every observation it makes handed on wrapped in `InContext`.

A context that cannot even be loaded (a kubeconfig entry that names a missing file, a broken exec plugin) is named
on its own health line and tried again with backoff; a context in trouble never holds the others back, since each
context writes through its own mailbox into the owner's.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from tui.cluster.backoff import FAST_CAP_S, Backoff
from tui.cluster.kubeconfig import ClusterConfigError, Connection
from tui.cluster.source import KUBERNETES, ClusterSource
from tui.domain.fleet import InContext
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import Observation
from tui.sources.mailbox import Consumer, Mailbox, mailbox_for


class ContextMailbox(Mailbox):
    """What one context's source writes into: each burst goes on to the owner as one `InContext`. Health is kept
    (and repeated reports dropped) per context, since every context has sources of the same names."""

    def __init__(self, context: str, owner: Mailbox) -> None:
        super().__init__()
        self.context = context
        self._owner = owner

    def put(self, observations: Iterable[Observation]) -> None:
        batch = tuple(observations)
        if batch:
            self._owner.put([InContext(self.context, batch)])  # type: ignore[list-item]

    def flush(self) -> None:
        self._owner.flush()


class Member(Protocol):
    """One context's part of the fleet (a ClusterSource, or a context still being loaded)."""

    def begin(self) -> None: ...

    def start(self, sink: Mailbox | Consumer) -> None: ...

    def first_list_shown(self) -> None: ...

    def follow(self, context: str | None, key: CanaryKey | None) -> None: ...

    def in_view(self, keys: frozenset[CanaryKey] | None) -> None: ...

    def stop(self) -> None: ...

    def join(self, timeout: float = 5.0) -> None: ...


# How long start-up waits for the contexts to connect (each on its own thread) before the screen is built: enough
# for a kubeconfig entry and a cached token; a credential plugin that takes longer finishes behind the first screen.
CONNECT_GRACE_S = 1.0
# What a context still connecting after that says on its health line.
STILL_CONNECTING = "still connecting: waiting for its credentials (an exec credential plugin may be slow)"


class Attempt:
    """One context's first connection, on its own thread: a credential plugin that hangs holds up only this one."""

    def __init__(self, context: str, connect: Callable[[str], Connection]) -> None:
        self.context = context
        self.done = threading.Event()
        self.connection: Connection | None = None
        self.error: str | None = None
        self._connect = connect
        threading.Thread(target=self._run, name=f"connect-{context}", daemon=True).start()

    def _run(self) -> None:
        try:
            self.connection = self._connect(self.context)
        except ClusterConfigError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug in one context's loading is said on its line, not lost in a thread
            self.error = f"context {self.context} cannot be used ({type(exc).__name__})"
        finally:
            self.done.set()


def connect_all(
    contexts: Iterable[str],
    connect: Callable[[str], Connection],
    build: Callable[[Connection], ClusterSource],
    *,
    grace_s: float = CONNECT_GRACE_S,
) -> dict[str, ClusterSource | LoadingContext]:
    """Every context connecting at once; those that have not connected within `grace_s` go on behind the screen."""
    attempts = {context: Attempt(context, connect) for context in contexts}
    deadline = time.monotonic() + grace_s
    for attempt in attempts.values():
        attempt.done.wait(max(0.0, deadline - time.monotonic()))
    members: dict[str, ClusterSource | LoadingContext] = {}
    for context, attempt in attempts.items():
        if not attempt.done.is_set():
            members[context] = LoadingContext(context, None, connect, build, attempt=attempt)
        elif attempt.connection is None:
            # Named on its own health line and loaded again with backoff; the others start now.
            members[context] = LoadingContext(context, attempt.error or "cannot connect", connect, build)
        else:
            members[context] = build(attempt.connection)
    return members


class LoadingContext:
    """A context whose kubeconfig entry failed to load, or is still loading (`attempt`): loaded (again) with
    backoff, and watched once it loads."""

    def __init__(
        self,
        context: str,
        error: str | None,
        connect: Callable[[str], Connection],
        build: Callable[[Connection], ClusterSource],
        *,
        rand: Callable[[], float] = random.random,
        attempt: Attempt | None = None,
    ) -> None:
        self.context = context
        self.error = error
        self._attempt = attempt
        self._connect = connect
        self._build = build
        self._rand = rand
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._box: Mailbox | None = None
        self.source: ClusterSource | None = None
        self._followed: tuple[str | None, CanaryKey | None] | None = None  # told before the source was there
        self._in_view: frozenset[CanaryKey] | None = None

    def begin(self) -> None:
        return None  # nothing to list before the owner is there

    def start(self, sink: Mailbox | Consumer) -> None:
        self._box = mailbox_for(sink)
        self._thread = threading.Thread(target=self._run, name=f"context-{self.context}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self._box is not None
        backoff = Backoff(fast_cap=FAST_CAP_S)
        error = self.error
        attempt = self._attempt
        if attempt is not None:
            self._box.health(KUBERNETES, Health.CONNECTING, STILL_CONNECTING)
            while not attempt.done.wait(0.25):
                if self._stop.is_set():
                    return
            if attempt.connection is not None:
                self._adopt(attempt.connection)
                return
            error = attempt.error or "cannot connect"
        while not self._stop.is_set() and error is not None:
            self._box.health(KUBERNETES, Health.UNREACHABLE, error, backoff.attempt + 1)
            if self._stop.wait(backoff.next_delay(self._rand)):
                return
            try:
                connection = self._connect(self.context)
            except ClusterConfigError as exc:
                error = str(exc)
                continue
            self._adopt(connection)
            return

    def _adopt(self, connection: Connection) -> None:
        """Watch the context now that it has loaded."""
        assert self._box is not None
        try:
            source = self._build(connection)
        except Exception as exc:  # an option this context cannot take: said on its line, not lost in a thread
            self._box.health(KUBERNETES, Health.UNREACHABLE, f"context {self.context}: {exc}")
            return
        self.source = source
        if self._stop.is_set():
            return
        source.start(self._box)
        if self._followed is not None:
            source.follow(*self._followed)
        source.in_view(self._in_view)

    def follow(self, context: str | None, key: CanaryKey | None) -> None:
        self._followed = (context, key)
        if self.source is not None:
            self.source.follow(context, key)

    def in_view(self, keys: frozenset[CanaryKey] | None) -> None:
        self._in_view = keys
        if self.source is not None:
            self.source.in_view(keys)

    def first_list_shown(self) -> None:
        if self.source is not None:
            self.source.first_list_shown()

    def stop(self) -> None:
        self._stop.set()
        if self.source is not None:
            self.source.stop()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
        if self.source is not None:
            self.source.join(timeout)


class FleetSource:
    """Every context's source, started together and writing into the owner's mailbox through their own."""

    pacing = None  # each cluster keeps its own time

    def __init__(self, members: Mapping[str, ClusterSource | LoadingContext], scope: str) -> None:
        self.members = dict(members)
        self.contexts = tuple(self.members)
        self.label = f"{len(self.contexts)} contexts" + (f" · {scope}" if scope else "")
        self._owner: Mailbox | None = None

    def begin(self) -> None:
        """Every context connects and lists at once, before the screen is built."""
        for member in self.members.values():
            member.begin()

    def start(self, sink: Mailbox | Consumer) -> None:
        self._owner = mailbox_for(sink)
        for context, member in self.members.items():
            member.start(ContextMailbox(context, self._owner))

    def first_list_shown(self) -> None:
        for member in self.members.values():
            member.first_list_shown()

    def pump(self) -> None:
        if self._owner is not None:
            self._owner.flush()

    def follow(self, context: str | None, key: CanaryKey | None) -> None:
        """Forecasts only for `key` in `context`: the other contexts make none."""
        for name, member in self.members.items():
            member.follow(name, key if name == context else None)

    def in_view_by_context(self, shown: Mapping[str, frozenset[CanaryKey]] | None) -> None:
        """Each context's canaries on screen (a context not named shows none; None: every canary counts)."""
        for name, member in self.members.items():
            member.in_view(None if shown is None else shown.get(name, frozenset()))

    def stop(self) -> None:
        for member in self.members.values():
            member.stop()

    def join(self, timeout: float = 5.0) -> None:
        for member in self.members.values():
            member.join(timeout)

    def source_of(self, context: str) -> ClusterSource | None:
        """The context's ClusterSource, once it has one (a context still loading has none)."""
        member = self.members.get(context)
        if isinstance(member, LoadingContext):
            return member.source
        return member
