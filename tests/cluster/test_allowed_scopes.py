"""`-A` refused: the namespaces that allow listing Canaries are found through SelfSubjectAccessReview (bounded, a few
at a time) and named in the overview's sentence with a real `-n` hint; the stand-in answers the reviews per namespace
from its RBAC the way kube-apiserver does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.cluster.test_fleet_source import OPTIONS, Watching, health, one_kubeconfig, seed, weight
from tests.standin.apiserver import ApiServer
from tests.standin.resources import DEMO_CRDS
from tests.ui.overview_fleets import OverviewApp
from tests.waiting import settle
from tui.cluster.fleet_source import FleetSource
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.scope_probe import find_allowed
from tui.cluster.source import ClusterSource
from tui.domain.allowed_scopes import AllowedScopes, allowed_text
from tui.domain.fleet import Fleet
from tui.domain.model import Health
from widgets.canary_table import CanaryTable

CANARIES = "canaries.flagger.app"
NAMESPACES = ("default", "kube-system", "apps", "web", "shop", "pay", "search", "mail", "test")
GRANTED = ("apps", "web", "shop", "pay", "search", "mail", "test")


@pytest.fixture
def rbac() -> Iterator[ApiServer]:
    api = ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5, peer_support=True, namespaces=NAMESPACES).start()
    api.grant_only_in(CANARIES, GRANTED)
    try:
        yield api
    finally:
        api.stop()
    assert not api.internal_errors


def review(api_client: client.ApiClient, namespace: str) -> dict:
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"group": "flagger.app", "resource": "canaries", "verb": "list"}},
    }
    if namespace:
        body["spec"]["resourceAttributes"]["namespace"] = namespace
    answer = client.AuthorizationV1Api(api_client).create_self_subject_access_review(body)
    return answer.status.to_dict()


def reviews(api: ApiServer) -> int:
    return len(api.requests(method="POST", path="/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"))


def test_the_standin_answers_reviews_per_namespace_from_its_rbac(rbac: ApiServer) -> None:
    api_client = client.ApiClient(rbac.client_configuration())
    assert review(api_client, "apps")["allowed"] is True
    refused = review(api_client, "kube-system")
    assert refused["allowed"] is False and not refused.get("denied"), "RBAC has no opinion: not allowed, not denied"
    assert review(api_client, "")["allowed"] is False, "no ClusterRoleBinding: not across the cluster"
    custom = client.CustomObjectsApi(api_client)
    with pytest.raises(client.ApiException) as raised:
        custom.list_cluster_custom_object("flagger.app", "v1beta1", "canaries")
    assert raised.value.status == 403
    assert custom.list_namespaced_custom_object("flagger.app", "v1beta1", "apps", "canaries")["items"] == []


def test_the_allowed_namespaces_are_found_a_bounded_number_at_a_time(rbac: ApiServer) -> None:
    api_client = client.ApiClient(rbac.client_configuration())
    found = find_allowed(api_client, "test", threading.Event())
    assert found == AllowedScopes(("apps", "mail", "pay", "search", "shop", "test", "web"), len(NAMESPACES))
    assert reviews(rbac) == len(NAMESPACES)
    rbac.request_log.clear()
    first = find_allowed(api_client, "test", threading.Event(), limit=3)
    assert first is not None and first.checked == 3 and first.more
    assert reviews(rbac) == 3, "only the first namespaces are asked about"


def test_without_the_right_to_list_namespaces_the_contexts_namespace_is_asked_about(rbac: ApiServer) -> None:
    rbac.forbid("namespaces")
    api_client = client.ApiClient(rbac.client_configuration())
    assert find_allowed(api_client, "test", threading.Event()) == AllowedScopes(("test",), 1, guessed=True)
    assert find_allowed(api_client, "default", threading.Event()) == AllowedScopes((), 1, guessed=True)


def test_a_server_without_reviews_gets_no_guess(apiserver: ApiServer) -> None:
    api_client = client.ApiClient(apiserver.client_configuration())
    assert find_allowed(api_client, "test", threading.Event()) is None


async def test_a_refused_all_namespaces_names_the_allowed_ones_and_a_real_hint(rbac: ApiServer, tmp_path: Path) -> None:
    rbac.put(objects.canary("podinfo", "apps"))
    kubeconfig = rbac.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
    with Harness(kubeconfig, namespace=None) as harness:
        harness.wait_for(lambda s: s.allowed_scopes is not None, what="the allowed namespaces")
        state = harness.state
        asked = reviews(rbac)
        health_item = state.health["canaries"]
        assert health_item.state is Health.FORBIDDEN
        harness.wait_for(lambda s: len(rbac.requests(verb="list", path="/apis/flagger.app/v1beta1/canaries")) >= 2)
        assert reviews(rbac) == asked, "found once, not at every refusal"
    assert asked == len(NAMESPACES)
    app = OverviewApp(Fleet.single(state))
    async with app.run_test(size=(120, 40)) as pilot:
        note = app.screen.query_one("#overview-note")
        await settle(pilot, lambda: "try -n apps" in str(note.render()), "the allowed namespaces")
        text = " ".join(str(note.render()).split())
        assert "You may not list Canaries in every namespace" in text
        assert "You may list them in apps, mail, pay, search, shop and 2 more: try -n apps." in text


async def test_one_forbidden_context_leaves_the_others_whole(rbac: ApiServer, tmp_path: Path) -> None:
    with ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5) as west:
        seed(west, 30)
        kubeconfig = str(one_kubeconfig(tmp_path / "kubeconfig", {"east": rbac.url, "west": west.url}))
        with AllNamespaces(kubeconfig, ("east", "west")) as w:
            w.wait_for(lambda f: f.state_of("east").allowed_scopes is not None, "east's allowed namespaces")
            w.wait_for(lambda f: weight(f, "west") == 30, "west's canary")
            west.wait_for_watches(CANARIES)
            west.patch_status(CANARIES, "examiner", "test", {"canaryWeight": 40})
            w.wait_for(lambda f: weight(f, "west") == 40, "west updating")
            assert health(w.sink.fleet, "east", "canaries") is Health.FORBIDDEN
            assert health(w.sink.fleet, "west", "canaries") is Health.CONNECTED
            assert w.sink.fleet.state_of("west").allowed_scopes is None
            fleet = w.sink.fleet
        assert not west.internal_errors
    app = OverviewApp(fleet)
    async with app.run_test(size=(120, 40)) as pilot:
        note = app.screen.query_one("#overview-note")
        await settle(pilot, lambda: "try -n apps" in str(note.render()), "east's allowed namespaces")
        assert str(note.render()).startswith(
            "east: Canaries refused in every namespace; try -n apps "
            "(allowed in apps, mail, pay, search, shop and 2 more)"
        )
        table = app.screen.query_one(CanaryTable)
        assert table.display and len(table) == 1, "west's canary is listed"


class AllNamespaces(Watching):
    """Watching with -A in every context."""

    def __init__(self, kubeconfig: str, contexts: tuple[str, ...]) -> None:
        super().__init__(kubeconfig, contexts)
        self.source.stop()
        members = {}
        for context in contexts:
            connection = connect(kubeconfig, context)
            target = ClusterTarget(kubeconfig, context, None, None)
            members[context] = ClusterSource(connection, target, OPTIONS)
        self.source = FleetSource(members, "all namespaces")


def test_the_sentence_names_five_and_counts_the_rest() -> None:
    assert allowed_text(AllowedScopes(("apps",), 3)) == "You may list them in apps: try -n apps."
    assert allowed_text(AllowedScopes(("a", "b"), 3)) == "You may list them in a and b: try -n a."
    many = AllowedScopes(tuple("abcdefg"), 100, more=True)
    assert (
        allowed_text(many) == "You may list them in a, b, c, d, e and 2 more (of the first 100 namespaces): try -n a."
    )
    assert "none of the 9 namespaces allows it" in allowed_text(AllowedScopes((), 9))
    assert "namespaces may not be listed" in allowed_text(AllowedScopes((), 1, guessed=True))
