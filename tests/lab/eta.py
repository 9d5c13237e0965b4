"""A good release in its own namespace (lab-eta-istio) on the session's lab, watched by a cluster source wired as
the command line wires it (the forecaster sees each Canary, its router and Flagger's events): every forecast it
made, when, and at which step, beside when real Flagger wrote Succeeded.

It starts with the lab (tests/lab/conftest.py) when a collected test asks for `eta_run`, and runs beside the
other namespaces' releases (tests/lab/side_by_side.py, whose load and release steps it reuses).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster.harness import Harness
from tests.lab.side_by_side import STEP_TIMEOUT_S, ProviderRun, SideBySide
from tui.cluster.source import ClusterOptions
from tui.domain.forecast import Forecast
from tui.domain.model import CanaryKey
from tui.lab import apps
from tui.lab import lab as full_lab
from tui.lab.controlplane import LabInfo
from tui.sim.live_forecast import IN_FLIGHT, LiveForecasts

PROVIDER = "istio"


@dataclass(frozen=True)
class Seen:
    """One forecast as the source delivered it: when (wall clock), and the Canary's phase and weight then."""

    at: float
    phase: str | None
    weight: int | None
    forecast: Forecast


@dataclass
class EtaRun(ProviderRun):
    seen: list[Seen] = field(default_factory=list)
    succeeded_at: float | None = None  # the Succeeded status's lastTransitionTime

    @property
    def namespace(self) -> str:
        return f"lab-eta-{self.provider}"


class EtaRuns(SideBySide):
    def __init__(self, lab: LabInfo) -> None:
        super().__init__(lab, (PROVIDER,))
        self.runs = {PROVIDER: EtaRun(PROVIDER)}

    @staticmethod
    def _host(run: ProviderRun) -> str:
        return f"eta-{run.provider}.lab"  # beside side_by_side's `<provider>.lab`

    def _releases(self, run: ProviderRun) -> None:
        assert isinstance(run, EtaRun)
        spec = apps.lab_canary(run.namespace)
        objects = apps.app_objects(spec, self.lab.extras[full_lab.EVENT_WEBHOOK], run.provider, host=self._host(run))
        apps.apply(self.api, objects)
        self._until(run, "Initialized", lambda: apps.canary_phase(self.api, run.namespace, spec.name) == "Initialized")
        forecasts = LiveForecasts()
        options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0)
        with Harness(
            Path(self.lab.kubeconfig),
            namespace=run.namespace,
            options=options,
            forecaster=forecasts.changed,
            forecast_inputs=forecasts.observed,
        ) as watched:
            self._release(run, "good", 1)
            self._watch(run, watched, CanaryKey(run.namespace, spec.name))

    def _watch(self, run: EtaRun, watched: Harness, key: CanaryKey) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        started = False
        while not self.stop.is_set():
            watched.source.pump()
            state = watched.state
            view = state.canaries.get(key)
            forecast = state.forecasts.get(key)
            phase = view.info.phase if view is not None else None
            if forecast is not None and (not run.seen or run.seen[-1].forecast != forecast):
                weight = view.info.canary_weight if view is not None else None
                run.seen.append(Seen(time.time(), phase, weight, forecast))
            started |= phase in IN_FLIGHT
            if started and phase == "Succeeded" and view is not None:
                run.succeeded_at = view.info.last_transition_time
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"no Succeeded within {STEP_TIMEOUT_S:.0f}s; forecasts {run.seen}")
            self.stop.wait(0.1)
