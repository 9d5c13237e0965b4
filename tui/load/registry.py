"""All load generators of one app: start, list, stop one, stop all on quit. Thread-safe, bounded."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from tui.domain.model import LoadStats
from tui.load.errors import LoadError
from tui.load.generator import LoadGenerator
from tui.load.policy import LoadPolicy
from tui.load.spec import LoadSpec

MAX_RUNNING = 4
"""Each generator is capped by the policy; this caps how many of them add up on the same target."""
KEEP_FINISHED = 8
"""Finished generators stay listed (with their final statistics) until this many pile up."""


class LoadRegistry:
    def __init__(
        self,
        policy: LoadPolicy | None = None,
        *,
        clock: Callable[[], float] = time.time,
        max_running: int = MAX_RUNNING,
        keep_finished: int = KEEP_FINISHED,
    ) -> None:
        self.policy = policy if policy is not None else LoadPolicy()
        self._clock = clock
        self._max_running = max_running
        self._keep_finished = keep_finished
        self._lock = threading.Lock()
        self._generators: dict[str, LoadGenerator] = {}
        self._ids = itertools.count(1)
        self._closed = False

    def start(self, spec: LoadSpec, label: str = "") -> LoadGenerator:
        """Check `spec` against the policy and start it; LoadError when refused. Never blocks on the network."""
        with self._lock:
            if self._closed:
                raise LoadError("load generators are shut down")
            running = sum(1 for gen in self._generators.values() if gen.running)
            if running >= self._max_running:
                raise LoadError(f"{running} load generators are already running (limit {self._max_running})")
            gen = LoadGenerator(spec, self.policy, label=label, gen_id=f"load-{next(self._ids)}", clock=self._clock)
            self._forget_old_finished()
            self._generators[gen.id] = gen.start()
            return gen

    def toggle(self, spec: LoadSpec, label: str) -> LoadGenerator | None:
        """Stop the running generator labelled `label` (returns None), or start `spec` under that label."""
        current = self.running_with_label(label)
        if current is not None:
            current.stop(timeout=0)
            return None
        return self.start(spec, label)

    def running_with_label(self, label: str) -> LoadGenerator | None:
        with self._lock:
            return next(
                (g for g in self._generators.values() if g.label == label and g.running and not g.stop_requested),
                None,
            )

    def get(self, gen_id: str) -> LoadGenerator | None:
        with self._lock:
            return self._generators.get(gen_id)

    def generators(self) -> tuple[LoadGenerator, ...]:
        with self._lock:
            return tuple(self._generators.values())

    def stats(self) -> tuple[LoadStats, ...]:
        return tuple(gen.stats() for gen in self.generators())

    def stop(self, gen_id: str, timeout: float | None = 0) -> bool:
        """Stop one generator; by default without waiting (safe on a UI thread)."""
        gen = self.get(gen_id)
        return True if gen is None else gen.stop(timeout)

    def remove(self, gen_id: str) -> None:
        """Forget a generator (stopping it first if needed)."""
        with self._lock:
            gen = self._generators.pop(gen_id, None)
        if gen is not None:
            gen.stop(timeout=0)

    def stop_all(self, timeout: float = 1.0, close: bool = False) -> bool:
        """Stop every generator within `timeout` s in total; True when all have ended. `close` refuses new ones
        (for app quit)."""
        with self._lock:
            self._closed = self._closed or close
            gens = list(self._generators.values())
        for gen in gens:
            gen.stop(timeout=0)  # signal all first so they wind down in parallel
        end = time.monotonic() + timeout
        for gen in gens:
            gen.stop(timeout=max(end - time.monotonic(), 0.001))
        return not any(gen.running for gen in gens)

    def _forget_old_finished(self) -> None:
        finished = [gen_id for gen_id, gen in self._generators.items() if not gen.running]
        for gen_id in finished[: max(len(finished) - self._keep_finished, 0)]:
            del self._generators[gen_id]
