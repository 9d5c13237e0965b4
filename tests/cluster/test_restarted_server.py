"""An API server that comes back on the same address with another store (restored, rebuilt: its resourceVersions
lower than the ones watched) is listed anew, so what is shown converges on what it holds; and the stand-in answers a
read from a resourceVersion it has not reached the way kube-apiserver does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from kubernetes import client

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.cluster.test_fleet_source import Watching, one_kubeconfig, seed
from tests.standin.apiserver import ApiServer
from tests.standin.kubeconfig import FAKE_TOKEN
from tests.standin.resources import DEMO_CRDS
from tests.waiting import wait_until
from tui.cluster.api_paths import PathCall, collection_path
from tui.cluster.kubeconfig import connect
from tui.cluster.watch_loop import WatchLoop, WatchSpec, too_large
from tui.domain.fleet import Fleet
from tui.domain.model import CanaryKey, Health
from tui.domain.state import AppState
from tui.sources.mailbox import Mailbox

OLD = CanaryKey("test", "examiner")
NEW = CanaryKey("test", "newcomer")


class Restartable:
    """A stand-in that can be killed and started again on the same port with a new, empty store."""

    def __init__(self) -> None:
        self.api = ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5).start()
        self.port = self.api.port

    def kill(self) -> None:
        self.api.stop()

    def restart(self) -> ApiServer:
        self.api = ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5, port=self.port).start()
        return self.api

    def stop(self) -> None:
        self.api.stop()
        assert not self.api.internal_errors


@pytest.fixture
def restartable() -> Iterator[Restartable]:
    server = Restartable()
    try:
        yield server
    finally:
        server.stop()


def refused(state: AppState) -> bool:
    item = state.health.get("canaries")
    return item is not None and item.state is Health.RECONNECTING and "refused" in item.detail


def refill(api: ApiServer) -> None:
    """The new store: the old canary is not there, another one is."""
    api.put(objects.canary("newcomer", phase="Progressing", weight=5))


def test_one_context_resyncs_after_a_restart_with_an_empty_store(restartable: Restartable, tmp_path: Path) -> None:
    old = restartable.api
    for n in range(30):  # the old store is well ahead of the new one
        old.put(objects.deployment(f"filler-{n}", echo="x"))
    seed(old, 10)
    kubeconfig = old.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: OLD in s.canaries, what="the first list")
        old.wait_for_watches("canaries.flagger.app")
        watched = int(h.source.loops["canaries"].resource_version or 0)
        restartable.kill()
        h.wait_for(refused, what="the watch to find the server down")
        new = restartable.restart()
        assert new.resource_version < watched, "the new store is behind the version the watch had"
        refill(new)
        h.wait_for(lambda s: NEW in s.canaries and OLD not in s.canaries, timeout=20, what="the new store's canaries")
        new.wait_for_watches("canaries.flagger.app")
        new.patch_status("canaries.flagger.app", "newcomer", "test", {"canaryWeight": 15})
        h.wait_for(lambda s: s.canaries[NEW].info.canary_weight == 15, what="a change in the new store")


def test_a_restarted_context_resyncs_while_the_other_keeps_updating(restartable: Restartable, tmp_path: Path) -> None:
    east = restartable.api
    seed(east, 10)
    with ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5) as west:
        seed(west, 30)
        kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": east.url, "west": west.url}))

        def canaries(fleet: Fleet, context: str) -> set[str]:
            return {key.name for key in fleet.state_of(context).canaries}

        def weight(fleet: Fleet, context: str, key: CanaryKey) -> int | None:
            view = fleet.state_of(context).canaries.get(key)
            return view.info.canary_weight if view else None

        with Watching(kubeconfig, ("east", "west")) as w:
            w.wait_for(lambda f: canaries(f, "east") == {"examiner"} == canaries(f, "west"), "both first lists")
            east.wait_for_watches("canaries.flagger.app")
            west.wait_for_watches("canaries.flagger.app")
            restartable.kill()
            w.wait_for(lambda f: refused(f.state_of("east")), "east found down")
            west.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
            w.wait_for(lambda f: weight(f, "west", OLD) == 40, "west updating while east is down")
            new = restartable.restart()
            refill(new)
            w.wait_for(lambda f: canaries(f, "east") == {"newcomer"}, "east resynced to its new store", timeout=20)
            west.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 50})
            new.wait_for_watches("canaries.flagger.app")
            new.patch_status("canaries.flagger.app", "newcomer", "test", {"canaryWeight": 25})
            w.wait_for(lambda f: weight(f, "west", OLD) == 50 and weight(f, "east", NEW) == 25, "both updating again")
            assert canaries(w.sink.fleet, "west") == {"examiner"}, "the restart stays in its own context"
        assert not west.internal_errors


def test_a_list_from_a_version_the_store_has_not_reached_is_answered_too_large(tmp_path: Path) -> None:
    with ApiServer(crds=DEMO_CRDS) as api:
        api.too_large_wait_s = 0.2
        api.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
        api_client = client.ApiClient(api.client_configuration())
        ahead = str(api.resource_version + 1000)
        with pytest.raises(client.ApiException) as raised:
            client.CoreV1Api(api_client).list_namespaced_config_map("test", resource_version=ahead)
        assert raised.value.status == 504
        assert raised.value.headers.get("Retry-After") == "1"
        assert too_large(raised.value.body)
        assert f"Too large resource version: {ahead}, current: {api.resource_version}" in raised.value.body
        # Reached in time: answered as usual.
        listed = client.CoreV1Api(api_client).list_namespaced_config_map(
            "test", resource_version=str(api.resource_version)
        )
        assert listed.items == []


def test_a_watch_list_from_a_version_not_reached_ends_with_too_large_and_a_plain_watch_waits(tmp_path: Path) -> None:
    with ApiServer(crds=DEMO_CRDS) as api:
        api.too_large_wait_s = 0.2
        api_client = client.ApiClient(api.client_configuration())
        ahead = str(api.resource_version + 5)
        path = "/api/v1/namespaces/test/configmaps"
        base = {"watch": "true", "resourceVersion": ahead, "timeoutSeconds": "1", "allowWatchBookmarks": "true"}

        def watch(**extra: str) -> list[dict]:
            url = api.url + path + "?" + urlencode({**base, **extra})
            response = api_client.call_api("GET", url, header_params={"Authorization": f"Bearer {FAKE_TOKEN}"})
            response.read()
            assert response.status == 200
            return [json.loads(line) for line in response.data.decode().splitlines() if line.strip()]

        events = watch(sendInitialEvents="true", resourceVersionMatch="NotOlderThan")
        assert [e["type"] for e in events] == ["ERROR"]
        status = events[0]["object"]
        assert (status["code"], status["reason"]) == (504, "Timeout") and too_large(status)
        # A plain watch from there is accepted and hears only what comes after it (here: nothing but bookmarks).
        assert all(e["type"] == "BOOKMARK" for e in watch())


class WatchListCall(PathCall):
    """Watches asked as watch-lists (sendInitialEvents), as client-go's WatchListClient does."""

    def query(self, kwargs: dict[str, Any]) -> list[tuple[str, str]]:
        extra = [("sendInitialEvents", "true"), ("resourceVersionMatch", "NotOlderThan")] if kwargs.get("watch") else []
        return super().query(kwargs) + extra


