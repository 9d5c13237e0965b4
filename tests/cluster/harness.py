"""Run a ClusterSource against the stand-in without Textual, folding what it reports into state."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource, Forecaster, ForecastFollow, ForecastInputs
from tui.domain.observations import Observation
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState


class StateSink:
    def __init__(self) -> None:
        self.state = AppState()
        self.observations: list[Observation] = []

    def apply(self, observations: list[Observation]) -> None:
        self.observations.extend(observations)
        self.state = reduce_all(self.state, observations)

    def set_interval(self, interval: float, callback: Any) -> Any:
        raise NotImplementedError


class Harness:
    def __init__(
        self,
        kubeconfig: Path,
        *,
        namespace: str | None = "test",
        canary: str | None = None,
        options: ClusterOptions | None = None,
        forecaster: Forecaster | None = None,
        forecast_inputs: ForecastInputs | None = None,
        forecast_follow: ForecastFollow | None = None,
    ) -> None:
        connection = connect(str(kubeconfig), None)
        target = ClusterTarget(str(kubeconfig), connection.context, namespace, canary)
        self.source = ClusterSource(
            connection,
            target,
            options or ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0),
            forecaster=forecaster,
            forecast_inputs=forecast_inputs,
            forecast_follow=forecast_follow,
        )
        self.sink = StateSink()

    def __enter__(self) -> Harness:
        self.source.start(self.sink)
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.stop()
        self.source.join(5.0)

    @property
    def state(self) -> AppState:
        return self.sink.state

    def wait_for(self, predicate: Callable[[AppState], bool], timeout: float = 10.0, what: str = "") -> float:
        started = time.monotonic()
        while True:
            self.source.pump()
            if predicate(self.sink.state):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                health = {k: (v.state.value, v.detail) for k, v in self.sink.state.health.items()}
                raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}; health: {health}")
            time.sleep(0.02)
