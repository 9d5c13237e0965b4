"""The stand-in driven over HTTP by the real, synchronous `kubernetes` client (v37), from several threads."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import ResourceNotFoundError
from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError

from tests.standin.apiserver import ApiServer
from tests.standin.events import AGGREGATE_PREFIX, EventRecorder
from tests.standin.kubeconfig import FAKE_TOKEN
from tests.standin.objects import canary, deployment, pod, trafficsplit
from tests.standin.resources import CANARIES

NS = "test"


@pytest.fixture
def api_client(kubeconfig: Path) -> Iterator[client.ApiClient]:
    ac = config.new_client_from_config(config_file=str(kubeconfig))
    ac.configuration.retries = 0  # fail fast on refused connections instead of three silent retries
    try:
        yield ac
    finally:
        ac.close()


@pytest.fixture
def core(api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture
def apps(api_client: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api_client)


@pytest.fixture
def custom(api_client: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client)


class Streamer(threading.Thread):
    """Runs `Watch().stream(...)` on its own thread and hands events over through a queue."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(daemon=True)
        self.w = watch.Watch()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.events: queue.Queue[Any] = queue.Queue()
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self.start()

    def run(self) -> None:
        try:
            for ev in self.w.stream(self.fn, *self.args, **self.kwargs):
                self.events.put(ev)
        except BaseException as exc:  # handed to the test thread
            self.error = exc
        finally:
            self.ended.set()

    def next(self, timeout: float = 5.0, skip_bookmarks: bool = True) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            ev = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if not (skip_bookmarks and isinstance(ev, dict) and ev["type"] == "BOOKMARK"):
                return ev

    def finish(self, timeout: float = 10.0) -> BaseException | None:
        assert self.ended.wait(timeout), "the watch did not end"
        return self.error


# --- discovery and credentials ---------------------------------------------------------------------------------------


def test_discovery_through_dynamic_client(apiserver: ApiServer, api_client: client.ApiClient, tmp_path: Path) -> None:
    dc = dynamic.DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
    assert dc.version["kubernetes"]["gitVersion"] == "v1.33.4"
    canaries = dc.resources.get(api_version="flagger.app/v1beta1", kind="Canary")
    assert (canaries.name, canaries.namespaced, canaries.preferred) == ("canaries", True, True)
    assert "status" in canaries.subresources
    # Both TrafficSplit versions are served; Kubernetes version priority prefers v1alpha2 over v1alpha1.
    splits = {r.api_version: r.preferred for r in dc.resources.search(group="split.smi-spec.io", kind="TrafficSplit")}
    assert splits == {"v1alpha1": False, "v1alpha2": True}
    routes = {
        r.api_version: r.preferred for r in dc.resources.search(group="gateway.networking.k8s.io", kind="HTTPRoute")
    }
    assert routes == {"v1": True, "v1beta1": False}
    assert dc.resources.get(api_version="helm.toolkit.fluxcd.io/v2", kind="HelmRelease").namespaced
    pods = dc.resources.get(api_version="v1", kind="Pod")
    assert {"log", "status"} <= set(pods.subresources)
    assert dc.resources.get(api_version="apps/v1", kind="Deployment").short_names == ["deploy"]

    apiserver.put(canary(status={"phase": "Progressing", "canaryWeight": 10}))
    listing = canaries.get(namespace=NS)
    assert listing.kind == "CanaryList" and listing.apiVersion == "flagger.app/v1beta1"
    assert [c.metadata.name for c in listing.items] == ["examiner"]
    assert listing.items[0].status.canaryWeight == 10
    # One object, visible at every served version with apiVersion rewritten (no conversion webhook).
    apiserver.put(trafficsplit(canary_weight=10))
    v2 = dc.resources.get(api_version="split.smi-spec.io/v1alpha2", kind="TrafficSplit").get(
        name="examiner", namespace=NS
    )
    assert v2.apiVersion == "split.smi-spec.io/v1alpha2"
    assert [b.weight for b in v2.spec.backends] == ["10", "90"]


def test_kubeconfig_carries_the_fake_token_and_a_wrong_one_is_refused(
    apiserver: ApiServer, core: client.CoreV1Api, kubeconfig: Path
) -> None:
    assert FAKE_TOKEN in kubeconfig.read_text()
    core.list_namespaced_pod(NS)
    assert apiserver.requests(path=f"/api/v1/namespaces/{NS}/pods")[-1].authorization == f"Bearer {FAKE_TOKEN}"
    cfg = apiserver.client_configuration()
    cfg.api_key = {"authorization": "someone-else"}
    with client.ApiClient(cfg) as other, pytest.raises(ApiException) as err:
        client.CoreV1Api(other).list_namespaced_pod(NS)
    assert err.value.status == 401


