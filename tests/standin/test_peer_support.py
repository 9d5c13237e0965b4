"""What kubectl and k9s ask of an API server, served by the stand-in over HTTP (httpx and the `kubernetes` client):
server-side Tables from Flagger's printer columns, SelfSubjectAccessReview (JSON and protobuf), the CRD list,
Nodes, and their discovery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from kubernetes import client

from tests.cluster.objects import canary
from tests.standin.apiserver import ApiServer
from tests.standin.protobuf import access_review_attributes
from tests.standin.resources import CANARIES, DEMO_CRDS
from tests.standin.tables import human_age, requested

TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
CANARIES_PATH = "/apis/flagger.app/v1beta1/canaries"


@pytest.fixture
def peers_api() -> Iterator[ApiServer]:
    api = ApiServer(crds=DEMO_CRDS, peer_support=True, bookmark_interval=0.5).start()
    try:
        yield api
    finally:
        api.stop()
    assert not api.internal_errors, api.internal_errors


@pytest.fixture
def http(peers_api: ApiServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {peers_api.token}"}
    with httpx.Client(base_url=peers_api.url, headers=headers, timeout=10) as c:
        yield c


def _status(api: ApiServer, name: str, namespace: str, phase: str, weight: int) -> None:
    api.patch_status(CANARIES, name, namespace, {"phase": phase, "canaryWeight": weight})


def test_canaries_as_table_carry_flaggers_printer_columns(peers_api: ApiServer, http: httpx.Client) -> None:
    peers_api.put(canary("examiner", "apps", phase="Progressing", weight=20))
    answer = http.get(CANARIES_PATH, headers={"Accept": TABLE})
    assert answer.status_code == 200
    table = answer.json()
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert columns == [
        "Name",
        "Status",
        "Weight",
        "Suspended",
        "FailedChecks",
        "Interval",
        "Mirror",
        "StepWeight",
        "StepWeights",
        "MaxWeight",
        "LastTransitionTime",
    ]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0]
    (row,) = table["rows"]
    cells = dict(zip(columns, row["cells"], strict=True))
    # `string` columns are printed as text (the weight too), a missing value is null.
    assert cells["Name"] == "examiner" and cells["Status"] == "Progressing" and cells["Weight"] == "20"
    assert cells["Mirror"] is None
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == "apps"
    assert "status" not in row["object"]


def test_table_rows_carry_the_whole_object_or_none_on_request(peers_api: ApiServer, http: httpx.Client) -> None:
    peers_api.put(canary("examiner", "apps", phase="Succeeded"))
    whole = http.get(CANARIES_PATH, params={"includeObject": "Object"}, headers={"Accept": TABLE}).json()
    assert whole["rows"][0]["object"]["kind"] == "Canary"
    assert whole["rows"][0]["object"]["status"]["phase"] == "Succeeded"
    bare = http.get(CANARIES_PATH, params={"includeObject": "None"}, headers={"Accept": TABLE}).json()
    assert "object" not in bare["rows"][0]
    wrong = http.get(CANARIES_PATH, params={"includeObject": "All"}, headers={"Accept": TABLE})
    assert wrong.status_code == 400 and "includeObject" in wrong.json()["message"]
    plain = http.get(CANARIES_PATH).json()
    assert plain["kind"] == "CanaryList"


def test_one_object_as_a_table(peers_api: ApiServer, http: httpx.Client) -> None:
    peers_api.put(canary("examiner", "apps", phase="Failed"))
    table = http.get("/apis/flagger.app/v1beta1/namespaces/apps/canaries/examiner", headers={"Accept": TABLE}).json()
    assert table["kind"] == "Table"
    assert table["rows"][0]["cells"][:2] == ["examiner", "Failed"]


def test_a_table_watch_sends_the_columns_once_and_a_row_per_change(peers_api: ApiServer, http: httpx.Client) -> None:
    peers_api.put(canary("examiner", "apps"))
    rv = http.get(CANARIES_PATH, headers={"Accept": TABLE}).json()["metadata"]["resourceVersion"]
    params = {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "5"}
    events = []
    with http.stream("GET", CANARIES_PATH, params=params, headers={"Accept": TABLE}) as stream:
        _status(peers_api, "examiner", "apps", "Progressing", 10)
        _status(peers_api, "examiner", "apps", "Promoting", 50)
        for line in stream.iter_lines():
            events.append(json.loads(line))
            if len(events) == 2:
                break
    assert [e["type"] for e in events] == ["MODIFIED", "MODIFIED"]
    assert [e["object"]["kind"] for e in events] == ["Table", "Table"]
    assert "columnDefinitions" in events[0]["object"] and "columnDefinitions" not in events[1]["object"]
    assert [e["object"]["rows"][0]["cells"][1:3] for e in events] == [["Progressing", "10"], ["Promoting", "50"]]


def test_age_columns_are_human_durations(peers_api: ApiServer, http: httpx.Client) -> None:
    table = http.get("/api/v1/namespaces", headers={"Accept": TABLE}).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]
    assert all(row["cells"][1].endswith("s") for row in table["rows"])
    assert [human_age(s) for s in (5, 119, 125, 600, 3 * 3600 + 60, 30 * 3600, 3 * 86400 + 3600, 400 * 86400)] == [
        "5s",
        "119s",
        "2m5s",
        "10m",
        "3h1m",
        "30h",
        "3d1h",
        "400d",
    ]


def test_table_requests_are_read_from_the_accept_header() -> None:
    assert requested("application/json", None) is None
    assert requested(None, None) is None
    assert requested("application/json;as=Table;g=meta.k8s.io;v=v1", None).include == "Metadata"  # type: ignore[union-attr]
    assert requested("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "Object").include == "Object"  # type: ignore[union-attr]
    assert requested("application/json;as=Table;g=example.com;v=v1", None) is None


def test_discovery_serves_the_groups_peers_ask_for(peers_api: ApiServer, http: httpx.Client) -> None:
    groups = {g["name"] for g in http.get("/apis").json()["groups"]}
    assert {"apiextensions.k8s.io", "authorization.k8s.io", "flagger.app"} <= groups
    core = {r["name"]: r for r in http.get("/api/v1").json()["resources"]}
    assert core["nodes"]["namespaced"] is False
    reviews = http.get("/apis/authorization.k8s.io/v1").json()["resources"]
    assert [(r["name"], r["verbs"]) for r in reviews] == [("selfsubjectaccessreviews", ["create"])]


def test_without_peer_support_nothing_changes(apiserver: ApiServer) -> None:
    with httpx.Client(base_url=apiserver.url, headers={"Authorization": f"Bearer {apiserver.token}"}) as http:
        assert http.get("/api/v1/nodes").status_code == 404
        assert "apiextensions.k8s.io" not in {g["name"] for g in http.get("/apis").json()["groups"]}


def test_the_crd_list_follows_installed_crds(peers_api: ApiServer, http: httpx.Client) -> None:
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    crds = {c["metadata"]["name"]: c for c in http.get(path).json()["items"]}
    assert set(crds) == {"canaries.flagger.app", *(f"{rt.plural}.{rt.group}" for rt in DEMO_CRDS[1:])}
    spec = crds["canaries.flagger.app"]["spec"]
    assert spec["group"] == "flagger.app" and spec["scope"] == "Namespaced"
    assert spec["names"]["kind"] == "Canary" and spec["names"]["plural"] == "canaries"
    (version,) = spec["versions"]
    assert version["name"] == "v1beta1" and version["storage"] is True
    assert {"name": "Status", "type": "string", "jsonPath": ".status.phase"} in version["additionalPrinterColumns"]
    peers_api.uninstall_crd(CANARIES)
    assert "canaries.flagger.app" not in {c["metadata"]["name"] for c in http.get(path).json()["items"]}


def test_nodes_list_with_the_kubernetes_client(peers_api: ApiServer) -> None:
    with client.ApiClient(peers_api.client_configuration()) as api_client:
        nodes = client.CoreV1Api(api_client).list_node()
    assert [n.metadata.name for n in nodes.items] == ["standin-node"]
    assert nodes.items[0].status.conditions[0].type == "Ready"


def _review(http: httpx.Client, **attributes: str) -> dict:
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    answer = http.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=body)
    assert answer.status_code == 201
    return answer.json()


def test_access_reviews_follow_the_forbid_rules(peers_api: ApiServer, http: httpx.Client) -> None:
    asked = {"group": "flagger.app", "resource": "canaries", "verb": "list", "namespace": "apps"}
    assert _review(http, **asked)["status"]["allowed"] is True
    peers_api.forbid("canaries.flagger.app", verbs=["list"], namespace="apps")
    denied = _review(http, **asked)
    assert denied["status"] == {"allowed": False, "denied": True}
    assert denied["spec"]["resourceAttributes"] == asked
    assert _review(http, **{**asked, "verb": "watch"})["status"]["allowed"] is True
    assert _review(http, **{**asked, "namespace": "other"})["status"]["allowed"] is True


def _field(number: int, value: bytes) -> bytes:
    return bytes([number << 3 | 2, len(value)]) + value


def _protobuf_review(**attributes: str) -> bytes:
    numbers = {"namespace": 1, "verb": 2, "group": 3, "version": 4, "resource": 5, "subresource": 6, "name": 7}
    encoded = b"".join(_field(numbers[k], v.encode()) for k, v in attributes.items())
    review = _field(1, b"") + _field(2, _field(1, encoded))
    type_meta = _field(1, b"authorization.k8s.io/v1") + _field(2, b"SelfSubjectAccessReview")
    return b"k8s\x00" + _field(1, type_meta) + _field(2, review)


def test_a_protobuf_access_review_is_read_and_answered(peers_api: ApiServer, http: httpx.Client) -> None:
    body = _protobuf_review(verb="watch", group="flagger.app", resource="canaries", namespace="apps")
    assert access_review_attributes(body) == {
        "verb": "watch",
        "group": "flagger.app",
        "resource": "canaries",
        "namespace": "apps",
    }
    peers_api.forbid("canaries.flagger.app", verbs=["watch"])
    answer = http.post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        content=body,
        headers={"Content-Type": "application/vnd.kubernetes.protobuf"},
    )
    assert answer.status_code == 201 and answer.json()["status"]["allowed"] is False
    garbage = http.post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        content=b"k8s\x00\x12\x7f",
        headers={"Content-Type": "application/vnd.kubernetes.protobuf"},
    )
    assert garbage.status_code == 400


def test_transition_age_stays_text(peers_api: ApiServer, http: httpx.Client) -> None:
    # LastTransitionTime is a `string` column in Flagger's CRD: shown as the timestamp itself, not an age.
    stamp = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    peers_api.put(canary("examiner", "apps", transition=stamp))
    row = http.get(CANARIES_PATH, headers={"Accept": TABLE}).json()["rows"][0]
    assert row["cells"][-1] == stamp
