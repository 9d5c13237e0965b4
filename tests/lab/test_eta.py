"""canaryscope's forecast of a real Flagger rollout: taken early, it puts the promotion within one analysis interval
of when Flagger wrote Succeeded (tests/lab/eta.py runs the release from the start of the session)."""

from __future__ import annotations

import pytest

from tests.lab.eta import PROVIDER, EtaRun, EtaRuns

pytestmark = pytest.mark.lab

WAIT_S = 900.0
LAB_INTERVAL_S = 10.0  # the lab scenario's analysis interval


def test_an_early_forecast_is_within_one_interval_of_the_real_promotion(eta_run: EtaRuns) -> None:
    run = eta_run.wait(PROVIDER, WAIT_S)
    assert isinstance(run, EtaRun)
    succeeded = run.succeeded_at
    timed = [seen for seen in run.seen if seen.forecast.promotion_at is not None]
    assert succeeded is not None and timed, run.seen
    early = timed[0]
    # Early: while the canary still took its first steps, at least three intervals before the promotion.
    assert early.phase == "Progressing" and succeeded - early.at >= 3 * LAB_INTERVAL_S, (early, succeeded)
    assert early.forecast.promotion_at is not None
    assert abs(early.forecast.promotion_at - succeeded) <= LAB_INTERVAL_S, (early, succeeded)
    for seen in timed:
        assert seen.forecast.promotion_at is not None
        assert abs(seen.forecast.promotion_at - succeeded) <= LAB_INTERVAL_S, (seen, succeeded, run.seen)