# --- list, watch, bookmarks, 410 -------------------------------------------------------------------------------------


def test_list_then_watch_from_its_resource_version(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    apiserver.put(pod("a", labels={"app": "examiner"}))
    listing = core.list_namespaced_pod(NS, _request_timeout=(5, 30))
    assert [p.metadata.name for p in listing.items] == ["a"]
    rv = listing.metadata.resource_version
    assert int(rv) == apiserver.resource_version

    started = time.monotonic()
    s = Streamer(
        core.list_namespaced_pod,
        NS,
        resource_version=rv,
        allow_watch_bookmarks=True,
        timeout_seconds=2,
        _request_timeout=(5, 10),
    )
    apiserver.wait_for_watches("pods")
    core.create_namespaced_pod(NS, pod("b"))
    core.patch_namespaced_pod("a", NS, {"metadata": {"labels": {"release": "2"}}})
    core.delete_namespaced_pod("b", NS)

    seen = [(ev["type"], ev["object"].metadata.name) for ev in (s.next(), s.next(), s.next())]
    assert seen == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    assert s.finish() is None  # timeoutSeconds=2: the server ends the stream and the client does not retry
    elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 3.5, elapsed
    rest = list(s.events.queue)
    assert rest and all(ev["type"] == "BOOKMARK" for ev in rest), rest
    # Every bookmark carries the store's RV at that moment, so the Watch's RV ends at the newest one.
    assert s.w.resource_version == str(apiserver.resource_version)


def test_bookmarks_keep_a_watch_with_a_short_read_timeout_alive(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    """The fixture's bookmarks come every 0.5 s, so a 1 s client read timeout never fires on an idle watch."""
    started = time.monotonic()
    s = Streamer(
        core.list_namespaced_pod,
        NS,
        resource_version="0",
        allow_watch_bookmarks=True,
        timeout_seconds=2,
        _request_timeout=(5, 1),
    )
    assert s.finish() is None
    assert 1.9 <= time.monotonic() - started < 3.0
    assert s.events.qsize() >= 3  # bookmarks only, every 0.5 s


def test_watch_replays_the_history_after_an_older_rv(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    apiserver.put(pod("a"))
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    apiserver.put(pod("b"))
    apiserver.delete("pods", "a", NS)
    s = Streamer(core.list_namespaced_pod, NS, resource_version=rv, timeout_seconds=1)
    assert [(ev["type"], ev["object"].metadata.name) for ev in (s.next(), s.next())] == [
        ("ADDED", "b"),
        ("DELETED", "a"),
    ]
    assert s.finish() is None


def test_watch_without_rv_starts_with_synthetic_added_events(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    apiserver.put(pod("a"))
    apiserver.put(pod("b", namespace="other"))
    s = Streamer(core.list_pod_for_all_namespaces, timeout_seconds=1)
    assert sorted(ev["object"].metadata.name for ev in (s.next(), s.next())) == ["a", "b"]
    assert s.finish() is None


def test_too_old_rv_gives_410(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    apiserver.put(pod("a"))
    apiserver.compact()
    s = Streamer(core.list_namespaced_pod, NS, resource_version=rv, timeout_seconds=5)
    err = s.finish()
    assert isinstance(err, ApiException) and err.status == 410
    assert "too old resource version" in str(err.reason)


def test_scripted_410_and_the_clients_single_retry(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    apiserver.expire_next_watch("pods")
    s = Streamer(core.list_namespaced_pod, NS, resource_version=rv, timeout_seconds=5)
    err = s.finish()
    assert isinstance(err, ApiException) and err.status == 410
    # Without timeout_seconds the client retries once with the same RV; the second 410 is raised.
    apiserver.expire_next_watch("pods", times=2)
    s = Streamer(core.list_namespaced_pod, NS, resource_version=rv)
    err = s.finish()
    assert isinstance(err, ApiException) and err.status == 410
    assert len(apiserver.requests(verb="watch")) == 3
    # One scripted expiry, then a normal watch: the retry succeeds and events flow.
    apiserver.expire_next_watch("pods")
    s = Streamer(core.list_namespaced_pod, NS, resource_version=rv)
    apiserver.wait_for_watches("pods")
    apiserver.put(pod("late"))
    assert s.next()["object"].metadata.name == "late"
    s.w.stop()
    assert isinstance(s.finish(), ProtocolError | type(None))


def test_selectors_on_list_and_watch(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    apiserver.put(pod("p1", labels={"app": "examiner", "track": "primary"}))
    apiserver.put(pod("p2", labels={"app": "examiner", "track": "canary"}))
    apiserver.put(pod("p3", labels={"app": "logger"}))
    names = [p.metadata.name for p in core.list_namespaced_pod(NS, label_selector="app=examiner,track!=canary").items]
    assert names == ["p1"]
    names = [p.metadata.name for p in core.list_namespaced_pod(NS, label_selector="track in (canary,primary)").items]
    assert names == ["p1", "p2"]
    assert [p.metadata.name for p in core.list_namespaced_pod(NS, field_selector="metadata.name=p3").items] == ["p3"]
    with pytest.raises(ApiException) as err:
        core.list_namespaced_pod(NS, field_selector="spec.image=x")
    assert err.value.status == 400 and "field label not supported: spec.image" in err.value.body

    rv = core.list_namespaced_pod(NS).metadata.resource_version
    s = Streamer(core.list_namespaced_pod, NS, label_selector="app=examiner", resource_version=rv, timeout_seconds=2)
    apiserver.wait_for_watches("pods")
    core.patch_namespaced_pod("p2", NS, {"metadata": {"labels": {"app": "retired"}}})  # leaves the selection
    core.patch_namespaced_pod("p3", NS, {"metadata": {"labels": {"app": "examiner"}}})  # enters it
    first, second = s.next(), s.next()
    assert (first["type"], first["object"].metadata.name) == ("DELETED", "p2")
    assert first["object"].metadata.labels["app"] == "examiner"  # the last state that matched
    assert (second["type"], second["object"].metadata.name) == ("ADDED", "p3")
    assert s.finish() is None


# --- faults ----------------------------------------------------------------------------------------------------------


def test_dropped_connection_breaks_a_watch_with_protocol_error(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    s = Streamer(core.list_namespaced_pod, NS, resource_version=rv, timeout_seconds=30, _request_timeout=(5, 30))
    apiserver.wait_for_watches("pods")
    apiserver.put(pod("a"))
    assert s.next()["object"].metadata.name == "a"
    assert apiserver.drop_connections() >= 1
    err = s.finish()
    assert isinstance(err, ProtocolError), repr(err)
    core.list_namespaced_pod(NS)  # the pool reconnects for the next request


def test_silent_watch_ends_with_the_client_read_timeout(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    apiserver.silence_watches("pods")
    started = time.monotonic()
    s = Streamer(
        core.list_namespaced_pod,
        NS,
        resource_version="0",
        allow_watch_bookmarks=True,
        timeout_seconds=60,
        _request_timeout=(5, 2),
    )
    err = s.finish()
    elapsed = time.monotonic() - started
    assert isinstance(err, ReadTimeoutError), repr(err)
    assert 1.9 <= elapsed < 3.0, elapsed
    assert apiserver.requests(verb="watch")[-1].status == 200  # headers were sent, then nothing
    apiserver.silence_watches("pods", silent=False)
    s = Streamer(core.list_namespaced_pod, NS, timeout_seconds=1, _request_timeout=(5, 2))
    apiserver.put(pod("a"))
    assert s.next()["object"].metadata.name == "a"


def test_forbidden_resource_has_a_status_naming_verb_resource_and_namespace(
    apiserver: ApiServer, custom: client.CustomObjectsApi, core: client.CoreV1Api
) -> None:
    apiserver.forbid("canaries.flagger.app", verbs=["list", "watch"], namespace=NS)
    with pytest.raises(ApiException) as err:
        custom.list_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries")
    assert err.value.status == 403
    status = json.loads(err.value.body)
    assert (status["reason"], status["code"]) == ("Forbidden", 403)
    assert status["message"] == (
        'canaries.flagger.app is forbidden: User "system:serviceaccount:monitoring:canaryscope" '
        'cannot list resource "canaries" in API group "flagger.app" in the namespace "test"'
    )
    custom.list_namespaced_custom_object("flagger.app", "v1beta1", "other", "canaries")  # other namespace allowed
    apiserver.forbid("pods/log")
    apiserver.put(pod("a"))
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("a", NS)
    assert err.value.status == 403 and 'cannot get resource "pods/log"' in json.loads(err.value.body)["message"]
    core.read_namespaced_pod("a", NS)
    apiserver.allow()
    assert custom.list_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries")["items"] == []


def test_missing_crd_is_404_in_discovery_and_paths(
    apiserver: ApiServer,
    api_client: client.ApiClient,
    custom: client.CustomObjectsApi,
    core: client.CoreV1Api,
    tmp_path: Path,
) -> None:
    apiserver.put(canary())
    rv = custom.list_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries")["metadata"]["resourceVersion"]
    s = Streamer(
        custom.list_namespaced_custom_object,
        "flagger.app",
        "v1beta1",
        NS,
        "canaries",
        resource_version=rv,
        timeout_seconds=30,
    )
    apiserver.wait_for_watches(CANARIES)
    apiserver.uninstall_crd(CANARIES)
    assert s.finish() is None  # the server ends the watch
    assert "flagger.app" not in [g.name for g in client.ApisApi(api_client).get_api_versions().groups]
    for call in (
        lambda: custom.get_api_resources("flagger.app", "v1beta1"),
        lambda: custom.list_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries"),
        lambda: custom.get_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries", "examiner"),
    ):
        with pytest.raises(ApiException) as err:
            call()
        assert err.value.status == 404
    dc = dynamic.DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
    with pytest.raises(ResourceNotFoundError):
        dc.resources.get(api_version="flagger.app/v1beta1", kind="Canary")
    apiserver.install_crd(CANARIES)
    assert custom.list_namespaced_custom_object("flagger.app", "v1beta1", NS, "canaries")["items"] == []


def test_refused_then_back_on_the_same_port(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    port = apiserver.port
    apiserver.refuse_connections(1.0)
    started = time.monotonic()
    with pytest.raises(MaxRetryError) as err:
        core.list_namespaced_pod(NS, _request_timeout=(2, 2))
    assert isinstance(err.value.reason, urllib3.exceptions.NewConnectionError)
    assert "Connection refused" in str(err.value.reason)
    while True:
        try:
            core.list_namespaced_pod(NS, _request_timeout=(2, 2))
            break
        except MaxRetryError:
            assert time.monotonic() - started < 3.0, "the stand-in did not come back"
            time.sleep(0.05)
    assert 0.9 <= time.monotonic() - started < 2.0
    assert apiserver.port == port


def test_refusing_drops_open_watches(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    s = Streamer(core.list_namespaced_pod, NS, resource_version="0", timeout_seconds=30, _request_timeout=(5, 30))
    apiserver.wait_for_watches("pods")
    apiserver.refuse_connections(None)
    assert isinstance(s.finish(), ProtocolError)
    assert not apiserver.listening
    apiserver.resume_listening()
    core.list_namespaced_pod(NS)


# --- pod logs --------------------------------------------------------------------------------------------------------


def test_pod_log_follow_streams_appended_lines_until_the_pod_goes(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    apiserver.put(pod("logger-0", namespace="monitoring"))
    apiserver.append_log("monitoring", "logger-0", "old 1", "old 2", "old 3")
    resp = core.read_namespaced_pod_log(
        "logger-0", "monitoring", follow=True, tail_lines=2, _preload_content=False, _request_timeout=(5, 10)
    )
    got: queue.Queue[bytes] = queue.Queue()

    def read() -> None:
        for chunk in resp.stream(amt=None, decode_content=False):
            got.put(chunk)
        got.put(b"<end>")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert got.get(timeout=5) == b"old 2\nold 3\n"
    apiserver.append_log("monitoring", "logger-0", '{"name":"examiner","phase":"Progressing"}')
    assert got.get(timeout=5) == b'{"name":"examiner","phase":"Progressing"}\n'
    apiserver.delete("pods", "logger-0", "monitoring")
    assert got.get(timeout=5) == b"<end>"
    resp.release_conn()
    req = apiserver.requests(path="/api/v1/namespaces/monitoring/pods/logger-0/log")[-1]
    assert req.query == {"follow": "true", "tailLines": "2"}


def test_pod_log_options(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    apiserver.put(pod("p", containers=("app", "proxy")))
    apiserver.append_log(NS, "p", "ancient", container="app", at=now - timedelta(hours=1))
    apiserver.append_log(NS, "p", "recent", container="app", at=now)
    apiserver.append_log(NS, "p", "proxy line", container="proxy", at=now)
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("p", NS)
    assert err.value.status == 400 and "choose one of: [app proxy]" in err.value.body
    assert core.read_namespaced_pod_log("p", NS, container="app") == "ancient\nrecent\n"
    assert core.read_namespaced_pod_log("p", NS, container="app", since_seconds=600) == "recent\n"
    stamped = core.read_namespaced_pod_log("p", NS, container="proxy", timestamps=True)
    stamp, _, text = stamped.rstrip("\n").partition(" ")
    assert text == "proxy line"
    assert datetime.strptime(stamp[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC) == now
    assert len(stamp) == len("2026-01-01T00:00:00.000000000Z") and stamp.endswith("000Z")


def test_pod_log_through_watch_helper_ends_with_the_pod(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    apiserver.put(pod("p"))
    apiserver.append_log(NS, "p", "one", "two")
    s = Streamer(core.read_namespaced_pod_log, "p", NS, _request_timeout=(5, 10))
    assert [s.next(), s.next()] == ["one", "two"]
    apiserver.append_log(NS, "p", "three")
    assert s.next() == "three"
    apiserver.delete("pods", "p", NS)
    assert s.finish() is None


# --- writes, patches, status -----------------------------------------------------------------------------------------


def test_patches_are_recorded_and_applied_per_content_type(
    apiserver: ApiServer,
    apps: client.AppsV1Api,
    custom: client.CustomObjectsApi,
    api_client: client.ApiClient,
    tmp_path: Path,
) -> None:
    apps.create_namespaced_deployment(NS, deployment("examiner", env={"SERVER_ERROR_RATE": "0", "MODE": "x"}))
    apiserver.request_log.clear()

    # Strategic merge (the typed client's default for a dict): containers merge by name, env by name.
    body = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "examiner",
                            "image": "ghcr.io/example/examiner:1.1.0",
                            "env": [{"name": "SERVER_ERROR_RATE", "value": "0.5"}],
                        }
                    ]
                }
            }
        }
    }
    d = apps.patch_namespaced_deployment("examiner", NS, body)
    containers = d.spec.template.spec.containers
    assert [(c.name, c.image) for c in containers] == [
        ("examiner", "ghcr.io/example/examiner:1.1.0"),
        ("sidecar", "ghcr.io/example/sidecar:2.0.0"),
    ]
    assert {e.name: e.value for e in containers[0].env} == {"SERVER_ERROR_RATE": "0.5", "MODE": "x"}
    assert d.metadata.generation == 2

    # JSON patch (a list body).
    d = apps.patch_namespaced_deployment(
        "examiner",
        NS,
        [
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/metadata/annotations", "value": {"canaryscope/release": "r2"}},
        ],
    )
    assert d.spec.replicas == 3 and d.metadata.annotations == {"canaryscope/release": "r2"}

    # Merge patch replaces lists wholesale.
    d = apps.patch_namespaced_deployment(
        "examiner",
        NS,
        {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "i"}]}}}},
        _content_type="application/merge-patch+json",
    )
    assert [c.name for c in d.spec.template.spec.containers] == ["only"]

    # Custom resources: CustomObjectsApi sends merge patch; strategic merge is refused with 415.
    apiserver.put(canary())
    c = custom.patch_namespaced_custom_object(
        "flagger.app", "v1beta1", NS, "canaries", "examiner", {"spec": {"suspend": True}}
    )
    assert c["spec"]["suspend"] is True
    dc = dynamic.DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
    canaries = dc.resources.get(api_version="flagger.app/v1beta1", kind="Canary")
    with pytest.raises(ApiException) as err:
        canaries.patch(name="examiner", namespace=NS, body={"spec": {"skipAnalysis": True}})
    assert err.value.status == 415

    patches = [(r.path, r.content_type, r.json(), r.status) for r in apiserver.requests(method="PATCH")]
    assert patches == [
        (f"/apis/apps/v1/namespaces/{NS}/deployments/examiner", "application/strategic-merge-patch+json", body, 200),
        (
            f"/apis/apps/v1/namespaces/{NS}/deployments/examiner",
            "application/json-patch+json",
            [
                {"op": "replace", "path": "/spec/replicas", "value": 3},
                {"op": "add", "path": "/metadata/annotations", "value": {"canaryscope/release": "r2"}},
            ],
            200,
        ),
        (
            f"/apis/apps/v1/namespaces/{NS}/deployments/examiner",
            "application/merge-patch+json",
            {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "i"}]}}}},
            200,
        ),
        (
            f"/apis/flagger.app/v1beta1/namespaces/{NS}/canaries/examiner",
            "application/merge-patch+json",
            {"spec": {"suspend": True}},
            200,
        ),
        (
            f"/apis/flagger.app/v1beta1/namespaces/{NS}/canaries/examiner",
            "application/strategic-merge-patch+json",
            {"spec": {"skipAnalysis": True}},
            415,
        ),
    ]


