"""The iteration strategies of Flagger's scheduler (v1.44 scheduler.go runAB, runBlueGreen), for the simulated Flagger.

Both count `status.iterations` up by one per analysis tick and never write `status.canaryWeight`: the traffic lives
in the router only. A/B testing routes the requests that carry `analysis.match` to the canary on every iteration;
blue/green keeps all traffic on the primary (mirroring it to the canary with `mirror: true`), then routes everything to
the canary for one more tick (iterations N+1) before it promotes. Both ask confirm-promotion before the last step.
"""

from __future__ import annotations

from typing import Any, Protocol

from tui.domain.flagger import messages as msg

KUBERNETES = "kubernetes"


class _Run(Protocol):
    """What a tick holds (tui.sim.flagger's run): the Canary as read, its analysis as this tick sees it."""

    canary: dict[str, Any]
    obj: str
    analysis: dict[str, Any]
    provider: str
    status: dict[str, Any]
    mirrored: bool

    @property
    def iterations(self) -> int: ...


class IterationStrategies:
    """runAB and runBlueGreen as methods of the simulated Flagger, which provides `_route` (SetRoutes), `_write_status`,
    `_event`, `_confirm_promotion` and `_start_promotion`; no stubs here, so another base class may provide them."""

    def _run_ab(self, run: _Run) -> None:
        """runAB: matched requests to the canary on every iteration; after the last one, confirm-promotion, promote."""
        canary, iterations = run.canary, run.iterations
        done = int(run.status.get("iterations") or 0)
        if iterations > done:
            if not self._route(canary, 0, 100):
                return
            self._write_status(canary, iterations=done + 1)
            self._event(canary, msg.NORMAL, msg.advance_iteration(run.obj, done + 1, iterations))
            return
        if not self._confirm_promotion(run):
            return
        if iterations == done:
            self._start_promotion(run)

    def _run_blue_green(self, run: _Run) -> None:
        """runBlueGreen: one iteration per tick (mirrored with `mirror`), then all traffic to the canary (not for
        kubernetes), then promotion."""
        canary, iterations = run.canary, run.iterations
        done = int(run.status.get("iterations") or 0)
        mirror = bool(run.analysis.get("mirror"))
        if iterations > done:
            if run.provider != KUBERNETES and mirror and not run.mirrored:
                # Flagger logs "Start traffic mirroring" here, without an event; a router error is only logged.
                self._route(canary, 100, 0, mirrored=True)
            self._write_status(canary, iterations=done + 1)
            self._event(canary, msg.NORMAL, msg.advance_iteration(run.obj, done + 1, iterations))
            return
        if not self._confirm_promotion(run):
            return
        if iterations == done:
            if run.provider != KUBERNETES:
                routing = msg.stop_mirroring_route_to_canary() if mirror else msg.routing_all_to_canary()
                self._event(canary, msg.NORMAL, routing)
                if not self._route(canary, 0, 100):
                    return
            self._write_status(canary, iterations=done + 1)
            return
        self._start_promotion(run)
