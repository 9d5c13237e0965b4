"""A minimal API server: objects as dicts keyed by (kind, namespace, name), with resourceVersions and a
change feed. The simulated Flagger and workloads mutate objects only through it, as real controllers do."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Key = tuple[str, str, str]


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 JSON merge patch, in place; returns target."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


class ObjectStore:
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._objects: dict[Key, dict[str, Any]] = {}
        self._version = 0
        self._changes: list[tuple[str, dict[str, Any]]] = []

    @staticmethod
    def key_of(obj: dict[str, Any]) -> Key:
        meta = obj["metadata"]
        return obj["kind"], meta.get("namespace", ""), meta["name"]

    def _bump(self, obj: dict[str, Any]) -> None:
        self._version += 1
        obj["metadata"]["resourceVersion"] = str(self._version)

    def _record(self, change: str, obj: dict[str, Any]) -> None:
        self._changes.append((change, copy.deepcopy(obj)))

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        key = self.key_of(obj)
        if key in self._objects:
            raise KeyError(f"{key} already exists")
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        meta.setdefault("creationTimestamp", rfc3339(self._now()))
        meta.setdefault("uid", f"sim-{len(self._objects) + 1:06d}")
        meta["generation"] = 1
        self._bump(obj)
        self._objects[key] = obj
        self._record("ADDED", obj)
        return obj

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self._objects.get((kind, namespace, name))

    def patch(
        self, kind: str, namespace: str, name: str, patch: dict[str, Any], *, status: bool = False
    ) -> dict[str, Any]:
        """Merge-patch an object (spec changes bump generation; status=True patches only the status)."""
        obj = self._objects[(kind, namespace, name)]
        if status:
            merge_patch(obj.setdefault("status", {}), patch)
        else:
            before = copy.deepcopy(obj.get("spec"))
            merge_patch(obj, patch)
            if obj.get("spec") != before:
                obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
        self._bump(obj)
        self._record("MODIFIED", obj)
        return obj

    def replace_spec_field(self, kind: str, namespace: str, name: str, field: str, value: Any) -> dict[str, Any]:
        """Set spec[field] wholesale (a merge patch would keep keys the new value dropped)."""
        obj = self._objects[(kind, namespace, name)]
        if obj["spec"].get(field) == value:
            return obj
        obj["spec"][field] = copy.deepcopy(value)
        obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
        self._bump(obj)
        self._record("MODIFIED", obj)
        return obj

    def replace_spec(self, kind: str, namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        """An update that writes the whole spec, as a controller's Update of a copy does."""
        obj = self._objects[(kind, namespace, name)]
        if obj.get("spec") == spec:
            return obj
        obj["spec"] = copy.deepcopy(spec)
        obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
        self._bump(obj)
        self._record("MODIFIED", obj)
        return obj

    def replace_annotations(self, kind: str, namespace: str, name: str, annotations: dict[str, str]) -> dict[str, Any]:
        """Set metadata.annotations wholesale (metadata changes leave the generation alone)."""
        obj = self._objects[(kind, namespace, name)]
        if obj["metadata"].get("annotations") == annotations:
            return obj
        obj["metadata"]["annotations"] = dict(annotations)
        self._bump(obj)
        self._record("MODIFIED", obj)
        return obj

    def delete(self, kind: str, namespace: str, name: str) -> None:
        obj = self._objects.pop((kind, namespace, name), None)
        if obj is not None:
            self._bump(obj)
            self._record("DELETED", obj)

    def list(self, kind: str) -> list[dict[str, Any]]:
        return [obj for (k, _, _), obj in sorted(self._objects.items()) if k == kind]

    def drain(self) -> list[tuple[str, dict[str, Any]]]:
        changes, self._changes = self._changes, []
        return changes

    @property
    def resource_version(self) -> str:
        return str(self._version)
