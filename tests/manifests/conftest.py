"""Session fixtures: pinned tools, generated schemas and every rendered object of the demo cluster."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from . import schemas
from .render import (
    MANIFESTS,
    Obj,
    Release,
    build_variant,
    helm_chart_template,
    helm_template,
    load_all,
    local_chart_releases,
)
from .tools import MODULES, ToolUnavailable, _locked, cache_root, module_dir, tool_path


def _tool(name: str) -> Path:
    try:
        return tool_path(name)
    except ToolUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def helm() -> Path:
    return _tool("helm")


@pytest.fixture(scope="session")
def kustomize() -> Path:
    return _tool("kustomize")


@pytest.fixture(scope="session")
def kubeconform() -> Path:
    return _tool("kubeconform")


@pytest.fixture(scope="session")
def layers(kustomize: Path) -> dict[str, list[Obj]]:
    """Flux path -> objects Flux applies from it (the Linkerd cluster, manifests/bootstrap)."""
    return build_variant(kustomize, "linkerd")


@pytest.fixture(scope="session")
def istio_layers(kustomize: Path) -> dict[str, list[Obj]]:
    """The same for the Istio variant (manifests/bootstrap-istio)."""
    return build_variant(kustomize, "istio")


def _releases(layers: dict[str, list[Obj]]) -> dict[str, Release]:
    found = [r for objs in layers.values() for r in local_chart_releases(objs)]
    return {r.name: r for r in found}


@pytest.fixture(scope="session")
def releases(layers: dict[str, list[Obj]]) -> dict[str, Release]:
    """HelmReleases of the local chart, by release name (examiner, logger)."""
    return _releases(layers)


@pytest.fixture(scope="session")
def istio_releases(istio_layers: dict[str, list[Obj]]) -> dict[str, Release]:
    return _releases(istio_layers)


# Chart variants rendered for validation: (label, release, --set overrides). Together they switch on every
# optional template and both routers.
CHART_VARIANTS: list[tuple[str, str, list[str]]] = [
    ("examiner as committed", "examiner", []),
    ("examiner canary gatewayapi", "examiner", ["canary.enabled=true"]),
    (
        "examiner canary smi + HPA + both gates",
        "examiner",
        [
            "canary.enabled=true",
            "canary.router=smi",
            "autoscaling.enabled=true",
            "canary.loadtester.gates.confirmPromotion=true",
        ],
    ),
    ("examiner canary without loadtester", "examiner", ["canary.enabled=true", "canary.loadtester.enabled=false"]),
    ("logger as committed", "logger", []),
]


# The same for the Istio variant's releases: its examiner has canary.router istio.
ISTIO_CHART_VARIANTS: list[tuple[str, str, list[str]]] = [
    ("examiner istio as committed", "examiner", []),
    ("examiner canary istio", "examiner", ["canary.enabled=true"]),
    (
        "examiner canary istio + HPA + both gates",
        "examiner",
        ["canary.enabled=true", "autoscaling.enabled=true", "canary.loadtester.gates.confirmPromotion=true"],
    ),
    ("logger istio as committed", "logger", []),
]


@pytest.fixture(scope="session")
def chart_renders(helm: Path, releases: dict[str, Release]) -> dict[str, list[Obj]]:
    return {label: helm_template(helm, releases[name], sets) for label, name, sets in CHART_VARIANTS}


@pytest.fixture(scope="session")
def istio_chart_renders(helm: Path, istio_releases: dict[str, Release]) -> dict[str, list[Obj]]:
    return {label: helm_template(helm, istio_releases[name], sets) for label, name, sets in ISTIO_CHART_VARIANTS}


@pytest.fixture(scope="session")
def flagger_render(helm: Path, layers: dict[str, list[Obj]]) -> list[Obj]:
    """Flagger's own chart (shipped in its Go module) rendered with the values of the flagger HelmRelease."""
    return _flagger_render(helm, layers)


@pytest.fixture(scope="session")
def istio_flagger_render(helm: Path, istio_layers: dict[str, list[Obj]]) -> list[Obj]:
    return _flagger_render(helm, istio_layers)


def _flagger_render(helm: Path, layers: dict[str, list[Obj]]) -> list[Obj]:
    release = next(
        o for o in layers["infrastructure-layer-1"] if o["kind"] == "HelmRelease" and o["metadata"]["name"] == "flagger"
    )
    chart_dir = module_dir("flagger") / "charts" / "flagger"
    pinned = release["spec"]["chart"]["spec"]["version"]
    shipped = yaml.safe_load((chart_dir / "Chart.yaml").read_text())["version"]
    assert pinned == shipped, f"flagger HelmRelease pins {pinned}, tests render {shipped}: update tools.MODULES"
    return helm_chart_template(
        helm, chart_dir, release["spec"]["releaseName"], release["metadata"]["namespace"], release["spec"]["values"]
    )


@pytest.fixture(scope="session")
def identity_objects() -> list[Obj]:
    """What manifests/scripts/linkerd-identity.sh prints (needs openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    script = MANIFESTS / "scripts" / "linkerd-identity.sh"
    out = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60, check=True).stdout
    return load_all(out)


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """kubeconform schemas for Kubernetes 1.37 built-ins and every CRD the demo uses, generated once per pin set."""
    key = hashlib.sha256(json.dumps([schemas.GENERATOR_VERSION, MODULES], sort_keys=True).encode()).hexdigest()[:16]
    out = cache_root() / "schemas" / key
    done = out / ".complete"
    if done.exists():
        return out
    try:
        kube = module_dir("kubernetes")
        crd_files = [
            *sorted((module_dir("source-controller") / "config/crd/bases").glob("*.yaml")),
            *sorted((module_dir("kustomize-controller") / "config/crd/bases").glob("*.yaml")),
            *sorted((module_dir("helm-controller") / "config/crd/bases").glob("*.yaml")),
            module_dir("flagger") / "artifacts/flagger/crd.yaml",
            *sorted((module_dir("prometheus-operator") / "example/prometheus-operator-crd").glob("*.yaml")),
            *sorted((module_dir("gateway-api") / "config/crd/standard").glob("gateway.networking.k8s.io_*.yaml")),
            module_dir("istio-api") / "kubernetes/customresourcedefinitions.gen.yaml",
        ]
    except ToolUnavailable as exc:
        pytest.skip(str(exc))
    with _locked(f"schemas-{key}"):
        if not done.exists():
            shutil.rmtree(out, ignore_errors=True)
            definitions = schemas.kubernetes_definitions(kube / "api/openapi-spec/v3")
            schemas.write_kubernetes_schemas(definitions, out)
            schemas.write_crd_schemas(schemas.crd_documents(crd_files), definitions, out)
            done.write_text("ok\n")
    return out
