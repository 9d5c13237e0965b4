"""A canary whose target is a DaemonSet: both DaemonSets reach the deployments panel as Deployments do."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.flagger_install.shapes import daemonset
from tests.standin.apiserver import ApiServer
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import DeploymentsListed
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.daemonsets import parse_daemonset
from tui.kube.parse import parse_canary, parse_deployment
from widgets.deployments_panel import DeploymentsPanel

KEY = CanaryKey("test", "node-agent")


def daemonset_canary() -> dict:
    obj = objects.canary("node-agent", phase="Succeeded")
    obj["spec"]["targetRef"] = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "node-agent"}
    return obj


def test_daemonset_counts_are_parsed_from_its_status() -> None:
    info = parse_daemonset(daemonset("node-agent", desired=4, ready=3, updated=2, available=1))
    assert info is not None
    assert (info.kind, info.desired, info.ready, info.updated, info.available) == ("DaemonSet", 4, 3, 2, 1)
    assert info.image == "ghcr.io/example/node-agent:2.1.0"
    broken = daemonset("x")
    broken["status"] = {"desiredNumberScheduled": "lots", "numberReady": -1}
    assert parse_daemonset(broken) is not None and parse_daemonset(broken).desired == 0  # type: ignore[union-attr]


def test_a_list_of_one_kind_keeps_the_other_kind() -> None:
    deployment = parse_deployment(objects.deployment("examiner"))
    agent = parse_daemonset(daemonset("node-agent"))
    assert deployment is not None and agent is not None
    state = reduce_all(
        AppState(),
        [
            DeploymentsListed((deployment,), "test"),
            DeploymentsListed((agent,), "test", "DaemonSet"),
            DeploymentsListed((deployment,), "test"),
        ],
    )
    assert set(state.deployments) == {("test", "examiner"), ("test", "node-agent")}
    state = reduce_all(state, [DeploymentsListed((), "test", "DaemonSet")])
    assert set(state.deployments) == {("test", "examiner")}


def test_daemonset_canary_through_the_standin(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(daemonset_canary())
    apiserver.put(daemonset("node-agent", desired=0, ready=0, updated=0, available=0))  # idle: scaled to zero
    apiserver.put(daemonset("node-agent-primary"))
    apiserver.put(objects.deployment("examiner"))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.canaries and len(s.deployments) == 3, what="canary, DaemonSets, Deployment")
        primary = h.state.deployment("test", "node-agent-primary")
        assert primary is not None and (primary.kind, primary.desired, primary.ready) == ("DaemonSet", 3, 3)
        assert h.state.deployment("test", "examiner").kind == "Deployment"  # type: ignore[union-attr]
        h.wait_for(lambda s: s.health["daemonsets"].state is Health.CONNECTED, what="daemonsets connected")
        apiserver.wait_for_watches("daemonsets.apps")
        apiserver.put(daemonset("node-agent", desired=3, ready=1, updated=3, available=1))
        h.wait_for(lambda s: s.deployment("test", "node-agent").ready == 1, what="the watched change")  # type: ignore[union-attr]
        apiserver.delete("daemonsets.apps", "node-agent-primary", "test")
        h.wait_for(lambda s: s.deployment("test", "node-agent-primary") is None, what="the deletion")


class PanelApp(App[None]):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.panel_state = state

    def compose(self) -> ComposeResult:
        yield DeploymentsPanel(id="deployments")

    def on_mount(self) -> None:
        self.query_one(DeploymentsPanel).show(self.panel_state)


def daemonset_state() -> AppState:
    canary = parse_canary(daemonset_canary())
    assert canary is not None
    from tui.domain.observations import CanariesListed, ClockTick

    workloads = tuple(
        w
        for w in (
            parse_daemonset(daemonset("node-agent", desired=3, ready=2, updated=3, available=2)),
            parse_daemonset(daemonset("node-agent-primary", desired=3, ready=3, updated=3, available=3)),
        )
        if w is not None
    )
    return reduce_all(
        AppState(),
        [
            ClockTick(1_772_625_600.0),
            CanariesListed((canary,), "test", 1_772_625_600.0),
            DeploymentsListed(workloads, "test", "DaemonSet"),
        ],
    )


def test_daemonset_panel_shows_both_daemonsets(snap_compare) -> None:  # type: ignore[no-untyped-def]
    state = daemonset_state()
    assert state.selected == KEY
    assert snap_compare(PanelApp(state), terminal_size=(100, 6))
