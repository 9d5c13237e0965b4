"""The cluster source forecasts each Canary status it watches (off the UI thread) into AppState.forecasts."""

from __future__ import annotations

from pathlib import Path

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.standin.apiserver import ApiServer
from tui.domain.model import CanaryKey
from tui.kube.parse import parse_timestamp
from tui.sim.forecast import LiveForecasts

KEY = CanaryKey("test", "examiner")


def test_a_progressing_canary_is_forecast_from_its_status(apiserver: ApiServer, kubeconfig: Path) -> None:
    # At 20 % of 50 by 10 every 30s since 12:00:00: 30, 40, 50 %, copying, primary 67 and 84 % (stepWeightPromotion
    # 17), 100 % (Finalising), Succeeded: eight ticks, at 12:04:00.
    apiserver.put(objects.canary(phase="Progressing", weight=20))
    with Harness(kubeconfig, forecaster=LiveForecasts().changed) as h:
        h.wait_for(lambda s: KEY in s.forecasts, what="a forecast")
        forecast = h.state.forecasts[KEY]
        assert forecast.ticks_left == 8
        assert forecast.promotion_at == parse_timestamp("2026-03-04T12:04:00Z")
        assert forecast.rollback_at is None


def test_a_canary_waiting_for_promotion_has_no_eta(apiserver: ApiServer, kubeconfig: Path) -> None:
    gate = {"name": "approve", "type": "confirm-promotion", "url": "http://flagger-loadtester.test/gate/check"}
    apiserver.put(objects.canary(phase="WaitingPromotion", weight=50, hooks=[gate]))
    with Harness(kubeconfig, forecaster=LiveForecasts().changed) as h:
        h.wait_for(lambda s: KEY in s.forecasts, what="a forecast")
        forecast = h.state.forecasts[KEY]
        assert (forecast.waits_for, forecast.promotion_at) == ("approve", None)


def test_a_failed_check_forecasts_the_rollback(apiserver: ApiServer, kubeconfig: Path) -> None:
    # threshold 2, one failed: the next failing tick (12:00:30) makes it 2, the one after (12:01:00) rolls back.
    apiserver.put(objects.canary(phase="Progressing", weight=20, failed=1))
    with Harness(kubeconfig, forecaster=LiveForecasts().changed) as h:
        h.wait_for(lambda s: KEY in s.forecasts, what="a forecast")
        assert h.state.forecasts[KEY].rollback_at == parse_timestamp("2026-03-04T12:01:00Z")


def test_a_canary_at_rest_has_none(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary(phase="Progressing", weight=20))
    with Harness(kubeconfig, forecaster=LiveForecasts().changed) as h:
        h.wait_for(lambda s: KEY in s.forecasts, what="a forecast")
        apiserver.put(objects.canary(phase="Succeeded", weight=0))
        h.wait_for(lambda s: KEY not in s.forecasts, what="the forecast gone")
