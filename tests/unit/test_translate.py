"""The one translation from Kubernetes object changes to observations, kind by kind and change by change.

The objects come from where the sources get them: the simulation's own store (its Canary, Deployment and
TrafficSplit as the simulated Flagger writes them) and the cluster tests' schema-valid objects."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests import router_objects as ro
from tests.cluster import objects
from tests.simkit import simulation
from tui.domain.model import CanaryKey
from tui.domain.observations import (
    CanariesListed,
    CanaryDeleted,
    CanaryObserved,
    ConfigDeleted,
    ConfigObserved,
    ConfigsListed,
    DeploymentDeleted,
    DeploymentObserved,
    DeploymentsListed,
    EventObserved,
    RouterDeleted,
    RouterObserved,
    RoutersListed,
)
from tui.kube.parse import parse_canary, parse_configmap, parse_deployment, parse_router
from tui.kube.translate import KINDS, Translator

T = 1772625600.0


def translator(namespace: str | None = None, canary: str | None = None) -> Translator:
    return Translator(lambda: T, namespace, canary)


@pytest.fixture(scope="module")
def store_objects() -> dict[str, dict[str, Any]]:
    """One object of each kind from a simulation that ran a while: Flagger has made its TrafficSplit."""
    sim = simulation("seed")
    sim.advance(120)
    found = {kind: sim.store.list(kind) for kind in ("Canary", "Deployment", "TrafficSplit")}
    assert all(found.values()), f"the simulation's store lacks a kind: {found}"
    return {kind: copy.deepcopy(items[0]) for kind, items in found.items()}


def configmap(name: str = "examiner", echo: str = "hello") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "test"},
        "data": {"ECHO_VALUE": echo, "SERVER_ERROR_RATE": "0", "REQUEST_DELAY": "100..250"},
    }


def httproute(primary: int = 67, canary: int = 33) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "examiner", "namespace": "test"},
        "spec": {
            "rules": [
                {
                    "backendRefs": [
                        {"name": "examiner-primary", "port": 80, "weight": primary},
                        {"name": "examiner-canary", "port": 80, "weight": canary},
                    ]
                }
            ]
        },
    }


def event(
    count: int, *, name: str = "examiner", namespace: str = "test", last: str = "2026-03-04T12:00:30Z"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{name}.17a", "namespace": namespace, "uid": f"uid-{namespace}-{name}"},
        "involvedObject": {"kind": "Canary", "name": name, "namespace": namespace},
        "type": "Normal",
        "reason": "Synced",
        "message": f"Advance {name}.{namespace} canary weight 10",
        "count": count,
        "firstTimestamp": "2026-03-04T12:00:00Z",
        "lastTimestamp": last,
    }


# --- object kinds: one observation per change ----------------------------------------------------------------


@pytest.mark.parametrize("change", ["ADDED", "MODIFIED"])
def test_a_canary_added_or_modified_is_observed_at_the_translators_time(
    store_objects: dict[str, dict[str, Any]], change: str
) -> None:
    obj = store_objects["Canary"]
    assert translator().changed(change, obj) == [CanaryObserved(parse_canary(obj), T)]  # type: ignore[arg-type]


def test_a_deleted_canary_is_gone_by_its_key(store_objects: dict[str, dict[str, Any]]) -> None:
    obj = store_objects["Canary"]
    key = CanaryKey(obj["metadata"]["namespace"], obj["metadata"]["name"])
    assert translator().changed("DELETED", obj) == [CanaryDeleted(key, T)]


@pytest.mark.parametrize("change", ["ADDED", "MODIFIED"])
def test_a_deployment_added_or_modified_is_observed(store_objects: dict[str, dict[str, Any]], change: str) -> None:
    obj = store_objects["Deployment"]
    (observed,) = translator().changed(change, obj)
    assert observed == DeploymentObserved(parse_deployment(obj))  # type: ignore[arg-type]
    assert observed.info.echo_value is not None, "the simulation's pod template env is read"


def test_a_deleted_deployment_is_gone_by_namespace_and_name(store_objects: dict[str, dict[str, Any]]) -> None:
    obj = store_objects["Deployment"]
    meta = obj["metadata"]
    assert translator().changed("DELETED", obj) == [DeploymentDeleted(meta["namespace"], meta["name"])]


@pytest.mark.parametrize("change", ["ADDED", "MODIFIED"])
def test_a_trafficsplit_added_or_modified_gives_its_weights(
    store_objects: dict[str, dict[str, Any]], change: str
) -> None:
    obj = store_objects["TrafficSplit"]
    (observed,) = translator().changed(change, obj)
    assert observed == RouterObserved(parse_router(obj))  # type: ignore[arg-type]
    assert observed.info.kind == "TrafficSplit" and observed.info.primary_weight is not None


def test_a_deleted_trafficsplit_is_gone(store_objects: dict[str, dict[str, Any]]) -> None:
    obj = store_objects["TrafficSplit"]
    meta = obj["metadata"]
    assert translator().changed("DELETED", obj) == [RouterDeleted(meta["namespace"], meta["name"])]


@pytest.mark.parametrize("change", ["ADDED", "MODIFIED"])
def test_an_httproute_added_or_modified_gives_the_weights_of_its_rule(change: str) -> None:
    (observed,) = translator().changed(change, httproute(67, 33))
    assert isinstance(observed, RouterObserved)
    assert (observed.info.kind, observed.info.primary_weight, observed.info.canary_weight) == ("HTTPRoute", 67, 33)


def test_a_deleted_httproute_is_gone() -> None:
    assert translator().changed("DELETED", httproute()) == [RouterDeleted("test", "examiner")]


@pytest.mark.parametrize("change", ["ADDED", "MODIFIED"])
def test_a_configmap_added_or_modified_keeps_its_revision_keys(change: str) -> None:
    (observed,) = translator().changed(change, configmap(echo="new value"))
    assert observed == ConfigObserved(parse_configmap(configmap(echo="new value")))  # type: ignore[arg-type]
    assert dict(observed.config.values) == {"ECHO_VALUE": "new value", "SERVER_ERROR_RATE": "0"}


def test_a_deleted_configmap_is_gone() -> None:
    assert translator().changed("DELETED", configmap()) == [ConfigDeleted("test", "examiner")]


@pytest.mark.parametrize("kind", ["Canary", "Deployment", "TrafficSplit", "HTTPRoute", "ConfigMap"])
@pytest.mark.parametrize("change", ["ADDED", "MODIFIED", "DELETED"])
def test_an_object_without_namespace_or_name_says_nothing(kind: str, change: str) -> None:
    assert translator().changed(change, {"kind": kind, "metadata": {"name": "examiner"}}) == []
    assert translator().changed(change, {"kind": kind, "metadata": "nonsense"}) == []


# --- full lists ----------------------------------------------------------------------------------------------


def test_a_canary_list_replaces_the_scope_at_the_translators_time() -> None:
    items = [objects.canary("examiner"), objects.canary("podinfo"), {"metadata": {}}]
    listed = translator(namespace="test").listed("Canary", items)
    infos = tuple(parse_canary(item) for item in items[:2])
    assert listed == [CanariesListed(infos, "test", T)]  # type: ignore[arg-type]


def test_a_deployment_list_names_its_scope() -> None:
    items = [objects.deployment("examiner"), objects.deployment("examiner-primary")]
    (listed,) = translator(namespace=None).listed("Deployment", items)
    assert listed == DeploymentsListed(tuple(parse_deployment(i) for i in items), None)  # type: ignore[arg-type]


def test_a_configmap_list_names_its_scope() -> None:
    (listed,) = translator(namespace="test").listed("ConfigMap", [configmap("examiner"), configmap("examiner-primary")])
    assert isinstance(listed, ConfigsListed)
    assert [c.name for c in listed.items] == ["examiner", "examiner-primary"] and listed.namespace == "test"


@pytest.mark.parametrize("kind", ["TrafficSplit", "HTTPRoute"])
def test_a_router_list_names_its_kind_even_when_the_items_do_not(kind: str) -> None:
    item = objects.traffic_split(primary=70, canary_weight=30) if kind == "TrafficSplit" else httproute(70, 30)
    del item["kind"]  # list items come without their kind
    (listed,) = translator(namespace="test").listed(kind, [item])
    assert isinstance(listed, RoutersListed) and listed.kind == kind and listed.namespace == "test"
    (router,) = listed.items
    assert (router.kind, router.primary_weight, router.canary_weight) == (kind, 70, 30)


# --- Kubernetes Events -----------------------------------------------------------------------------------------


def test_an_event_added_is_each_occurrence_first_seen() -> None:
    got = translator(namespace="test").changed("ADDED", event(2))
    assert [type(o) for o in got] == [EventObserved, EventObserved], "first and latest of a repeated Event"
    assert [o.event.t for o in got] == [T, T + 30]  # type: ignore[attr-defined]
    assert all(o.event.source == "events" for o in got)  # type: ignore[attr-defined]


def test_an_event_modified_reports_only_its_new_occurrence_and_a_repeat_nothing() -> None:
    events = translator(namespace="test")
    events.changed("ADDED", event(1))
    (again,) = events.changed("MODIFIED", event(2, last="2026-03-04T12:01:00Z"))
    assert again.event.t == T + 60  # type: ignore[attr-defined]
    assert events.changed("MODIFIED", event(2, last="2026-03-04T12:01:00Z")) == []


def test_an_event_deleted_says_nothing_new() -> None:
    assert translator().changed("DELETED", event(1)) == []


def test_an_event_list_is_each_event_added() -> None:
    got = translator(namespace="test").listed("Event", [event(1), event(1, name="podinfo")])
    assert [o.event.name for o in got] == ["examiner", "podinfo"]  # type: ignore[attr-defined]


def test_events_outside_the_scope_or_about_another_canary_are_left_out() -> None:
    elsewhere = event(1, namespace="other")
    assert translator(namespace="test").changed("ADDED", elsewhere) == []
    assert len(translator(namespace=None).changed("ADDED", elsewhere)) == 1, "all namespaces: every Event"
    other = event(1, name="podinfo")
    assert translator(namespace="test", canary="examiner").changed("ADDED", other) == []
    assert len(translator(namespace="test", canary="examiner").changed("ADDED", event(1))) == 1


# --- dispatch ----------------------------------------------------------------------------------------------------


def test_the_kind_named_by_the_watch_wins_over_a_missing_or_odd_one() -> None:
    obj = objects.canary()
    del obj["kind"]
    assert translator().changed("ADDED", obj) == [], "no kind to go by"
    assert [type(o) for o in translator().changed("ADDED", obj, "Canary")] == [CanaryObserved]
    assert translator().changed("ADDED", {**objects.canary(), "kind": ["Canary"]}) == []


def test_kinds_without_an_entry_say_nothing() -> None:
    assert "Pod" not in KINDS
    assert translator().changed("ADDED", objects.pod("logger-1")) == []
    assert translator().listed("Pod", [objects.pod("logger-1")]) == []


def test_the_simulation_translates_its_store_changes_the_same_way() -> None:
    sim = simulation("seed")
    sim.drain()
    canary = copy.deepcopy(sim.store.list("Canary")[0])
    sim.set_suspend(CanaryKey(canary["metadata"]["namespace"], canary["metadata"]["name"]), True)
    (observed,) = [o for o in sim.drain() if isinstance(o, CanaryObserved)]
    now = sim.now
    expected = Translator(lambda: now).changed("MODIFIED", sim.store.list("Canary")[0])
    assert [observed] == expected and observed.info.suspend


def _bare(obj: dict[str, Any]) -> dict[str, Any]:
    """A list's item: it carries neither kind nor apiVersion."""
    item = copy.deepcopy(obj)
    del item["kind"], item["apiVersion"]
    return item


