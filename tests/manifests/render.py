"""Everything the demo cluster applies, rendered offline: kustomize builds of each Flux path and the local chart
rendered with the values of the HelmReleases that install it."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .tools import run

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "manifests"
CHART = MANIFESTS / "charts" / "examiner"
LAYERS = ("infrastructure-layer-1", "infrastructure-layer-2", "apps")
# The cluster's variants by mesh: the `flux bootstrap --path` and the directory of the three layers it points at.
VARIANTS: dict[str, tuple[str, str]] = {
    "linkerd": ("bootstrap", "cluster"),
    "istio": ("bootstrap-istio", "cluster-istio"),
}
# Kubernetes version the chart is rendered for: that of the Kind node image in manifests/kind/config.yaml.
KUBE_VERSION = "1.37.0"

Obj = dict[str, Any]
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def load_all(text: str) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def kustomize_build(kustomize: Path, directory: Path) -> list[Obj]:
    return load_all(run([kustomize, "build", directory]))


def build_bootstrap(kustomize: Path, directory: Path = MANIFESTS / "bootstrap") -> list[Obj]:
    """The bootstrap path has no kustomization.yaml (`flux bootstrap` adds flux-system/ there and Flux generates
    one over all files); build it the same way."""
    files = sorted(p for p in directory.glob("*.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            shutil.copy(path, Path(tmp) / path.name)
        resources = "\n".join(f"  - {p.name}" for p in files)
        (Path(tmp) / "kustomization.yaml").write_text(
            f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{resources}\n"
        )
        return kustomize_build(kustomize, Path(tmp))


def build_variant(kustomize: Path, variant: str) -> dict[str, list[Obj]]:
    """Flux path -> objects Flux applies from it, for one variant of the cluster ("bootstrap" and each layer)."""
    bootstrap, cluster = VARIANTS[variant]
    built = {"bootstrap": build_bootstrap(kustomize, MANIFESTS / bootstrap)}
    for layer in LAYERS:
        built[layer] = kustomize_build(kustomize, MANIFESTS / cluster / layer)
    return built


@dataclass(frozen=True)
class Release:
    """A HelmRelease of the local chart: what Flux would pass to Helm."""

    name: str
    namespace: str
    values: Obj = field(default_factory=dict)


def local_chart_releases(objects: list[Obj]) -> list[Release]:
    releases = []
    for obj in objects:
        if obj.get("kind") != "HelmRelease":
            continue
        chart = obj["spec"]["chart"]["spec"]
        if chart["sourceRef"]["kind"] == "GitRepository" and chart["chart"] == "./manifests/charts/examiner":
            meta = obj["metadata"]
            releases.append(
                Release(obj["spec"].get("releaseName", meta["name"]), meta["namespace"], obj["spec"].get("values", {}))
            )
    return releases


def helm_chart_template(
    helm: Path, chart: Path, name: str, namespace: str, values: Obj, overrides: list[str] = ()
) -> list[Obj]:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as values_file:
        yaml.safe_dump(values, values_file, allow_unicode=True)
        values_file.flush()
        args: list[str | Path] = [helm, "template", name, chart, "--namespace", namespace]
        args += ["--kube-version", KUBE_VERSION, "--values", values_file.name]
        for override in overrides:
            args += ["--set", override]
        objects = load_all(run(args))
    # Helm's template output leaves the release namespace implicit (`helm install -n` fills it in); cluster-scoped
    # kinds get none.
    for obj in objects:
        if obj["kind"] not in CLUSTER_SCOPED:
            obj.setdefault("metadata", {}).setdefault("namespace", namespace)
    return objects


def helm_template(helm: Path, release: Release, overrides: list[str] = ()) -> list[Obj]:
    """The local chart as Flux would install it for this release."""
    return helm_chart_template(helm, CHART, release.name, release.namespace, release.values, overrides)


def find(objects: list[Obj], kind: str, name: str, namespace: str | None = None) -> Obj:
    matches = [
        o
        for o in objects
        if o.get("kind") == kind
        and o["metadata"]["name"] == name
        and (namespace is None or o["metadata"].get("namespace") == namespace)
    ]
    assert len(matches) == 1, f"expected one {kind} {namespace}/{name}, found {len(matches)}"
    return matches[0]
