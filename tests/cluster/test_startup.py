"""Start-up against the stand-in: lists read in pages, the canaries asked for first and alone, and a source that
connects before its owner exists."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import objects
from tests.cluster.harness import Harness, StateSink
from tests.standin.apiserver import ApiServer
from tests.waiting import wait_until
from tui.cluster import source as cluster_source
from tui.cluster.api_paths import PathCall, collection_path
from tui.cluster.http import HttpProblem, get_json
from tui.cluster.kubeconfig import connect
from tui.cluster.source import ClusterOptions
from tui.cluster.watch_loop import WatchLoop, WatchSpec
from tui.domain.model import CanaryKey, Health
from tui.sources.mailbox import Mailbox

REPO = Path(__file__).resolve().parents[2]
QUIET_S = 0.5
CANARIES = "/apis/flagger.app/v1beta1/namespaces/test/canaries"


def lists(api: ApiServer, path: str) -> list[dict[str, str]]:
    return [r.query for r in api.requests(path=path) if r.query.get("watch") != "true"]


# --- paths -----------------------------------------------------------------------------------------------------------


def test_collection_paths_for_the_core_group_and_others() -> None:
    assert collection_path("", "v1", "events") == "/api/v1/events"
    assert collection_path("", "v1", "pods", "monitoring") == "/api/v1/namespaces/monitoring/pods"
    assert collection_path("apps", "v1", "deployments", "a b") == "/apis/apps/v1/namespaces/a%20b/deployments"
    assert collection_path("flagger.app", "v1beta1", "canaries") == "/apis/flagger.app/v1beta1/canaries"


def test_a_path_call_sends_the_typed_methods_arguments_as_query_parameters(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    call = PathCall(connect(str(kubeconfig), None).api_client, CANARIES)
    get_json(call, field_selector="metadata.name=x", limit=7, _continue=None, _request_timeout=(5, 5))
    assert lists(apiserver, CANARIES) == [{"fieldSelector": "metadata.name=x", "limit": "7"}]
    with pytest.raises(TypeError, match="unexpected arguments pretty"):
        call(pretty="true")


def test_a_path_call_that_is_refused_raises_as_the_typed_methods_do(apiserver: ApiServer, kubeconfig: Path) -> None:
    call = PathCall(connect(str(kubeconfig), None).api_client, "/apis/nothing.example/v1/things")
    with pytest.raises(HttpProblem) as refused:
        get_json(call, _request_timeout=(5, 5))
    assert refused.value.status == 404


# --- paging ----------------------------------------------------------------------------------------------------------


def test_a_list_is_read_in_pages_and_watched_from_the_first_pages_snapshot(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    for i in range(5):
        apiserver.put(objects.canary(f"app-{i}"))
    listed: list[list[str]] = []
    stop = threading.Event()
    call = PathCall(connect(str(kubeconfig), None).api_client, CANARIES)
    loop = WatchLoop(
        WatchSpec("canaries", "canaries", "not served", call),
        Mailbox(),
        lambda items: listed.append([item["metadata"]["name"] for item in items]),
        lambda change, obj: None,
        stop,
        read_timeout_s=5.0,
        page_size=2,
    )
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        apiserver.wait_for_watches("canaries.flagger.app")
        assert listed == [[f"app-{i}" for i in range(5)]], "one list of every page, delivered once"
        pages = lists(apiserver, CANARIES)
        assert [p.get("limit") for p in pages] == ["2", "2", "2"]
        assert "continue" not in pages[0] and all(p.get("continue") for p in pages[1:])
        assert all(item["kind"] == "Canary" for item in apiserver.list("canaries.flagger.app", "test"))
        watch = next(r for r in apiserver.requests(path=CANARIES) if r.query.get("watch") == "true")
        assert watch.query["resourceVersion"] == str(loop.resource_version or watch.query["resourceVersion"])
        assert "limit" not in watch.query and "continue" not in watch.query
    finally:
        stop.set()
        loop.close()
        thread.join(5)


def test_a_continue_token_that_expired_lists_again_from_the_start(apiserver: ApiServer, kubeconfig: Path) -> None:
    for i in range(3):
        apiserver.put(objects.canary(f"app-{i}"))
    listed: list[int] = []
    stop = threading.Event()
    call = PathCall(connect(str(kubeconfig), None).api_client, CANARIES)

    class Compacting(WatchLoop):
        """Compacts the stand-in's history right after the first page, so the continue token is too old."""

        def __init__(self) -> None:
            super().__init__(
                WatchSpec("canaries", "canaries", "not served", self.page),
                Mailbox(),
                lambda items: listed.append(len(items)),
                lambda change, obj: None,
                stop,
                read_timeout_s=5.0,
                page_size=2,
            )
            self.compacted = False

        def page(self, **kwargs):  # type: ignore[no-untyped-def]
            if kwargs.get("_continue") and not self.compacted:
                self.compacted = True
                apiserver.put(objects.canary("app-9"))
                apiserver.compact()
            return call(**kwargs)

    loop = Compacting()
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        apiserver.wait_for_watches("canaries.flagger.app")
        assert loop.compacted and listed == [4], "the stale page is not delivered; the fresh list has every canary"
    finally:
        stop.set()
        loop.close()
        thread.join(5)


# --- order -----------------------------------------------------------------------------------------------------------


