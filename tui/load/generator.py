"""One load generator with hey's semantics, running on its own thread so no caller ever blocks on it.

Concurrency model: one asyncio event loop on a dedicated thread, one task per worker, one httpx.AsyncClient.
- Stop: stop() must return within a second even while slow requests are in flight. Tasks can be cancelled in
  the middle of a request; a blocking httpx.Client call on a worker thread cannot be interrupted from outside
  (closing its socket from another thread is not safe), so it would hold stop() up to the request timeout.
- CPU on two cores: the workers mostly sleep between ticks; one thread with an event loop wakes only when a
  tick or a socket is due, while N threads each with their own client would contend for the GIL and the cores
  the UI and the cluster need.
- Accuracy at low rates: asyncio timers are millisecond-exact, far below the 200 ms period of `-q 5`, and pacing
  uses absolute tick times (see Ticker), so wake-up jitter does not accumulate into rate drift.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from tui.domain.model import LoadStats
from tui.load.policy import LoadPolicy
from tui.load.spec import LoadSpec
from tui.load.stats import LoadSnapshot, StatsRecorder
from tui.load.ticker import Ticker
from tui.load.transport import error_kind

USER_AGENT = "canaryscope-load/0.1"
DRAIN_S = 1.0
"""At the end of the duration, requests in flight get this long to finish (and be counted) before being cut."""

_ids = itertools.count(1)


class _Budget:
    """The `-n` request count, shared by all workers (exactly n requests, where hey sends c * floor(n / c))."""

    def __init__(self, total: int | None) -> None:
        self._left = total

    def take(self) -> bool:
        if self._left is None:
            return True
        if self._left <= 0:
            return False
        self._left -= 1
        return True


class LoadGenerator:
    """Sends GET requests to `spec.url` with hey's `-c/-q/-z/-n` semantics until done or stopped.

    Thread-safe surface: start(), stop(), wait(), snapshot(), stats(), running. Everything else runs on the
    generator's own thread.
    """

    def __init__(
        self,
        spec: LoadSpec,
        policy: LoadPolicy | None = None,
        *,
        label: str = "",
        gen_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy if policy is not None else LoadPolicy()
        self.policy.check(spec)
        self.spec = spec
        self.id = gen_id if gen_id is not None else f"load-{next(_ids)}"
        self.label = label or self.id
        self._clock = clock
        self._started_at = clock()
        self._recorder = StatsRecorder(time.monotonic())
        self._thread = threading.Thread(target=self._thread_main, name=f"canaryscope-{self.id}", daemon=True)
        self._start_lock = threading.Lock()
        self._started = False
        self._stop_requested = threading.Event()
        self._done = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self.failure: str | None = None
        """Set if the run ended on an unexpected error rather than by finishing or being stopped."""

    # -- control (any thread) --------------------------------------------------------------------------------

    def start(self) -> LoadGenerator:
        with self._start_lock:
            if self._started:
                raise RuntimeError(f"load generator {self.id} was already started")
            self._started = True
            self._started_at = self._clock()
            self._recorder = StatsRecorder(time.monotonic())
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 1.0) -> bool:
        """Stop sending and cut requests in flight; wait up to `timeout` s (0: do not wait). True once stopped."""
        self._stop_requested.set()
        loop, event = self._loop, self._stop_event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed: the run is over
                loop.call_soon_threadsafe(event.set)
        if not self._started:
            return True
        if timeout is None or timeout > 0:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run is over (never call this on a UI thread without a small timeout)."""
        if not self._started:
            return True
        return self._done.wait(timeout)

    @property
    def running(self) -> bool:
        return self._started and not self._done.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    # -- statistics (any thread) -----------------------------------------------------------------------------

    def snapshot(self, spread: bool = True) -> LoadSnapshot:
        return self._recorder.snapshot(time.monotonic(), spread)

    def stats(self) -> LoadStats:
        """The Load panel's view. While running, rps and percentiles cover the last few seconds (what the target
        does now); once over, the whole run (what hey's summary would say). `requests` counts transport errors."""
        snap = self.snapshot(spread=False)
        running = self.running
        if running:
            rps, p50, p95, p99 = snap.rps_recent, snap.recent_p50_s, snap.recent_p95_s, snap.recent_p99_s
        else:
            rps, p50, p95, p99 = snap.rps_overall, snap.percentile_s(50), snap.percentile_s(95), snap.percentile_s(99)
        return LoadStats(
            id=self.id,
            label=self.label,
            url=self.spec.url,
            concurrency=self.spec.concurrency,
            rate_per_worker=self.spec.rate_per_worker,
            duration_s=self.spec.duration_s,
            started_at=self._started_at,
            running=running,
            requests=snap.requests,
            status_counts=snap.status_counts,
            transport_errors=snap.transport_errors,
            rps=rps,
            p50_ms=_ms(p50),
            p95_ms=_ms(p95),
            p99_ms=_ms(p99),
        )

    # -- the run (generator thread) --------------------------------------------------------------------------

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception as err:  # a bug or an environment failure; keep it visible instead of killing the app
            self.failure = str(err).strip().splitlines()[0] if str(err).strip() else "the load stopped unexpectedly"
        finally:
            self._recorder.end(time.monotonic())
            self._done.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._loop = loop
        if self._stop_requested.is_set():  # stop() came before the loop existed
            return
        spec = self.spec
        limits = httpx.Limits(max_connections=spec.concurrency, max_keepalive_connections=spec.concurrency)
        async with httpx.AsyncClient(
            timeout=spec.timeout_s,
            limits=limits,
            follow_redirects=False,  # a redirect could lead off the allowed host
            trust_env=False,  # no proxy from the environment between us and the target
            headers={"User-Agent": USER_AGENT},
            # Plain http never uses TLS (and redirects are not followed), so skip loading the CA bundle: that
            # costs 50-300 ms of CPU per start on a busy laptop. https targets are verified as usual.
            verify=urlsplit(spec.url).scheme.lower() == "https",
        ) as client:
            start = loop.time()
            self._recorder.begin(time.monotonic())
            deadline = start + self.policy.run_limit_s(spec)
            budget = _Budget(spec.requests)
            workers = [loop.create_task(self._worker(client, start, deadline, budget)) for _ in range(spec.concurrency)]
            finished = asyncio.gather(*workers, return_exceptions=True)
            stopped = loop.create_task(self._stop_event.wait())
            cutoff = deadline + min(DRAIN_S, spec.timeout_s) - loop.time()
            await asyncio.wait({finished, stopped}, timeout=max(cutoff, 0.0), return_when=asyncio.FIRST_COMPLETED)
            for worker in workers:
                worker.cancel()
            stopped.cancel()
            results = await finished
            self._recorder.end(time.monotonic())
        for result in results:
            if isinstance(result, Exception):
                raise result

    async def _worker(self, client: httpx.AsyncClient, start: float, deadline: float, budget: _Budget) -> None:
        loop = asyncio.get_running_loop()
        ticker = Ticker(self.spec.rate_per_worker, start)
        while True:
            due, now = ticker.due(), loop.time()
            # Send on the tick (or at once with a kept tick) only while that is not after the deadline; a tick
            # exactly on the deadline still counts, however late the timer wakes us for it.
            if max(due, now) > deadline + 1e-6:
                return
            if due > now:
                await asyncio.sleep(due - now)
            if not budget.take():
                return
            ticker.take(max(loop.time(), due))
            await self._request(client)

    async def _request(self, client: httpx.AsyncClient) -> None:
        began = time.perf_counter()
        size = 0
        try:
            # Streamed so an unexpectedly large body is counted, never held in memory.
            async with client.stream("GET", self.spec.url) as response:
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                status = response.status_code
        except asyncio.CancelledError:
            self._recorder.record_cancelled()
            raise
        except Exception as err:
            self._recorder.record_error(time.monotonic(), error_kind(err))
            return
        self._recorder.record_response(time.monotonic(), time.perf_counter() - began, status, size)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0
