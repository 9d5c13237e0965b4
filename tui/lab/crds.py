"""CustomResourceDefinitions the lab installs: Flagger's, SMI TrafficSplit, Gateway API (standard channel) and,
for the istio provider, Istio's VirtualService and DestinationRule.

Flagger's, Gateway API's and Istio's manifests are read from their Go modules (downloaded and checksum-verified by
`go mod download`), so they match the pinned releases exactly. No module ships the SMI TrafficSplit CRD,
so that one is defined here: a permissive schema, served at every version Flagger's SMI routers use.
"""

from __future__ import annotations

import time
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


# The Istio kinds Flagger's istio router writes (the module's manifest has 15 CRDs, about 1 MB).
ISTIO_CRD_NAMES = ("virtualservices.networking.istio.io", "destinationrules.networking.istio.io")


def istio_crds() -> list[dict[str, Any]]:
    root = binaries.module_dir("istio.io/api", binaries.ISTIO_API_VERSION)
    docs = crds_in([root / "kubernetes" / "customresourcedefinitions.gen.yaml"])
    return [d for d in docs if d["metadata"]["name"] in ISTIO_CRD_NAMES]


def lab_crds(providers: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Flagger's, SMI's and Gateway API's CRDs always; Istio's when ``providers`` include istio (NGINX needs
    only Ingress, which Kubernetes serves)."""
    extra = istio_crds() if "istio" in providers else []
    return [*flagger_crds(), traffic_split_crd(), *gateway_api_crds(), *extra]


def install_crds(api_client: Any, docs: list[dict[str, Any]], timeout: float = 60.0) -> None:
    """Create (or replace) ``docs`` and wait until the API server reports every one Established."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    api = client.ApiextensionsV1Api(api_client)
    for doc in docs:
        name = doc["metadata"]["name"]
        try:
            api.create_custom_resource_definition(doc)
        except ApiException as exc:
            if exc.status != 409:
                raise RuntimeError(f"installing CRD {name}: {exc.status} {exc.reason}") from exc
            current = api.read_custom_resource_definition(name)
            doc = {**doc, "metadata": {**doc["metadata"], "resourceVersion": current.metadata.resource_version}}
            api.replace_custom_resource_definition(name, doc)

    wanted = {d["metadata"]["name"] for d in docs}
    deadline = time.monotonic() + timeout
    while True:
        established = {
            crd.metadata.name
            for crd in api.list_custom_resource_definition().items
            if any(c.type == "Established" and c.status == "True" for c in (crd.status.conditions or []))
        }
        if wanted <= established:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"CRDs not established after {timeout:.0f}s: {sorted(wanted - established)}")
        time.sleep(0.3)