def test_every_router_kind_is_listed_under_its_qualified_name() -> None:
    [vs] = translator("test").listed("VirtualService.networking.istio.io", [_bare(ro.virtual_service())])
    assert isinstance(vs, RoutersListed) and vs.kind == "VirtualService"
    assert [(r.family, r.canary_weight) for r in vs.items] == [("istio", 20)]
    [mesh] = translator("test").listed("VirtualService.appmesh.k8s.aws", [_bare(ro.appmesh_virtual_service())])
    assert [(r.family, r.name) for r in mesh.items] == [("appmesh", "podinfo.test")]  # type: ignore[attr-defined]
    # Only Flagger's canary Ingresses are routers; the user's own are not.
    plain = _bare(ro.canary_ingress({"kubernetes.io/ingress.class": "nginx"}, "web"))
    [ingresses] = translator("test").listed("Ingress.networking.k8s.io", [plain, _bare(ro.nginx_ingress())])
    assert [r.name for r in ingresses.items] == ["podinfo-canary"]  # type: ignore[attr-defined]
    # A cluster-scoped kind's list covers every namespace.
    [kuma] = translator("test").listed("TrafficRoute.kuma.io", [_bare(ro.traffic_route())])
    assert kuma.namespace is None and [r.namespace for r in kuma.items] == [""]  # type: ignore[attr-defined]


def test_a_watched_router_change_is_translated_by_its_kind() -> None:
    [observed] = translator("test").changed("MODIFIED", ro.http_route(0, 100, ab=True))
    assert isinstance(observed, RouterObserved) and observed.info.matches
    [deleted] = translator("test").changed("DELETED", ro.nginx_ingress(), "Ingress.networking.k8s.io")
    assert deleted == RouterDeleted("test", "podinfo-canary")