def test_status_subresource_and_generation(apiserver: ApiServer, custom: client.CustomObjectsApi) -> None:
    args = ("flagger.app", "v1beta1", NS, "canaries")
    created = custom.create_namespaced_custom_object(*args, canary(status={"phase": "Succeeded"}))
    meta = created["metadata"]
    assert "status" not in created  # create ignores status when a status subresource exists
    assert meta["generation"] == 1 and meta["uid"] and meta["creationTimestamp"].endswith("Z")
    with pytest.raises(ApiException) as err:
        custom.create_namespaced_custom_object(*args, canary())
    assert err.value.status == 409 and "AlreadyExists" in err.value.body

    s = custom.patch_namespaced_custom_object_status(
        *args, "examiner", {"status": {"phase": "Progressing", "canaryWeight": 10}}
    )
    assert s["status"] == {"phase": "Progressing", "canaryWeight": 10}
    assert s["metadata"]["generation"] == 1  # status writes do not bump generation
    # Status in a main-resource patch is ignored; the spec change bumps generation.
    p = custom.patch_namespaced_custom_object(
        *args, "examiner", {"spec": {"suspend": True}, "status": {"phase": "Failed"}}
    )
    assert p["status"]["phase"] == "Progressing" and p["metadata"]["generation"] == 2
    # Metadata-only changes bump resourceVersion, not generation; a no-op keeps the resourceVersion.
    m = custom.patch_namespaced_custom_object(*args, "examiner", {"metadata": {"labels": {"x": "y"}}})
    assert m["metadata"]["generation"] == 2 and int(m["metadata"]["resourceVersion"]) > int(
        p["metadata"]["resourceVersion"]
    )
    same = custom.patch_namespaced_custom_object(*args, "examiner", {"metadata": {"labels": {"x": "y"}}})
    assert same["metadata"]["resourceVersion"] == m["metadata"]["resourceVersion"]

    # PUT: custom resources need metadata.resourceVersion; a stale one conflicts.
    body = dict(m)
    stale = {**body, "metadata": {**body["metadata"], "resourceVersion": p["metadata"]["resourceVersion"]}}
    with pytest.raises(ApiException) as err:
        custom.replace_namespaced_custom_object(*args, "examiner", stale)
    assert err.value.status == 409 and "the object has been modified" in err.value.body
    unconditional = {**body, "metadata": {k: v for k, v in body["metadata"].items() if k != "resourceVersion"}}
    with pytest.raises(ApiException) as err:
        custom.replace_namespaced_custom_object(*args, "examiner", unconditional)
    assert err.value.status == 422
    body["spec"]["suspend"] = False
    r = custom.replace_namespaced_custom_object(*args, "examiner", body)
    assert r["spec"]["suspend"] is False and r["metadata"]["generation"] == 3 and r["status"]["canaryWeight"] == 10


