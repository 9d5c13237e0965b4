"""SVG snapshots of webhooks and lifecycle states: a Canary's status and Flagger's events fed through the reducer
into the demo (frozen virtual clock), at 120x40 and 80x24."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from textual.pilot import Pilot

from tests.simkit import EXAMINER, sim_app
from tui.app import CanaryscopeApp
from tui.domain.flagger import messages
from tui.domain.model import FlaggerEvent, Webhook
from tui.domain.observations import CanaryDeleted, CanaryObserved, EventObserved, Observation

OBJ = "examiner.apps"
HOOKS = (
    Webhook("acceptance-test", "pre-rollout", "http://flagger-loadtester.apps/?token=s3cr3t"),
    Webhook("load-test", "rollout", "http://tester:pw@flagger-loadtester.apps:8080/run"),
    Webhook("approve", "confirm-promotion", "http://gate.apps/approve"),
    Webhook("cleanup", "post-rollout", "http://flagger-loadtester.apps/"),
    Webhook("Event Log", "event", "http://logger.monitoring"),
)
ERROR = "POST http://flagger-loadtester.apps/ giving up after 1 attempt(s)"
SIZES = [(120, 40), (80, 24)]


def _fed(
    feed: Callable[[CanaryscopeApp], list[Observation]],
) -> tuple[CanaryscopeApp, Callable[[Pilot], Awaitable[None]]]:
    app, source, sim = sim_app("demo")

    async def run_before(pilot: Pilot) -> None:
        sim.advance(70)
        source.pump()
        await pilot.pause()
        app.apply(feed(app))
        await pilot.pause()

    return app, run_before


def _event(app: CanaryscopeApp, kind: str, message: str, ago: float = 0.0) -> EventObserved:
    return EventObserved(FlaggerEvent(app.state.now - ago, "apps", "examiner", kind, message))


def _failing_pre_rollout(app: CanaryscopeApp) -> list[Observation]:
    info = app.state.canaries[EXAMINER].info
    now = app.state.now
    status = replace(
        info,
        webhooks=HOOKS,
        phase="Progressing",
        canary_weight=0,
        failed_checks=2,
        analysis=replace(info.analysis, threshold=5),
        last_transition_time=now - 2,
    )
    return [
        CanaryObserved(status, now - 2),
        _event(app, "Normal", messages.new_revision(OBJ), 62),
        _event(app, "Normal", messages.starting_analysis(OBJ), 32),
        _event(app, "Warning", f"Halt {OBJ} advancement pre-rollout check acceptance-test failed {ERROR}", 32),
        _event(app, "Normal", messages.starting_analysis(OBJ), 2),
        _event(app, "Warning", f"Halt {OBJ} advancement pre-rollout check acceptance-test failed {ERROR}", 2),
    ]


def _terminating(app: CanaryscopeApp) -> list[Observation]:
    info = app.state.canaries[EXAMINER].info
    now = app.state.now
    status = replace(
        info, phase="Terminating", revert_on_deletion=True, deleting=True, canary_weight=0, last_transition_time=now
    )
    return [CanaryObserved(status, now), _event(app, "Normal", f"Terminating canary {OBJ}")]


def _only_conditions(app: CanaryscopeApp) -> list[Observation]:
    info = app.state.canaries[EXAMINER].info
    status = replace(
        info,
        phase=None,
        canary_weight=None,
        failed_checks=None,
        iterations=None,
        condition_reason="Progressing",
        condition_message="New revision detected, progressing canary analysis.",
    )
    return [CanaryObserved(status, app.state.now)]


def _deleted(app: CanaryscopeApp) -> list[Observation]:
    return [CanaryDeleted(EXAMINER, app.state.now - 5)]


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_a_failing_pre_rollout_hook(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _fed(_failing_pre_rollout)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_hooks_listed_on_the_detail_screen(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _fed(_failing_pre_rollout)
    assert snap_compare(app, terminal_size=size, run_before=run_before, press=["d"])


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_a_terminating_canary(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _fed(_terminating)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_a_canary_with_only_conditions(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _fed(_only_conditions)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_the_followed_canary_deleted(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app, run_before = _fed(_deleted)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
