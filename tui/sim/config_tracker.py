"""Flagger's ConfigMap/Secret tracking (pkg/canary/config_tracker.go, v1.44) against the simulated store.

The ConfigMaps and Secrets the target's pod template references are tracked by a checksum of their `data`
(status.trackedConfigs, `configmap/<name>` / `secret/<name>` to 16 hex digits); a changed checksum is a new revision
like a changed template. Promotion copies each tracked object to `<name>-primary` and points the primary's pod
template at the copies.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tui.sim.store import ObjectStore

DISABLE_ANNOTATION = "flagger.app/config-tracking"  # a value starting with "disable" opts an object out (50, 72-74)
TRACKED_SECRET_TYPES = frozenset(
    {"Opaque", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls"}
)  # config_tracker.go:104-110
PRIMARY_SUFFIX = "-primary"


@dataclass(frozen=True)
class ChangeConfigMap:
    """A simulation step: a new value in the ConfigMap the target's pod template reads, and nothing else."""


def checksum(data: dict[str, Any] | None) -> str:
    """sha256 of Go's json.Marshal of `data` (sorted keys, HTML-escaped), first 8 bytes as hex (65-70)."""
    text = json.dumps(data or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _refs(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, name) of every ConfigMap and Secret the pod spec references, in Flagger's scan order (125-237)."""
    spec = template.get("spec") or {}
    refs: list[tuple[str, str]] = []
    for volume in spec.get("volumes") or []:
        if (volume.get("configMap") or {}).get("name"):
            refs.append(("configmap", volume["configMap"]["name"]))
        if (volume.get("secret") or {}).get("secretName"):
            refs.append(("secret", volume["secret"]["secretName"]))
        for source in (volume.get("projected") or {}).get("sources") or []:
            if (source.get("configMap") or {}).get("name"):
                refs.append(("configmap", source["configMap"]["name"]))
            if (source.get("secret") or {}).get("name"):
                refs.append(("secret", source["secret"]["name"]))
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        for env in container.get("env") or []:
            value_from = env.get("valueFrom") or {}
            if (value_from.get("configMapKeyRef") or {}).get("name"):
                refs.append(("configmap", value_from["configMapKeyRef"]["name"]))
            if (value_from.get("secretKeyRef") or {}).get("name"):
                refs.append(("secret", value_from["secretKeyRef"]["name"]))
        for env_from in container.get("envFrom") or []:
            if (env_from.get("configMapRef") or {}).get("name"):
                refs.append(("configmap", env_from["configMapRef"]["name"]))
            if (env_from.get("secretRef") or {}).get("name"):
                refs.append(("secret", env_from["secretRef"]["name"]))
    return refs


_KINDS = {"configmap": "ConfigMap", "secret": "Secret"}


def _tracked(obj: dict[str, Any], kind: str) -> bool:
    annotation = ((obj.get("metadata") or {}).get("annotations") or {}).get(DISABLE_ANNOTATION, "")
    if annotation.startswith("disable"):
        return False
    return kind != "secret" or (obj.get("type") or "Opaque") in TRACKED_SECRET_TYPES


def target_configs(store: ObjectStore, namespace: str, template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`configmap/<name>` -> the object, for every tracked object the template references and the store holds."""
    configs: dict[str, dict[str, Any]] = {}
    for kind, name in _refs(template):
        obj = store.get(_KINDS[kind], namespace, name)
        if obj is not None and _tracked(obj, kind):
            configs[f"{kind}/{name}"] = obj
    return configs


def tracked_configs(store: ObjectStore, namespace: str, template: dict[str, Any]) -> dict[str, str] | None:
    """status.trackedConfigs as SyncStatus writes it (None, i.e. left out, when nothing is tracked)."""
    configs = target_configs(store, namespace, template)
    return {key: checksum(obj.get("data")) for key, obj in configs.items()} or None


def has_config_changed(store: ObjectStore, namespace: str, template: dict[str, Any], tracked: Any) -> bool:
    """HasConfigChanged (263-292): configs but none tracked, another number of them, or any checksum differs."""
    current = tracked_configs(store, namespace, template) or {}
    if not current:
        return False
    if not isinstance(tracked, dict) or len(tracked) != len(current):
        return True
    return any(tracked.get(key) != value for key, value in current.items())


def copy_to_primary(store: ObjectStore, namespace: str, template: dict[str, Any]) -> None:
    """Create or update `<name>-primary` for each tracked object with the same data (and type for Secrets)."""
    for key, obj in target_configs(store, namespace, template).items():
        kind = _KINDS[key.split("/", 1)[0]]
        name = obj["metadata"]["name"] + PRIMARY_SUFFIX
        existing = store.get(kind, namespace, name)
        if existing is None:
            copied: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": kind,
                "metadata": {"name": name, "namespace": namespace},
                "data": copy.deepcopy(obj.get("data") or {}),
            }
            if kind == "Secret":
                copied["type"] = obj.get("type") or "Opaque"
            store.create(copied)
        elif existing.get("data") != obj.get("data"):
            store.patch(kind, namespace, name, {"data": None})
            store.patch(kind, namespace, name, {"data": copy.deepcopy(obj.get("data") or {})})


def primary_template(store: ObjectStore, namespace: str, template: dict[str, Any]) -> dict[str, Any]:
    """The primary's pod template: references to tracked objects renamed to their `-primary` copies (414-523)."""
    tracked = set(target_configs(store, namespace, template))
    result = copy.deepcopy(template)

    def rename(ref: dict[str, Any] | None, kind: str, field: str = "name") -> None:
        if ref and f"{kind}/{ref.get(field)}" in tracked:
            ref[field] = ref[field] + PRIMARY_SUFFIX

    spec = result.get("spec") or {}
    for volume in spec.get("volumes") or []:
        rename(volume.get("configMap"), "configmap")
        rename(volume.get("secret"), "secret", "secretName")
        for source in (volume.get("projected") or {}).get("sources") or []:
            rename(source.get("configMap"), "configmap")
            rename(source.get("secret"), "secret")
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        for env in container.get("env") or []:
            rename((env.get("valueFrom") or {}).get("configMapKeyRef"), "configmap")
            rename((env.get("valueFrom") or {}).get("secretKeyRef"), "secret")
        for env_from in container.get("envFrom") or []:
            rename(env_from.get("configMapRef"), "configmap")
            rename(env_from.get("secretRef"), "secret")
    return result


def resolved_env(store: ObjectStore, namespace: str, template: dict[str, Any]) -> dict[str, str]:
    """The first container's env as its pods see it: literal values, and configMapKeyRef values from the store."""
    containers = (template.get("spec") or {}).get("containers") or []
    env: dict[str, str] = {}
    for item in (containers[0].get("env") or []) if containers else []:
        name, ref = item.get("name"), (item.get("valueFrom") or {}).get("configMapKeyRef")
        if isinstance(item.get("value"), str):
            env[name] = item["value"]
        elif ref:
            data = (store.get("ConfigMap", namespace, ref.get("name", "")) or {}).get("data") or {}
            if isinstance(data.get(ref.get("key")), str):
                env[name] = data[ref["key"]]
    return env