def test_list_pagination(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    for i in range(5):
        apiserver.put(pod(f"p{i}"))
    first = core.list_namespaced_pod(NS, limit=2)
    assert [p.metadata.name for p in first.items] == ["p0", "p1"]
    assert first.metadata.remaining_item_count == 3
    names = [p.metadata.name for p in first.items]
    token = first.metadata._continue
    while token:
        page = core.list_namespaced_pod(NS, limit=2, _continue=token)
        names += [p.metadata.name for p in page.items]
        token = page.metadata._continue
    assert names == [f"p{i}" for i in range(5)]


# --- events ----------------------------------------------------------------------------------------------------------


def test_flagger_events_dedupe_and_aggregate(apiserver: ApiServer, core: client.CoreV1Api) -> None:
    c = apiserver.put(canary())
    recorder = EventRecorder(apiserver, aggregate=True)
    selector = "involvedObject.kind=Canary,involvedObject.name=examiner"
    rv = core.list_namespaced_event(NS, field_selector=selector).metadata.resource_version
    s = Streamer(core.list_namespaced_event, NS, field_selector=selector, resource_version=rv, timeout_seconds=5)
    apiserver.wait_for_watches("events")

    recorder.normal(c, "New revision detected! Scaling up examiner.test")
    recorder.normal(c, "New revision detected! Scaling up examiner.test")
    added, modified = s.next(), s.next()
    assert (added["type"], modified["type"]) == ("ADDED", "MODIFIED")
    ev = modified["object"]
    assert (ev.count, ev.reason, ev.source.component, ev.type) == (2, "Synced", "flagger", "Normal")
    assert ev.involved_object.uid == c["metadata"]["uid"] and ev.involved_object.api_version == "flagger.app/v1beta1"
    assert ev.first_timestamp <= ev.last_timestamp

    for w in range(10, 100, 10):  # 9 more distinct messages: the 10th distinct one starts aggregation
        recorder.normal(c, f"Advance examiner.test canary weight {w}")
    events = core.list_namespaced_event(NS, field_selector=selector).items
    messages = sorted(e.message for e in events)
    assert f"{AGGREGATE_PREFIX}Advance examiner.test canary weight 90" in messages
    assert len(events) == 10  # 1 deduplicated + 8 distinct + 1 aggregate
    recorder.warning(c, "Halt examiner.test advancement success rate 91.60% < 99%")
    agg = [
        e
        for e in core.list_namespaced_event(NS, field_selector=selector).items
        if e.message.startswith(AGGREGATE_PREFIX) and e.type == "Normal"
    ]
    assert len(agg) == 1 and agg[0].count == 1  # Warnings aggregate separately (type is part of the key)
    s.w.stop()
    s.finish()


def test_spam_filter_drops_after_a_burst(apiserver: ApiServer) -> None:
    c = apiserver.put(canary())
    recorder = EventRecorder(apiserver, spam_filter=True)
    kept = [recorder.normal(c, f"message {i}") for i in range(30)]
    assert sum(e is not None for e in kept) == 25
    assert len(apiserver.list("events", NS)) == 25


# --- concurrency -----------------------------------------------------------------------------------------------------


def test_many_threads_share_one_client_without_deadlock(apiserver: ApiServer, api_client: client.ApiClient) -> None:
    api_client.configuration.connection_pool_maxsize = 32
    core = client.CoreV1Api(api_client)
    watchers = [
        Streamer(core.list_namespaced_pod, NS, resource_version="0", timeout_seconds=3, _request_timeout=(5, 10))
        for _ in range(6)
    ]
    apiserver.wait_for_watches("pods", count=6)

    def writer(k: int) -> None:
        for i in range(10):
            core.create_namespaced_pod(NS, pod(f"w{k}-{i}"))
            core.list_namespaced_pod(NS)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
        assert not t.is_alive()
    for s in watchers:
        names = {s.next()["object"].metadata.name for _ in range(40)}
        assert len(names) == 40
    for s in watchers:
        assert s.finish() is None


def test_client_quirk_deserialize_false_turns_a_410_into_key_error(
    apiserver: ApiServer, core: client.CoreV1Api
) -> None:
    """kubernetes 37.0.2: with deserialize=False the ERROR event lacks `raw_object`, so the 410 check itself fails.
    Code that watches with deserialize=False must treat KeyError('raw_object') as "re-list"."""
    apiserver.expire_next_watch("pods")
    with pytest.raises(KeyError, match="raw_object"):
        for _ in watch.Watch().stream(
            core.list_namespaced_pod, NS, resource_version="1", timeout_seconds=5, deserialize=False
        ):
            pass


async def test_sync_client_on_an_event_loop_thread_does_not_deadlock(
    apiserver: ApiServer, core: client.CoreV1Api
) -> None:
    """The stand-in serves from its own threads, so even a blocking call made on the loop thread (where an
    in-loop aiohttp mock would deadlock) completes, and so do calls from worker threads."""
    import asyncio

    apiserver.put(pod("a"))
    assert [p.metadata.name for p in core.list_namespaced_pod(NS, _request_timeout=(2, 2)).items] == ["a"]
    listing = await asyncio.wait_for(asyncio.to_thread(core.list_namespaced_pod, NS), timeout=5)
    assert [p.metadata.name for p in listing.items] == ["a"]
