"""The cluster source forecasts each Canary status it watches (off the UI thread) into AppState.forecasts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import router_objects as ro
from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.cluster.test_actions import actions_for
from tests.standin.apiserver import ApiServer
from tests.standin.events import EventRecorder
from tests.waiting import settle
from tui.app import CanaryscopeApp
from tui.domain.model import CanaryKey
from tui.kube.parse import parse_timestamp
from tui.sim.live_forecast import LiveForecasts
from tui.watched_source import forecasting_source

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


def live(kubeconfig: Path) -> Harness:
    """A source with the forecaster as the command line wires it: Canaries, and every other observation."""
    forecasts = LiveForecasts()
    return Harness(kubeconfig, forecaster=forecasts.changed, forecast_inputs=forecasts.observed)


def split(primary: int, canary: int) -> dict[str, Any]:
    """The canary's TrafficSplit (router_objects names its backends after another apex)."""
    text = json.dumps(ro.traffic_split(primary, canary)).replace(f'"{ro.APEX}', f'"{KEY.name}')
    return json.loads(text)


def test_waiting_for_promotion_the_weights_are_the_routers(apiserver: ApiServer, kubeconfig: Path) -> None:
    # WaitingPromotion reads weight 0, while the router stays at 50/50. The gate has just opened: copying, primary
    # 67, 84, 100 % (Finalising), Succeeded: five ticks (at 12:02:30). From the status's 0 it would be ten.
    gate = {"name": "approve", "type": "confirm-promotion", "url": "http://flagger-loadtester.test/gate/check"}
    canary = objects.canary(phase="WaitingPromotion", weight=0, hooks=[gate])
    apiserver.put(canary)
    EventRecorder(apiserver).normal(canary, "Confirm-promotion check approve passed")
    with live(kubeconfig) as h:
        h.wait_for(lambda s: s.forecasts.get(KEY) is not None and s.forecasts[KEY].ticks_left == 10, what="10 ticks")
        # The router alone appears (the Canary does not change): the forecast follows it.
        apiserver.put(split(50, 50))
        h.wait_for(lambda s: s.forecasts[KEY].ticks_left == 5, what="5 ticks from 50/50")
        assert h.state.forecasts[KEY].promotion_at == parse_timestamp("2026-03-04T12:02:30Z")


def test_a_router_ahead_of_the_status_is_a_tick_under_way(apiserver: ApiServer, kubeconfig: Path) -> None:
    # Flagger writes the router, then the status: for that moment the status's weight still counts.
    apiserver.put(objects.canary(phase="Progressing", weight=20))
    apiserver.put(split(70, 30))
    with live(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.forecasts and s.routers, what="a forecast and the router")
        assert h.state.forecasts[KEY].promotion_at == parse_timestamp("2026-03-04T12:04:00Z")


