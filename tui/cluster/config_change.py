"""`C` on a cluster: which ConfigMap of the target to change, and the change.

Flagger tracks the data of every ConfigMap and Secret a target's pod template references (config_tracker.go), so a
new value in one is a new revision although the template stays the same. canaryscope writes a new `ECHO_VALUE`
into the ConfigMap the first container reads `ECHO_VALUE` from (configMapKeyRef: that key), else into the first one
it reads whole (envFrom, then volumes, where a new key becomes a new variable or file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ECHO_KEY = "ECHO_VALUE"
# Flagger leaves an object out of its tracking when this annotation starts with "disable" (config_tracker.go:50).
TRACKING_ANNOTATION = "flagger.app/config-tracking"


@dataclass(frozen=True)
class ConfigTarget:
    name: str  # the ConfigMap
    key: str  # the data key to set
    how: str  # how the pod template reads it, for the messages


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def config_target(deployment: dict[str, Any]) -> ConfigTarget | None:
    """The ConfigMap `C` changes for this Deployment, or None when its pod template reads none."""
    spec = _dict(_dict(_dict(deployment.get("spec")).get("template")).get("spec"))
    containers = [_dict(c) for c in _list(spec.get("containers"))]
    first = containers[0] if containers else {}
    for env in _list(first.get("env")):
        ref = _dict(_dict(_dict(env).get("valueFrom")).get("configMapKeyRef"))
        if _dict(env).get("name") == ECHO_KEY and isinstance(ref.get("name"), str) and isinstance(ref.get("key"), str):
            return ConfigTarget(ref["name"], ref["key"], f"env {ECHO_KEY} from key {ref['key']}")
    for env_from in _list(first.get("envFrom")):
        name = _dict(_dict(env_from).get("configMapRef")).get("name")
        if isinstance(name, str) and name:
            return ConfigTarget(name, ECHO_KEY, "envFrom")
    for volume in _list(spec.get("volumes")):
        name = _dict(_dict(volume).get("configMap")).get("name")
        if isinstance(name, str) and name:
            return ConfigTarget(name, ECHO_KEY, f"volume {_dict(volume).get('name')}")
        for source in _list(_dict(_dict(volume).get("projected")).get("sources")):
            name = _dict(_dict(source).get("configMap")).get("name")
            if isinstance(name, str) and name:
                return ConfigTarget(name, ECHO_KEY, f"projected volume {_dict(volume).get('name')}")
    return None


def tracking_disabled(config_map: dict[str, Any]) -> bool:
    annotations = _dict(_dict(config_map.get("metadata")).get("annotations"))
    value = annotations.get(TRACKING_ANNOTATION)
    return isinstance(value, str) and value.startswith("disable")


def config_patch(target: ConfigTarget, value: str) -> dict[str, Any]:
    """A JSON merge patch: the one data key, every other one kept."""
    return {"data": {target.key: value}}
