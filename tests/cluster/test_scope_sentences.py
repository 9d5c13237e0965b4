"""What the first screen says through the stand-in when there is nothing to show: a named canary that is not there
(with the closest names), and a list of every namespace that is refused (with the `-n` hint)."""

from __future__ import annotations

from pathlib import Path

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.standin.apiserver import ApiServer
from tests.ui.overview_fleets import OverviewApp
from tests.waiting import settle
from tui.domain.fleet import Fleet
from tui.domain.model import CanaryKey, Health
from tui.domain.not_found import closest_names


def notice(harness: Harness) -> str:
    found = harness.state.notice
    return found[0] if found is not None and harness.state.now < found[2] else ""


def test_a_named_canary_that_is_not_there_is_said_with_the_closest_names(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    for name in ("podinfo-canary", "podinfo2", "examiner"):
        apiserver.put(objects.canary(name, "test"))
    with Harness(kubeconfig, namespace="test", canary="podinfo") as harness:
        harness.wait_for(lambda s: "not found" in notice(harness), what="the not-found notice")
        assert notice(harness) == "Canary podinfo not found in test; closest: podinfo2, podinfo-canary"
        apiserver.put(objects.canary("podinfo", "test"))
        harness.wait_for(lambda s: s.selected == CanaryKey("test", "podinfo"), what="podinfo, once created")
        assert notice(harness) == "", "the notice ends when the canary is there"


def test_a_named_canary_in_an_empty_namespace_is_not_waited_for_in_silence(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    with Harness(kubeconfig, namespace="test", canary="podinfo") as harness:
        harness.wait_for(lambda s: "not found" in notice(harness), what="the not-found notice")
        assert notice(harness) == "Canary podinfo not found in test: it has no Canary (waiting for one to be created)"


def test_closest_names_ignore_what_does_not_look_alike() -> None:
    assert closest_names("podinfo", ["examiner", "frontend"]) == []
    assert closest_names("examiner", ["examinr", "examiner-2", "podinfo"]) == ["examinr", "examiner-2"]


async def test_every_namespace_refused_is_a_sentence_with_the_hint(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.forbid("canaries.flagger.app")
    with Harness(kubeconfig, namespace=None) as harness:
        harness.wait_for(
            lambda s: (h := s.health.get("canaries")) is not None and h.state == Health.FORBIDDEN,
            what="the refused list",
        )
        state = harness.state
    app = OverviewApp(Fleet.single(state))
    async with app.run_test(size=(120, 40)) as pilot:
        note = app.screen.query_one("#overview-note")
        await settle(pilot, lambda: "-n NAMESPACE" in str(note.render()), "the -n hint")
        text = str(note.render())
        assert text.startswith("You may not list Canaries in every namespace"), text
        assert "⊘" not in text
