"""Leaving the app on a cluster, by q or ctrl+c: every load generator it started stops sending."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cluster.harness import Harness
from tests.cluster.test_actions import KEY, actions_for, seeded
from tests.load.examiner_server import ExaminerServer
from tests.standin.apiserver import ApiServer
from tests.waiting import settle, wait_until
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
            await settle(pilot, lambda: KEY in app.state.canaries and h.source.served, "the canary's arrival", 15)
            await pilot.press("l", "e")
            await settle(pilot, lambda: len(examiner.arrivals()) >= 10, "the load reaching the target", 30)
            await pilot.press(key)
        assert app.return_code == 0
        assert not any(g.running for g in actions.loads.generators()), "every generator stopped"
        # Requests already on the wire may still land: once the target has answered them, nothing more comes.
        wait_until(lambda: examiner.in_flight == 0, "the target answering the requests on the wire")
        sent = len(examiner.arrivals())
        marker = httpx.get(examiner.url("/examine?marker=1"), timeout=10)
        assert marker.status_code == 200
        assert len(examiner.arrivals()) == sent + 1, "only the test's own request came after quitting"
    finally:
        h.source.stop()
