"""The cluster source's forecasts: which canaries are in flight, what each one's forecast reads (its router, its
webhooks' last results), and when to run the simulation forward again (tui/sim/forecast.py). Kept apart from the
simulation so that watching a cluster imports the scheduler only once a canary is in flight, not before the first
screen."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from tui.domain.flagger.messages import classify
from tui.domain.flagger.providers import effective_provider, router_family
from tui.domain.flagger.router_kinds import ROUTER_KINDS, kinds_of_family
from tui.domain.forecast import Forecast
from tui.domain.hook_results import hook_results, read_hook_event
from tui.domain.model import CanaryInfo, CanaryKey, FlaggerEvent, RouterInfo
from tui.domain.observations import (
    EventObserved,
    ForecastObserved,
    Observation,
    RouterDeleted,
    RouterObserved,
    RoutersListed,
)
from tui.kube.parse import parse_canary
from tui.sim.forecast_gates import IN_FLIGHT, result_gates, status_weights

# A cluster source's memory: router objects seen (any canary's), and per canary in flight its latest hook events.
MAX_ROUTERS = 5000
EVENTS_KEPT = 64
MAX_CANARIES = 2000

RouterId = tuple[str, str, str]  # namespace, name, kind


class LiveForecasts:
    """A cluster source's forecasts, for canaries in flight only: one whenever something the run forward starts
    from changes: the Canary (spec and status), its router's weights where the status does not tell them (see
    _weights) and its webhooks' last results in Flagger's events (the confirm gates). `changed` takes each Canary
    the source watches, `observed` whatever else it reports; both run on the source's threads.

    `follow` narrows the forecasts to the canaries a screen shows: a run forward costs milliseconds, and at a
    thousand canaries in flight it was most of the canaries watch's time, for forecasts only one canary's screen
    reads. A canary that is not followed keeps no forecast (a stale one is withdrawn); following it again makes
    its forecast from the latest of everything it reads."""

    def __init__(self, followed: frozenset[CanaryKey] | None = None) -> None:
        """`followed`: the canaries forecast until `follow` says otherwise (None: every one; an app that will say
        which it follows starts with none, so that a first list of a thousand canaries in flight runs none forward
        before the screen has chosen one)."""
        self._lock = threading.Lock()
        self._canaries: dict[CanaryKey, dict[str, Any]] = {}
        self._infos: dict[CanaryKey, CanaryInfo] = {}
        self._routers: dict[RouterId, RouterInfo] = {}
        self._events: dict[CanaryKey, deque[FlaggerEvent]] = {}
        self._sent: dict[CanaryKey, Forecast | None] = {}
        self._router_readers: set[CanaryKey] = set()  # the canaries in flight whose forecast reads their router
        self._mesh_provider: str | None = None
        self._followed = followed  # None: every canary's forecast is made
        self._stale: set[CanaryKey] = set()  # in flight, not followed, changed since their forecast was made

    def follow(self, keys: frozenset[CanaryKey] | None) -> list[ForecastObserved]:
        """From now on only these canaries' forecasts are made (None: every one's); returns the forecasts of those
        newly followed whose inputs changed while they were not."""
        with self._lock:
            self._followed = keys
            due = sorted(self._stale if keys is None else self._stale & keys, key=str)
            self._stale.difference_update(due)
            made = [(key, self._forecast(key)) for key in due]
            return [ForecastObserved(key, found) for key, found in made if self._send(key, found)]

    def _follows(self, key: CanaryKey) -> bool:
        return self._followed is None or key in self._followed

    def _send(self, key: CanaryKey, found: Forecast | None) -> bool:
        """Records `found` as the canary's forecast; False when that is what was sent last."""
        if key in self._sent and self._sent[key] == found:
            return False
        self._sent[key] = found
        return True

    def changed(
        self, change: str, obj: dict[str, Any], mesh_provider: str | None, info: CanaryInfo | None = None
    ) -> list[ForecastObserved]:
        """`obj` is kept as it is (the source's decoded answer, which nothing changes; a run forward copies it);
        `info`, when given, is `obj` as parse_canary reads it."""
        meta = obj.get("metadata") or {}
        key = CanaryKey(str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        with self._lock:
            self._mesh_provider = mesh_provider or self._mesh_provider
            old = self._canaries.get(key)
            if change == "DELETED":
                self._forget(key)
                self._events.pop(key, None)
                self._sent.pop(key, None)
                return []
            if old is not None and old.get("status") == obj.get("status") and old.get("spec") == obj.get("spec"):
                return []
            if info is None:
                info = parse_canary(obj)
            if info is None or (obj.get("status") or {}).get("phase") not in IN_FLIGHT:
                self._forget(key)
                if key in self._sent and self._sent[key] is None:
                    return []
                self._sent[key] = None
                return [ForecastObserved(key, None)]
            self._canaries[key] = obj
            self._infos[key] = info
            if self._reads_router(key):
                self._router_readers.add(key)
            else:
                self._router_readers.discard(key)
            if not self._follows(key):
                return self._set_aside(key)
            found = self._forecast(key)
            self._sent[key] = found
            return [ForecastObserved(key, found)]

    def _set_aside(self, key: CanaryKey) -> list[ForecastObserved]:
        """A canary not followed changed: its forecast is made when it is followed; the one sent is withdrawn."""
        self._stale.add(key)
        if self._sent.get(key) is None:
            return []
        self._sent[key] = None
        return [ForecastObserved(key, None)]

    def observed(self, observations: Sequence[Observation], mesh_provider: str | None) -> list[ForecastObserved]:
        """Forecasts again the canaries in flight whose router or webhook results these observations change."""
        touched: set[CanaryKey] = set()
        with self._lock:
            self._mesh_provider = mesh_provider or self._mesh_provider
            for observation in observations:
                touched |= self._take(observation)
            out: list[ForecastObserved] = []
            for key in sorted(touched, key=str):
                if not self._follows(key):
                    out.extend(self._set_aside(key))
                    continue
                found = self._forecast(key)
                if self._sent.get(key) != found:
                    self._sent[key] = found
                    out.append(ForecastObserved(key, found))
            return out

    def _take(self, observation: Observation) -> set[CanaryKey]:
        match observation:
            case RouterObserved(info=router):
                if len(self._routers) >= MAX_ROUTERS:
                    self._routers.pop(next(iter(self._routers)))
                self._routers[(router.namespace, router.name, router.kind)] = router
                return self._routed_by({(router.namespace, router.name, router.kind)})
            case RouterDeleted(namespace=namespace, name=name, kind=kind):
                gone = {rid for rid in self._routers if rid[:2] == (namespace, name) and kind in (None, rid[2])}
                for rid in gone:
                    del self._routers[rid]
                return self._routed_by(gone)
            case RoutersListed(items=items, namespace=namespace, kind=kind):
                for rid in [r for r in self._routers if namespace in (None, r[0]) and kind in (None, r[2])]:
                    del self._routers[rid]
                for router in items[:MAX_ROUTERS]:
                    self._routers[(router.namespace, router.name, router.kind)] = router
                return set(self._router_readers)
            case EventObserved(event=event):
                # Kept for any canary, in flight or not yet: a gate's one "waiting" event may come first.
                if read_hook_event(event.message) is None and not _releases(event):
                    return set()
                key = CanaryKey(event.namespace, event.name)
                if key not in self._events and len(self._events) >= MAX_CANARIES:
                    self._events.pop(next(iter(self._events)))
                self._events.setdefault(key, deque(maxlen=EVENTS_KEPT)).append(event)
                return {key} if key in self._canaries else set()
        return set()

    def _forget(self, key: CanaryKey) -> None:
        self._stale.discard(key)
        self._canaries.pop(key, None)
        self._infos.pop(key, None)
        self._router_readers.discard(key)

    def _router_ids(self, key: CanaryKey) -> list[RouterId]:
        info = self._infos[key]
        provider = effective_provider(info.provider, self._mesh_provider)
        family = router_family(provider).family if provider is not None else None
        kinds = kinds_of_family(family) if family is not None else ROUTER_KINDS
        return [(rk.namespace_for(info), name, rk.kind) for rk in kinds if (name := rk.name_for(info)) is not None]

    def _routed_by(self, routers: set[RouterId]) -> set[CanaryKey]:
        """The canaries whose forecast reads one of these routers (see _weights): few, so a router's change on
        every tick costs nothing for the others."""
        return {key for key in self._router_readers if routers.intersection(self._router_ids(key))}

    def _reads_router(self, key: CanaryKey) -> bool:
        canary = self._canaries[key]
        analysis = (canary.get("spec") or {}).get("analysis") or {}
        return (canary.get("status") or {}).get("phase") == "WaitingPromotion" and not analysis.get("iterations")

    def _weights(self, key: CanaryKey) -> tuple[int, int, bool]:
        """The status's weights, or the router's where the status does not tell them: WaitingPromotion reads 0
        while the traffic stays where the last step put it. (In the other phases a router that differs from the
        status is a tick under way: Flagger writes the router first and the status a moment later. An A/B or
        blue/green route's weights are its rules', not a share: those move by iterations.)"""
        canary = self._canaries[key]
        if self._reads_router(key):
            for rid in self._router_ids(key):
                router = self._routers.get(rid)
                if router is not None and router.primary_weight is not None and router.canary_weight is not None:
                    return router.primary_weight, router.canary_weight, False
        return status_weights(canary)

    def _forecast(self, key: CanaryKey) -> Forecast | None:
        canary = self._canaries.get(key)
        if canary is None:
            return None
        from tui.sim.flagger import PROVIDER  # the scheduler, imported on the first canary in flight
        from tui.sim.forecast import forecast

        results = hook_results(self._infos[key].webhooks, self._events.get(key, ()))
        try:
            return forecast(
                canary,
                None,
                self._weights(key),
                None,
                self._mesh_provider or PROVIDER,
                result_gates(canary, results),
            )
        except (KeyError, TypeError, ValueError, AttributeError):  # a Canary too malformed to run forward
            return None


def _releases(event: FlaggerEvent) -> bool:
    return classify(event.message).kind in ("new-revision", "restart")
