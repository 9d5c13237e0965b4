"""Which API groups and versions the server actually serves; nothing is hard-coded to one version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.cluster.api_paths import PathCall
from tui.cluster.http import get_json

# Preference order when several versions are served.
PREFERENCES: dict[str, tuple[str, ...]] = {
    "flagger.app": ("v1beta1",),
    "split.smi-spec.io": ("v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"),
    "gateway.networking.k8s.io": ("v1", "v1beta1"),
    "helm.toolkit.fluxcd.io": ("v2", "v2beta2", "v2beta1"),
}


@dataclass(frozen=True)
class ServedGroups:
    groups: dict[str, tuple[str, ...]]
    preferred: dict[str, str]

    def version(self, group: str) -> str | None:
        """The version to use for `group`: our preference among those served, else the server's preferred."""
        served = self.groups.get(group)
        if not served:
            return None
        for candidate in PREFERENCES.get(group, ()):
            if candidate in served:
                return candidate
        return self.preferred.get(group) or served[0]


def parse_groups(document: dict[str, Any]) -> ServedGroups:
    groups: dict[str, tuple[str, ...]] = {}
    preferred: dict[str, str] = {}
    for group in document.get("groups") or []:
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            continue
        versions = tuple(
            v["version"]
            for v in group.get("versions") or []
            if isinstance(v, dict) and isinstance(v.get("version"), str)
        )
        groups[group["name"]] = versions
        pref = group.get("preferredVersion")
        if isinstance(pref, dict) and isinstance(pref.get("version"), str):
            preferred[group["name"]] = pref["version"]
    return ServedGroups(groups, preferred)


def discover(api_client: Any) -> ServedGroups:
    return parse_groups(get_json(PathCall(api_client, "/apis/"), _request_timeout=(5, 20)))
