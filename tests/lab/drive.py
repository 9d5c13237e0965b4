"""canaryscope, headless, against the lab: the real ClusterSource and ClusterActions, keys pressed through Pilot.

While a run waits it samples what the app shows (phases, router and status weights, failed checks) and taps
every observation the source delivers, so tests can tell which events came from the logger stream and which
from the Events API (the reducer keeps only the first copy of each).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.pilot import Pilot

from tui.app import CanaryscopeApp
from tui.cluster.actions import ClusterActions
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.release import ReleaseConfig
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.domain.forecast import Forecast
from tui.domain.model import CanaryKey, FlaggerEvent, MetricSample
from tui.domain.observations import EventObserved, ForecastObserved, MetricsObserved, Observation
from tui.domain.state import AppState
from tui.lab import apps
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo
from tui.load.policy import LoadPolicy
from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION
from tui.load.registry import LoadRegistry
from tui.screens.confirm import ConfirmScreen
from tui.sim.live_forecast import LiveForecasts

KEY = CanaryKey(apps.APPS, "examiner")
SIZE = (120, 40)


@dataclass
class Shown:
    """What canaryscope showed during a run (consecutive repeats collapsed)."""

    phases: list[str] = field(default_factory=list)
    router_weights: list[int] = field(default_factory=list)
    status_weights: list[int] = field(default_factory=list)
    failed_lines: list[str] = field(default_factory=list)
    received: list[FlaggerEvent] = field(default_factory=list)
    samples: list[MetricSample] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    panels: dict[str, str] = field(default_factory=dict)
    health: dict[str, str] = field(default_factory=dict)
    forecasts: list[Forecast] = field(default_factory=list)  # the lab canary's, as the cluster source made them
    succeeded_at: float | None = None  # status.lastTransitionTime when first seen Succeeded after Progressing

    def messages(self, source: str, since: float = 0.0) -> list[str]:
        """Messages about the lab's canary from one source (`logger` or `events`) from time ``since`` on."""
        return [e.message for e in self.received if e.source == source and e.key == KEY and e.t >= since]


def _add(values: list[Any], value: Any) -> None:
    if value is not None and (not values or values[-1] != value):
        values.append(value)


class Driver:
    def __init__(self, lab: LabInfo, key: CanaryKey = KEY, loadtester: str | None = None) -> None:
        self.lab = lab
        self.key = key
        self.ingress = lab.extras[full_lab.INGRESS]
        connection = connect(str(lab.kubeconfig), None)
        target = ClusterTarget(str(lab.kubeconfig), connection.context, key.namespace, key.name)
        options = ClusterOptions(
            prometheus=lab.prometheus_url,
            logger=(apps.MONITORING, apps.LOGGER_SELECTOR),
            read_timeout_s=30.0,
            refresh_s=2.0,
        )
        forecasts = LiveForecasts()
        self.source = ClusterSource(
            connection, target, options, forecaster=forecasts.changed, forecast_inputs=forecasts.observed
        )
        holder: list[CanaryscopeApp] = []
        self.actions = ClusterActions(
            connection,
            lambda: holder[0].state,
            served=lambda: self.source.served,
            release=ReleaseConfig(),  # detected: `deployment`, the lab's examiner has no HelmRelease
            target_url=self.ingress,
            loads=LoadRegistry(LoadPolicy.for_target(self.ingress)),
            background=BACKGROUND_LOAD,
            errors=ERROR_INJECTION,
            loadtester_url=loadtester,
            confirm=True,
        )
        self.app = CanaryscopeApp(self.source, self.actions)
        holder.append(self.app)
        self.shown = Shown()
        self._tap()

    def _tap(self) -> None:
        apply, notify = self.app.apply, self.app.notify

        def tapped_apply(observations: list[Observation]) -> None:
            for obs in observations:
                if isinstance(obs, EventObserved):
                    self.shown.received.append(obs.event)
                elif isinstance(obs, MetricsObserved):
                    self.shown.samples.extend(obs.samples)
                elif isinstance(obs, ForecastObserved) and obs.key == KEY and obs.forecast is not None:
                    self.shown.forecasts.append(obs.forecast)
            apply(observations)

        def tapped_notify(message: str, **kwargs: Any) -> None:
            self.shown.notes.append(message)
            notify(message, **kwargs)

        self.app.apply = tapped_apply  # type: ignore[method-assign]
        self.app.notify = tapped_notify  # type: ignore[method-assign]

    def close(self) -> None:
        self.source.stop()
        self.actions.stop()

    # --- sampling the screen ---------------------------------------------------------------------------------

    def panel(self, selector: str) -> str:
        return str(self.app.rollout_screen.query_one(selector).render())

    def sample(self) -> None:
        state = self.app.state
        view = state.canaries.get(self.key)
        router = state.routers.get((self.key.namespace, self.key.name))
        if view is not None:
            _add(self.shown.phases, view.info.phase)
            _add(self.shown.status_weights, view.info.canary_weight)
            released = "Progressing" in self.shown.phases
            if view.info.phase == "Succeeded" and released and self.shown.succeeded_at is None:
                self.shown.succeeded_at = view.info.last_transition_time
        if router is not None:
            _add(self.shown.router_weights, router.canary_weight)
        if self.app.screen is self.app.rollout_screen:
            status = self.panel("#status")
            _add(self.shown.failed_lines, next((line for line in status.splitlines() if "failed" in line), None))
        self.shown.health = {name: h.state.value for name, h in state.health.items()}

    def snapshot_panels(self) -> None:
        self.shown.panels = {name: self.panel(f"#{name}") for name in ("status", "traffic", "load")}
        self.shown.panels["events"] = self.app.rollout_screen.query_one("#events").visible_text()  # type: ignore[attr-defined]

    async def wait(self, pilot: Pilot, predicate: Callable[[AppState], bool], what: str, timeout: float) -> float:
        started = time.monotonic()
        while True:
            self.sample()
            if predicate(self.app.state):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(
                    f"canaryscope did not show {what} within {timeout:.0f}s; phases {self.shown.phases}, "
                    f"router weights {self.shown.router_weights}, notes {self.shown.notes[-3:]}"
                )
            await pilot.pause(0.1)

    async def press(self, pilot: Pilot, key: str) -> None:
        """Press an action key and answer the confirmation with `y`, as a user would."""
        await pilot.press(key)
        await self.wait(pilot, lambda _s: isinstance(self.app.screen, ConfirmScreen), f"the question for {key!r}", 5)
        await pilot.press("y")
        await pilot.pause(0.2)


def phase(state: AppState) -> str | None:
    view = state.canaries.get(KEY)
    return view.info.phase if view is not None else None


def connected(state: AppState, *sources: str) -> bool:
    return all(s in state.health and state.health[s].state.value == "connected" for s in sources)