def test_the_canaries_are_listed_before_any_other_kind_is_requested(
    apiserver: ApiServer, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The quiet window below must not be outlasted by the fallback that stops waiting for a slow first list.
    monkeypatch.setattr(cluster_source, "FIRST_LIST_WAIT_S", 600.0)
    apiserver.put(objects.canary())
    apiserver.put(objects.deployment("examiner"))
    apiserver.put(objects.traffic_split())
    h = Harness(kubeconfig)
    entered, gate = threading.Event(), threading.Event()
    path = h.source._path

    def gated(group: str, version: str, plural: str) -> Callable[..., Any]:
        call = path(group, version, plural)
        if plural != "canaries":
            return call

        def slow_list(**kwargs: Any) -> Any:
            if not kwargs.get("watch"):  # a slow answer to the list: nothing else may be asked meanwhile
                entered.set()
                gate.wait(10)
            return call(**kwargs)

        return slow_list

    h.source._path = gated  # type: ignore[method-assign, assignment]
    with h:
        assert entered.wait(10)
        # Whatever else would be asked alongside is asked at once; a window of quiet shows nothing is.
        deadline = time.monotonic() + QUIET_S
        while time.monotonic() < deadline and len(apiserver.requests()) == 1:
            time.sleep(0.02)
        released_at = time.time()
        gate.set()
        h.wait_for(lambda s: len(s.deployments) == 1 and s.routers, what="every list")
        h.wait_for(lambda s: getattr(s.health.get("events"), "state", None) is Health.CONNECTED, what="events listed")
    requests = [r for r in apiserver.requests() if r.path != "/apis/"]
    assert requests[0].path == CANARIES and requests[0].query.get("watch") != "true"
    others = [r for r in requests if "/canaries" not in r.path]
    assert {r.path.rsplit("/", 1)[1] for r in others} >= {"deployments", "trafficsplits", "events"}
    early = [r.path for r in others if r.at < released_at]
    assert not early, f"requested while the canaries' list was still on its way: {early}"


def test_without_the_canary_crd_the_other_kinds_do_not_wait(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.uninstall_crd("canaries.flagger.app")
    apiserver.put(objects.deployment("examiner"))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: len(s.deployments) == 1, timeout=2.5, what="the deployments, sooner than the wait")
        assert h.state.health["canaries"].state is Health.NOT_INSTALLED


# --- connecting before the owner exists ------------------------------------------------------------------------------


def test_a_source_begun_early_hands_what_it_listed_to_its_owner(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    h = Harness(kubeconfig, options=ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0))
    h.source.begin()
    try:
        apiserver.wait_for_watches("canaries.flagger.app")
        assert lists(apiserver, CANARIES), "listed before there was anyone to tell"
        sink = StateSink()
        h.source.start(sink)
        wait_until(lambda: (h.source.pump(), CanaryKey("test", "examiner") in sink.state.canaries)[1], what="list")
        assert sink.state.health["kubernetes"].state is Health.CONNECTED
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
        key = CanaryKey("test", "examiner")
        wait_until(lambda: (h.source.pump(), sink.state.canaries[key].info.canary_weight == 40)[1], what="a change")
        assert len(lists(apiserver, CANARIES)) == 1, "start does not connect a second time"
        assert len(apiserver.requests(path="/apis/")) == 1
    finally:
        h.source.stop()
        h.source.join(5.0)


# --- what is paid for before the first request -----------------------------------------------------------------------

WATCHING = """
import sys, time
from tui import cli
args = cli.build_watch_parser().parse_args(["-A", "--kubeconfig", sys.argv[1], "--logger", "none"])
cli.apply_lab_defaults(args)
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource
before = sorted(m for m in sys.modules if m.split(".")[0] == "textual")
connection = connect(args.kubeconfig, None)
source = ClusterSource(connection, ClusterTarget(args.kubeconfig, connection.context, None, None),
                       ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0))
source.begin()
source.first_list_shown()  # no screen here: nothing to wait for
deadline = time.monotonic() + 20
while "deployments" not in source.loops and time.monotonic() < deadline:
    time.sleep(0.02)
source.loops["deployments"].first_list_done.wait(20)
typed = sorted(m for m in sys.modules if m.startswith("kubernetes.client.api."))
print(before, typed)
source.stop()
"""


def test_watch_lists_without_textual_or_the_clients_typed_apis(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.put(objects.deployment("examiner"))
    done = subprocess.run(
        [sys.executable, "-c", WATCHING, str(kubeconfig)], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "[]"], "nothing but the connection is imported before the first lists"
    assert lists(apiserver, "/apis/apps/v1/deployments"), "the lists were made"


def test_a_source_begun_early_starts_the_other_lists_once_the_canaries_are_on_screen(
    apiserver: ApiServer, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The quiet window below must not be outlasted by the fallback that stops waiting for the owner's word.
    monkeypatch.setattr(cluster_source, "FIRST_SCREEN_WAIT_S", 600.0)
    apiserver.put(objects.canary())
    apiserver.put(objects.deployment("examiner"))
    h = Harness(kubeconfig)
    h.source.begin()
    try:
        sink = StateSink()
        h.source.start(sink)
        key = CanaryKey("test", "examiner")
        wait_until(lambda: (h.source.pump(), key in sink.state.canaries)[1], what="the canaries")
        deadline = time.monotonic() + QUIET_S  # a window of quiet: nothing else is asked before the owner says so
        while time.monotonic() < deadline:
            assert set(h.source.loops) == {"canaries"}
            time.sleep(0.02)
        h.source.first_list_shown()
        wait_until(lambda: (h.source.pump(), len(sink.state.deployments) == 1)[1], what="the deployments")
    finally:
        h.source.stop()
        h.source.join(5.0)
