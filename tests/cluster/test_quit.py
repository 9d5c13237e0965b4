"""Leaving the app on a cluster, by q or ctrl+c: every load generator it started stops sending."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.harness import Harness
from tests.cluster.test_actions import KEY, actions_for, seeded
from tests.load.examiner_server import ExaminerServer
from tests.standin.apiserver import ApiServer
from tui.app import CanaryscopeApp


@pytest.fixture
def examiner() -> Iterator[ExaminerServer]:
    with ExaminerServer() as server:
        yield server


@pytest.mark.parametrize("key", ["ctrl+c", "q"])
async def test_quitting_stops_every_load_generator(
    key: str, apiserver: ApiServer, kubeconfig: Path, examiner: ExaminerServer
) -> None:
    seeded(apiserver)
    h = Harness(kubeconfig)
    holder: list[CanaryscopeApp] = []
    actions = actions_for(h, target=examiner.url(), state=lambda: holder[0].state)
    app = CanaryscopeApp(h.source, actions)
    holder.append(app)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 15
            while not (KEY in app.state.canaries and h.source.served):
                assert time.monotonic() < deadline, "the canary did not arrive"
                await pilot.pause(0.05)
            await pilot.press("l", "e")
            while len(examiner.arrivals()) < 10:
                assert time.monotonic() < deadline + 15, "the load did not reach the target"
                await pilot.pause(0.05)
            await pilot.press(key)
        assert app.return_code == 0
        assert not any(g.running for g in actions.loads.generators()), "every generator stopped"
        sent = len(examiner.arrivals())
        # Requests already on the wire may still land; none after that.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if len(examiner.arrivals()) == sent:
                break
            sent = len(examiner.arrivals())
        else:
            raise AssertionError("requests kept arriving after quitting")
    finally:
        h.source.stop()
