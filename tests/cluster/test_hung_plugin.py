"""Contexts connect in parallel: one whose exec credential plugin hangs is named as connecting while the others are
watched, fills in when the plugin answers, and says why in one line when the plugin times out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.cluster.test_fleet_source import FleetSink, build, seed, weight
from tests.creds.plugin import Plugin, write_plugin
from tests.standin.apiserver import ApiServer
from tests.standin.kubeconfig import write_kubeconfig
from tests.standin.resources import DEMO_CRDS
from tests.standin.tokens import TokenBook
from tests.waiting import wait_until
from tui.cluster.fleet_source import STILL_CONNECTING, FleetSource, LoadingContext, connect_all
from tui.cluster.kubeconfig import Connection, connect
from tui.cluster.source import KUBERNETES, ClusterSource
from tui.domain.fleet import Fleet
from tui.domain.model import Health


@pytest.fixture
def east_west() -> Iterator[tuple[ApiServer, ApiServer]]:
    east, west = (ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5).start() for _ in range(2))
    seed(east, 10)
    seed(west, 30)
    try:
        yield east, west
    finally:
        east.stop()
        west.stop()
    assert not east.internal_errors and not west.internal_errors


def kubeconfig_with_plugin(path: Path, east: ApiServer, west: ApiServer, plugin: Plugin) -> str:
    """east with a static token, west through the exec plugin."""
    write_kubeconfig(path, east.url, namespace="test", context="east", extra_contexts={"west": west.url})
    doc = yaml.safe_load(path.read_text())
    doc["users"].append({"name": "plugin-user", "user": plugin.user()})
    for entry in doc["contexts"]:
        if entry["name"] == "west":
            entry["context"]["user"] = "plugin-user"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def wait_for(what: str, condition: Callable[[], object], timeout: float = 15.0) -> None:
    wait_until(condition, what, timeout)


class Run:
    def __init__(self, members: dict[str, ClusterSource | LoadingContext]) -> None:
        self.source = FleetSource(members, "test")
        self.sink = FleetSink(tuple(members))

    def __enter__(self) -> Run:
        self.source.start(self.sink)
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.stop()
        self.source.join(5.0)

    def fleet(self) -> Fleet:
        self.source.pump()
        return self.sink.fleet


def kubernetes_health(fleet: Fleet, context: str) -> tuple[Health, str] | None:
    item = fleet.state_of(context).health.get(KUBERNETES)
    return (item.state, item.detail) if item else None


def test_a_hung_plugin_holds_up_only_its_own_context(east_west: tuple[ApiServer, ApiServer], tmp_path: Path) -> None:
    east, west = east_west
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=600.0, mode="wait")
    west.require_tokens(TokenBook(plugin.secret))
    kubeconfig = kubeconfig_with_plugin(tmp_path / "kubeconfig", east, west, plugin)

    def connect_context(context: str) -> Connection:
        return connect(kubeconfig, context)

    started = time.monotonic()
    members = connect_all(("east", "west"), connect_context, lambda c: build(kubeconfig, c), grace_s=0.5)
    assert time.monotonic() - started < 5.0, "start-up did not wait for the plugin"
    wait_for("the plugin to start", lambda: plugin.runs() == 1)
    assert isinstance(members["west"], LoadingContext), "west goes on behind the first screen"
    with Run(members) as run:
        wait_for("east's canary", lambda: weight(run.fleet(), "east") == 10)
        wait_for("west named as connecting", lambda: kubernetes_health(run.fleet(), "west") is not None)
        assert kubernetes_health(run.fleet(), "west") == (Health.CONNECTING, STILL_CONNECTING)
        assert weight(run.fleet(), "west") is None
        assert not (plugin.directory / "release").exists(), "all of this while the plugin is still blocked"
        plugin.release()
        wait_for("west's canary once the plugin answers", lambda: weight(run.fleet(), "west") == 30)
        east.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 20})
        wait_for("east still updating", lambda: weight(run.fleet(), "east") == 20)
    assert plugin.runs() == 1, "the first token was used, not a second run"


def test_a_plugin_that_times_out_is_named_in_one_line(east_west: tuple[ApiServer, ApiServer], tmp_path: Path) -> None:
    east, west = east_west
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=600.0, mode="wait")
    west.require_tokens(TokenBook(plugin.secret))
    kubeconfig = kubeconfig_with_plugin(tmp_path / "kubeconfig", east, west, plugin)

    def connect_context(context: str) -> Connection:
        return connect(kubeconfig, context, plugin_timeout_s=1.0)

    members = connect_all(("east", "west"), connect_context, lambda c: build(kubeconfig, c), grace_s=0.2)
    with Run(members) as run:
        wait_for("east's canary", lambda: weight(run.fleet(), "east") == 10)

        def named() -> bool:
            details = [h.detail for h in run.fleet().state_of("west").health.values()]
            return any("gave no credentials within 1 s" in d for d in details)

        wait_for("the plugin's timeout on west's health", named)
        details = [h.detail for h in run.fleet().state_of("west").health.values() if "gave no" in h.detail]
        assert details and all("\n" not in d and "`get-token --cluster standin`" in d for d in details), details
        assert weight(run.fleet(), "east") == 10
        runs = plugin.runs()
        plugin.release()
        wait_for("west's canary once the plugin works again", lambda: weight(run.fleet(), "west") == 30, timeout=30)
        assert plugin.runs() > runs, "retried"
