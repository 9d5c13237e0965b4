"""Pinned command-line tools and Go module sources for the manifest tests.

Tools are built once with `go install` from their Go modules (through the Go module proxy) into
~/.cache/canaryscope/tools/<tool>-<version>/ (override the root with CANARYSCOPE_CACHE), so later runs start at once.
Module sources (CRDs, the Kubernetes OpenAPI spec) come from `go mod download` into Go's module cache.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class ToolUnavailable(RuntimeError):
    """Raised when a tool cannot be provided here (no Go toolchain); tests skip with this message."""


@dataclass(frozen=True)
class GoTool:
    name: str
    package: str
    version: str


# Versions are pinned; each builds with the Go 1.26 toolchain of the project's machines.
TOOLS: dict[str, GoTool] = {
    tool.name: tool
    for tool in (
        GoTool("helm", "helm.sh/helm/v3/cmd/helm", "v3.22.0"),
        GoTool("kustomize", "sigs.k8s.io/kustomize/kustomize/v5", "v5.8.2"),
        GoTool("kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform", "v0.8.0"),
    )
}

# Go modules whose files the tests read: the Kubernetes OpenAPI spec and the CRDs of every custom kind used.
MODULES: dict[str, tuple[str, str]] = {
    # Kubernetes 1.37, the version of kind v0.33.0's default node image
    "kubernetes": ("k8s.io/kubernetes", "v1.37.2"),
    # the controllers of Flux v2.9.5
    "source-controller": ("github.com/fluxcd/source-controller", "v1.9.5"),
    "kustomize-controller": ("github.com/fluxcd/kustomize-controller", "v1.9.5"),
    "helm-controller": ("github.com/fluxcd/helm-controller", "v1.6.4"),
    "flagger": ("github.com/fluxcd/flagger", "v1.44.0"),
    # the operator of kube-prometheus-stack 88.5.3
    "prometheus-operator": ("github.com/prometheus-operator/prometheus-operator", "v0.93.1"),
    "gateway-api": ("sigs.k8s.io/gateway-api", "v1.6.3"),
    # Istio's CRDs (VirtualService, DestinationRule, Gateway, ...) of the release the Istio variant installs
    "istio-api": ("istio.io/api", "v1.32.0"),
}


def cache_root() -> Path:
    return Path(os.environ.get("CANARYSCOPE_CACHE", Path.home() / ".cache" / "canaryscope"))


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise ToolUnavailable("the Go toolchain is not installed (needed to build helm, kustomize and kubeconform)")
    return go


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-mod=mod")
    return env


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """Serialise builds across processes (parallel test runs) so a tool is built only once."""
    lock_dir = cache_root() / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tool_path(name: str) -> Path:
    """Path of the pinned tool binary, building it on first use."""
    tool = TOOLS[name]
    target_dir = cache_root() / "tools" / f"{tool.name}-{tool.version}"
    binary = target_dir / tool.name
    if binary.is_file():
        return binary
    go = _go()
    with _locked(f"tool-{tool.name}-{tool.version}"):
        if binary.is_file():
            return binary
        staging = target_dir.with_name(target_dir.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        env = _go_env() | {"GOBIN": str(staging)}
        result = subprocess.run(
            [go, "install", f"{tool.package}@{tool.version}"], env=env, capture_output=True, text=True, timeout=1800
        )
        if result.returncode != 0:
            raise RuntimeError(f"go install {tool.package}@{tool.version} failed:\n{result.stderr[-4000:]}")
        shutil.rmtree(target_dir, ignore_errors=True)
        staging.rename(target_dir)
    return binary


def module_dir(key: str) -> Path:
    """Directory of a pinned Go module's source tree in Go's module cache, downloading it on first use."""
    path, version = MODULES[key]
    go = _go()
    cache_root().mkdir(parents=True, exist_ok=True)
    with _locked(f"module-{key}-{version}"):
        result = subprocess.run(
            [go, "mod", "download", "-json", f"{path}@{version}"],
            env=_go_env(),
            capture_output=True,
            text=True,
            timeout=1800,
            cwd=cache_root(),
        )
    info = json.loads(result.stdout or "{}")
    if result.returncode != 0 or "Dir" not in info:
        raise RuntimeError(f"go mod download {path}@{version} failed: {info.get('Error') or result.stderr[-2000:]}")
    return Path(info["Dir"])


def run(args: list[str | Path], *, stdin: str | None = None, cwd: Path | None = None) -> str:
    """Run a tool; a non-zero exit raises with the tool's stderr so a failing test says why."""
    result = subprocess.run([str(a) for a in args], input=stdin, capture_output=True, text=True, timeout=600, cwd=cwd)
    if result.returncode != 0:
        cmd = " ".join(str(a) for a in args)
        raise AssertionError(f"{cmd} exited {result.returncode}:\n{result.stderr[-4000:]}{result.stdout[-2000:]}")
    return result.stdout