def test_a_watch_answered_too_large_lists_the_new_store(tmp_path: Path) -> None:
    """The address answers from another store with no outage seen (a fail-over, a restart faster than the
    reconnection): its 504 "Too large resource version" makes the watch list that store anew instead of asking again
    from the same resourceVersion."""
    other = ApiServer(crds=DEMO_CRDS)  # never started: only its store is used
    refill(other)
    with ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5) as api:
        api.too_large_wait_s = 0.2
        for n in range(30):
            api.put(objects.deployment(f"filler-{n}", echo="x"))
        api.put(objects.canary())
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
        connection = connect(str(kubeconfig), None)
        path = collection_path("flagger.app", "v1beta1", "canaries", "test")
        call = WatchListCall(connection.api_client, path)
        spec = WatchSpec("canaries", "canaries.flagger.app in test", "no Canary CRD", call)
        lists: list[set[str]] = []
        stop = threading.Event()
        loop = WatchLoop(
            spec,
            Mailbox(wake=lambda: None),
            lambda items: lists.append({i["metadata"]["name"] for i in items}),
            lambda kind, obj: None,
            stop,
            read_timeout_s=15.0,
        )
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        try:
            api.wait_for_watches("canaries.flagger.app")
            assert lists == [{"examiner"}]
            watched = loop.resource_version
            assert watched is not None and int(watched) > other.resource_version
            old_store, api.store = api.store, other.store
            old_store.close_watchers()
            api.request_log.clear()
            wait_until(lambda: lists[-1] == {"newcomer"}, f"a list of the new store (lists seen: {lists})", 20)
            refused = [r for r in api.requests(verb="watch") if r.query.get("resourceVersion") == watched]
            assert len(refused) == 1, "not asked again from the version the new store has not reached"
        finally:
            stop.set()
            loop.close()
            thread.join(5)
