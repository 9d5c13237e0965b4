"""The peers the bench compares canaryscope with, built once from the Go module proxy and cached by version.

k9s is built from its own module (`go mod download github.com/derailed/k9s@VERSION`, then `go build` in a copy of
it, with its own go.sum); kubectl from k8s.io/kubernetes/cmd/kubectl at the lab's Kubernetes version, resolved
against a copy of the lab's pinned wrapper module (tui/lab/gobuild), so it shares the lab's module cache and build
cache. Binaries land in ``${CANARYSCOPE_CACHE:-~/.cache/canaryscope}/peers/<name>-<version>-<go>/``, outside
the checkout; a lock per binary keeps two runs from building it at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.lab import binaries

K9S_VERSION = "v0.50.16"
K9S_MODULE = "github.com/derailed/k9s"
KUBECTL_PACKAGE = "k8s.io/kubernetes/cmd/kubectl"


@dataclass(frozen=True)
class Built:
    """A peer's binary, or the exact reason there is none."""

    name: str
    version: str
    path: Path | None
    error: str = ""


def _go(go: str, args: list[str], cwd: Path) -> None:
    env = dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN=os.environ.get("GOTOOLCHAIN", "local"))
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false").strip()
    env["PATH"] = str(Path(go).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run([go, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise binaries.BuildError(f"go {' '.join(args[:2])} failed (exit {proc.returncode}):\n{tail}")


def _cached(
    name: str, version: str, build: Callable[[str, Path, Path], None], log: Callable[[str], None], root: Path | None
) -> Built:
    try:
        go = binaries.find_go()
        if go is None:
            raise binaries.GoUnavailableError("go not found (set $GO or install Go >= 1.26 at /usr/local/go)")
        toolchain = binaries.go_version(go)
        folder = (root or binaries.cache_root_default()) / "peers" / f"{name}-{version}-{toolchain}"
        path = folder / name
        if path.is_file():
            return Built(name, version, path)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / f"{name}-{version}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second run waits here, then finds the binary
            if not path.is_file():
                log(f"peers: building {name} {version} with {toolchain} into {folder} (minutes when cold)")
                started = time.monotonic()
                with tempfile.TemporaryDirectory(prefix=f"canaryscope-{name}-") as work:
                    tmp = folder / f".{name}.tmp"
                    build(go, Path(work), tmp)
                    tmp.replace(path)
                log(f"peers: built {name} in {time.monotonic() - started:.0f}s")
        return Built(name, version, path)
    except (binaries.BuildError, binaries.GoUnavailableError, OSError) as exc:
        return Built(name, version, None, str(exc).strip())


def _build_k9s(go: str, work: Path, out: Path) -> None:
    source = binaries.module_dir(K9S_MODULE, K9S_VERSION)
    tree = work / "k9s"
    shutil.copytree(source, tree)
    for folder, _, files in os.walk(tree):  # the module cache is read-only; go build writes nothing there, but
        os.chmod(folder, 0o755)  # the copy must be removable afterwards
        for f in files:
            os.chmod(Path(folder) / f, 0o644)
    flags = f"-s -w -X {K9S_MODULE}/cmd.version={K9S_VERSION}"
    _go(go, ["build", "-p", "2", "-trimpath", "-mod=readonly", "-ldflags", flags, "-o", str(out), "."], tree)


def _build_kubectl(go: str, work: Path, out: Path) -> None:
    # The lab's wrapper module pins k8s.io/kubernetes and maps its staging modules; kubectl needs a few modules
    # the lab's binaries do not, so a copy resolves them (-mod=mod) and the pinned go.sum is never touched.
    for name in ("go.mod", "go.sum"):
        shutil.copy(binaries.GOBUILD_DIR / name, work / name)
    args = ["build", "-p", "2", "-trimpath", "-mod=mod", "-ldflags", binaries.version_ldflags(), "-o", str(out)]
    _go(go, [*args, KUBECTL_PACKAGE], work)


def k9s(log: Callable[[str], None] = print, root: Path | None = None) -> Built:
    return _cached("k9s", K9S_VERSION, _build_k9s, log, root)


def kubectl(log: Callable[[str], None] = print, root: Path | None = None) -> Built:
    return _cached("kubectl", binaries.KUBERNETES_VERSION, _build_kubectl, log, root)