def test_a_closed_traffic_increase_gate_holds_the_forecast_until_it_passes(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    gate = {"name": "more", "type": "confirm-traffic-increase", "url": "http://flagger-loadtester.test/gate/check"}
    canary = objects.canary(phase="Progressing", weight=20, hooks=[gate])
    apiserver.put(canary)
    recorder = EventRecorder(apiserver)
    recorder.warning(canary, "Halt examiner.test advancement waiting for traffic increase approval more")
    with live(kubeconfig) as h:
        h.wait_for(lambda s: s.forecasts.get(KEY) is not None and s.forecasts[KEY].waits_for == "more", what="held")
        assert h.state.forecasts[KEY].promotion_at is None
        recorder.normal(canary, "Confirm-traffic-increase check more passed")
        h.wait_for(lambda s: s.forecasts[KEY].promotion_at is not None, what="a promotion time")
        assert h.state.forecasts[KEY].waits_for is None


def test_a_confirm_promotion_gate_that_passed_is_open_though_the_phase_still_waits(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    gate = {"name": "approve", "type": "confirm-promotion", "url": "http://flagger-loadtester.test/gate/check"}
    canary = objects.canary(phase="WaitingPromotion", weight=50, hooks=[gate])
    apiserver.put(canary)
    apiserver.put(split(50, 50))
    EventRecorder(apiserver).normal(canary, "Confirm-promotion check approve passed")
    with live(kubeconfig) as h:
        h.wait_for(
            lambda s: s.forecasts.get(KEY) is not None and s.forecasts[KEY].promotion_at is not None,
            what="a promotion time",
        )


# --- forecasts for the followed canary only ---------------------------------------------------------------------

OTHER = CanaryKey("test", "other")


def following(kubeconfig: Path, followed: frozenset[CanaryKey] | None = None) -> Harness:
    """The source able to narrow its forecasts to the followed canary (the command line starts with none followed,
    until the app says which)."""
    forecasts = LiveForecasts(followed)
    return Harness(
        kubeconfig,
        forecaster=forecasts.changed,
        forecast_inputs=forecasts.observed,
        forecast_follow=forecasts.follow,
    )


def test_only_the_followed_canary_is_forecast(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary(phase="Progressing", weight=20))
    apiserver.put(objects.canary(OTHER.name, phase="Progressing", weight=20))
    with following(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.forecasts and OTHER in s.forecasts, what="both forecasts (nothing followed yet)")
        h.source.follow(None, KEY)
        # The other canary moves on: its forecast is withdrawn, not made again, and not left stale.
        apiserver.put(objects.canary(OTHER.name, phase="Progressing", weight=30))
        h.wait_for(lambda s: OTHER not in s.forecasts, what="the other canary's forecast withdrawn")
        assert h.state.canaries[OTHER].info.canary_weight == 30
        # The followed one still gets a new forecast with each change.
        apiserver.put(objects.canary(phase="Progressing", weight=30))
        h.wait_for(lambda s: KEY in s.forecasts and s.forecasts[KEY].ticks_left == 7, what="7 ticks from 30 %")
        assert OTHER not in h.state.forecasts
        # Followed in turn, the other canary's forecast is made from its latest status, without waiting for a change.
        h.source.follow(None, OTHER)
        h.wait_for(lambda s: OTHER in s.forecasts, what="the newly followed canary's forecast")
        assert h.state.forecasts[OTHER].ticks_left == 7


async def test_the_app_tells_the_source_which_canary_it_follows(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary(phase="Progressing", weight=20))
    apiserver.put(objects.canary(OTHER.name, phase="Progressing", weight=20))
    h = following(kubeconfig, frozenset())  # as the command line wires it: none until the app says which
    holder: list[CanaryscopeApp] = []
    app = CanaryscopeApp(h.source, actions_for(h, state=lambda: holder[0].state), start_with_overview=True)
    holder.append(app)
    try:
        async with app.run_test(size=(120, 40)) as pilot:

            def followed_forecast() -> bool:
                return app.state.selected is not None and app.state.selected in app.state.forecasts

            await settle(pilot, followed_forecast, "the followed canary's forecast")
            first = app.state.selected
            assert first is not None
            second = OTHER if first == KEY else KEY
            # A change to the canary not followed, then one to the followed canary on the same watch: once the second
            # is shown, the first has been handled, and left no forecast.
            apiserver.put(objects.canary(second.name, phase="Progressing", weight=30))
            apiserver.put(objects.canary(first.name, phase="Progressing", weight=30))
            await settle(
                pilot, lambda: app.state.canaries[first].info.canary_weight == 30, "the followed canary's change"
            )
            assert app.state.canaries[second].info.canary_weight == 30
            assert second not in app.state.forecasts
            await pilot.press("down" if second == OTHER else "up")
            await settle(pilot, lambda: app.state.selected == second, "the other canary followed")
            await settle(pilot, lambda: second in app.state.forecasts, "its forecast")
            assert app.state.forecasts[second].ticks_left == 7
    finally:
        h.source.stop()


@pytest.mark.parametrize("recording", [False, True])
def test_watch_forecasts_no_canary_until_the_app_follows_one_unless_recording(
    recording: bool, apiserver: ApiServer, kubeconfig: Path
) -> None:
    apiserver.put(objects.canary(phase="Progressing", weight=20))
    h = Harness(kubeconfig)
    h.source = forecasting_source(h.source.connection, h.source.target, h.source.options, recording=recording)
    with h:
        if recording:  # its replay may follow any canary: every one is forecast from the start
            h.wait_for(lambda s: KEY in s.forecasts, what="a forecast without being told")
            return
        h.wait_for(lambda s: KEY in s.canaries, what="the canary")
        apiserver.put(objects.canary(phase="Progressing", weight=30))
        h.wait_for(lambda s: s.canaries[KEY].info.canary_weight == 30, what="its change")
        assert KEY not in h.state.forecasts
        h.source.follow(None, KEY)
        h.wait_for(lambda s: KEY in s.forecasts, what="its forecast once followed")
        assert h.state.forecasts[KEY].ticks_left == 7


def test_the_forecaster_reads_each_canary_as_the_source_parsed_it(
    apiserver: ApiServer, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each Canary a watch or a list brings is parsed once, by the source's translator; the forecaster is handed
    # that parse (a thousand canaries at fifty changes a second parsed each twice was a percent of a core).
    import tui.sim.live_forecast as live_forecast

    again: list[object] = []
    monkeypatch.setattr(live_forecast, "parse_canary", lambda obj: again.append(obj))
    apiserver.put(objects.canary(phase="Progressing", weight=20))
    with live(kubeconfig) as h:
        h.wait_for(
            lambda s: KEY in s.forecasts and s.forecasts[KEY].ticks_left == 8, what="the listed canary's forecast"
        )
        apiserver.put(objects.canary(phase="Progressing", weight=30))
        h.wait_for(lambda s: KEY in s.forecasts and s.forecasts[KEY].ticks_left == 7, what="the watched change's")
    assert again == []
