"""CustomResourceDefinitions the lab installs: Flagger's, SMI TrafficSplit and Gateway API (standard channel).

Flagger's and Gateway API's manifests are read from their Go modules (downloaded and checksum-verified by
`go mod download`), so they match the pinned releases exactly. No module ships the SMI TrafficSplit CRD,
so that one is defined here: a permissive schema, served at every version Flagger's SMI routers use.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from tui.lab import binaries

CRD_KIND = "CustomResourceDefinition"


def _permissive_version(name: str, storage: bool) -> dict[str, Any]:
    return {
        "name": name,
        "served": True,
        "storage": storage,
        "schema": {
            "openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        },
        "additionalPrinterColumns": [
            {"name": "Service", "type": "string", "jsonPath": ".spec.service"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        ],
    }


def traffic_split_crd() -> dict[str, Any]:
    # v1alpha1 is what Flagger's linkerd provider writes; v1alpha2/3 are for the smi:v1alpha2/3 providers.
    # Without a conversion webhook the API server only rewrites apiVersion, which these schemas allow.
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": CRD_KIND,
        "metadata": {"name": "trafficsplits.split.smi-spec.io"},
        "spec": {
            "group": "split.smi-spec.io",
            "scope": "Namespaced",
            "names": {
                "kind": "TrafficSplit",
                "listKind": "TrafficSplitList",
                "plural": "trafficsplits",
                "singular": "trafficsplit",
                "shortNames": ["ts"],
            },
            "versions": [
                _permissive_version("v1alpha1", storage=True),
                _permissive_version("v1alpha2", storage=False),
                _permissive_version("v1alpha3", storage=False),
            ],
        },
    }


def crds_in(paths: Iterable[Path]) -> list[dict[str, Any]]:
    out = []
    for path in sorted(paths):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == CRD_KIND:
                out.append(doc)
    return out


def flagger_crds() -> list[dict[str, Any]]:
    return crds_in([binaries.module_dir("github.com/fluxcd/flagger") / "artifacts" / "flagger" / "crd.yaml"])


def gateway_api_crds() -> list[dict[str, Any]]:
    root = binaries.module_dir("sigs.k8s.io/gateway-api", binaries.GATEWAY_API_VERSION)
    return crds_in((root / "config" / "crd" / "standard").glob("*.yaml"))


def lab_crds() -> list[dict[str, Any]]:
    return [*flagger_crds(), traffic_split_crd(), *gateway_api_crds()]
