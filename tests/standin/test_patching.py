"""Patch semantics of the stand-in, checked directly against hand-written expectations."""

from __future__ import annotations

import pytest

from tests.standin.patching import PatchError, json_patch, merge_patch, strategic_merge_patch
from tests.standin.resources import DEPLOYMENT_SMP, SERVICE_SMP


def _deploy(containers: list[dict]) -> dict:
    return {"metadata": {"name": "d", "finalizers": ["a"]}, "spec": {"template": {"spec": {"containers": containers}}}}


def test_merge_patch_replaces_lists_and_deletes_with_null() -> None:
    doc = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert merge_patch(doc, {"a": {"c": [3], "b": None}, "e": {"f": 1}}) == {"a": {"c": [3]}, "d": 1, "e": {"f": 1}}
    assert doc == {"a": {"b": 1, "c": [1, 2]}, "d": 1}  # input untouched


def test_strategic_merge_merges_containers_env_and_ports_by_their_keys() -> None:
    doc = _deploy(
        [
            {
                "name": "app",
                "image": "a:1",
                "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
                "ports": [{"containerPort": 8080, "name": "http"}],
            },
            {"name": "proxy", "image": "p:1"},
        ]
    )
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "env": [{"name": "Y", "value": "3"}, {"name": "Z", "value": "4"}],
                            "ports": [{"containerPort": 9090, "name": "admin"}],
                        },
                        {"name": "new", "image": "n:1"},
                    ]
                }
            }
        }
    }
    out = strategic_merge_patch(doc, patch, DEPLOYMENT_SMP)
    app, proxy, new = out["spec"]["template"]["spec"]["containers"]
    assert app["image"] == "a:1"
    assert app["env"] == [{"name": "X", "value": "1"}, {"name": "Y", "value": "3"}, {"name": "Z", "value": "4"}]
    assert [p["containerPort"] for p in app["ports"]] == [8080, 9090]
    assert proxy == {"name": "proxy", "image": "p:1"} and new == {"name": "new", "image": "n:1"}


def test_strategic_merge_directives() -> None:
    doc = _deploy([{"name": "app", "image": "a:1"}, {"name": "proxy", "image": "p:1"}])
    deleted = strategic_merge_patch(
        doc, {"spec": {"template": {"spec": {"containers": [{"name": "proxy", "$patch": "delete"}]}}}}, DEPLOYMENT_SMP
    )
    assert [c["name"] for c in deleted["spec"]["template"]["spec"]["containers"]] == ["app"]
    replaced = strategic_merge_patch(
        doc,
        {"spec": {"template": {"spec": {"containers": [{"name": "solo", "image": "s"}, {"$patch": "replace"}]}}}},
        DEPLOYMENT_SMP,
    )
    assert replaced["spec"]["template"]["spec"]["containers"] == [{"name": "solo", "image": "s"}]
    ordered = strategic_merge_patch(
        doc,
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "proxy"}, {"name": "app"}],
                        "containers": [{"name": "app", "image": "a:2"}],
                    }
                }
            }
        },
        DEPLOYMENT_SMP,
    )
    assert [(c["name"], c["image"]) for c in ordered["spec"]["template"]["spec"]["containers"]] == [
        ("proxy", "p:1"),
        ("app", "a:2"),
    ]
    fin = strategic_merge_patch(doc, {"metadata": {"finalizers": ["b"]}}, DEPLOYMENT_SMP)
    assert fin["metadata"]["finalizers"] == ["a", "b"]  # primitive merge list: union
    fin = strategic_merge_patch(fin, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, DEPLOYMENT_SMP)
    assert fin["metadata"]["finalizers"] == ["b"]
    whole = strategic_merge_patch(doc, {"spec": {"$patch": "replace", "paused": True}}, DEPLOYMENT_SMP)
    assert whole["spec"] == {"paused": True}
    with pytest.raises(PatchError, match="merge key"):
        strategic_merge_patch(doc, {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}, DEPLOYMENT_SMP)


def test_strategic_merge_without_a_key_replaces_the_list() -> None:
    svc = {"spec": {"ports": [{"port": 80, "name": "http"}], "externalIPs": ["1.1.1.1"]}}
    out = strategic_merge_patch(
        svc, {"spec": {"ports": [{"port": 443, "name": "https"}], "externalIPs": ["2.2.2.2"]}}, SERVICE_SMP
    )
    assert [p["port"] for p in out["spec"]["ports"]] == [80, 443]
    assert out["spec"]["externalIPs"] == ["2.2.2.2"]


def test_json_patch_operations_and_failures() -> None:
    doc = {"spec": {"backends": [{"w": 0}, {"w": 100}]}, "a~b": {"c/d": 1}}
    out = json_patch(
        doc,
        [
            {"op": "replace", "path": "/spec/backends/0/w", "value": 10},
            {"op": "replace", "path": "/spec/backends/1/w", "value": 90},
            {"op": "add", "path": "/spec/backends/-", "value": {"w": 0}},
            {"op": "remove", "path": "/a~0b/c~1d"},
            {"op": "copy", "from": "/spec/backends/0", "path": "/first"},
            {"op": "move", "from": "/first", "path": "/moved"},
            {"op": "test", "path": "/moved/w", "value": 10},
        ],
    )
    assert out == {"spec": {"backends": [{"w": 10}, {"w": 90}, {"w": 0}]}, "a~b": {}, "moved": {"w": 10}}
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "test", "path": "/spec/backends/0/w", "value": 5}])
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "replace", "path": "/spec/missing", "value": 1}])
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "remove", "path": "/spec/backends/7"}])
