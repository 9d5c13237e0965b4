"""A cluster's source as `watch` runs it (one context or several): with the simulation's forecaster, which the
source itself does not import."""

from __future__ import annotations

from tui.cluster.kubeconfig import ClusterTarget, Connection
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.sim.live_forecast import LiveForecasts


def forecasting_source(
    connection: Connection, target: ClusterTarget, options: ClusterOptions, *, recording: bool
) -> ClusterSource:
    # The app says which canary to forecast, and until it does none is run forward; a recording forecasts every
    # canary, since its replay may follow any of them.
    forecasts = LiveForecasts(None if recording else frozenset())
    return ClusterSource(
        connection,
        target,
        options,
        forecaster=forecasts.changed,
        forecast_inputs=forecasts.observed,
        forecast_follow=forecasts.follow,
    )
