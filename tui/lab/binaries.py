"""Build and cache the lab's Go binaries from the pinned wrapper module in ./gobuild.

Nothing is downloaded except Go modules through the configured module proxy. Binaries land in
``${CANARYSCOPE_CACHE:-~/.cache/canaryscope}/lab/<key>/bin`` where ``key`` changes whenever the pins,
go.sum, the link flags or the Go toolchain change, so a warm call is a few stat() calls.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GOBUILD_DIR = Path(__file__).resolve().parent / "gobuild"

KUBERNETES_VERSION = "v1.36.3"
ETCD_VERSION = "v3.6.8"
KWOK_VERSION = "v0.8.0"
FLAGGER_VERSION = "v1.44.0"
# Not part of the build graph (only its CRD manifests are used); v1.7.0 needs Go 1.27.
GATEWAY_API_VERSION = "v1.6.3"
# Likewise only for its CRD manifest (kubernetes/customresourcedefinitions.gen.yaml): Istio's API release.
ISTIO_API_VERSION = "v1.32.0"

# name -> Go main package; built in this order (the small ones first so failures show early).
PACKAGES: dict[str, str] = {
    "etcd": "go.etcd.io/etcd/server/v3",
    "kwok": "sigs.k8s.io/kwok/cmd/kwok",
    "flagger": "github.com/fluxcd/flagger/cmd/flagger",
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
    "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
}

# Flagger's loadtester (pkg/loadtester of the pinned Flagger module) with a main that listens on loopback only
# (gobuild/loadtester/main.go). Cached under a key of its own, so adding it never relinks the binaries above.
LOADTESTER = "loadtester"
LOADTESTER_PACKAGE = "./loadtester"


def pinned_versions() -> dict[str, str]:
    return {
        "kubernetes": KUBERNETES_VERSION,
        "etcd": ETCD_VERSION,
        "kwok": KWOK_VERSION,
        "flagger": FLAGGER_VERSION,
        "gateway-api": GATEWAY_API_VERSION,
        "istio-api": ISTIO_API_VERSION,
    }


_GO_FALLBACKS = ("/usr/local/go/bin/go", "/usr/lib/go/bin/go")


class GoUnavailableError(RuntimeError):
    """No usable Go toolchain was found."""


class BuildError(RuntimeError):
    """A `go` command failed; the message carries its last output lines."""


def find_go() -> str | None:
    """Path of the go command: $GO, then PATH, then the usual install locations."""
    candidates = [os.environ.get("GO", ""), shutil.which("go") or "", *_GO_FALLBACKS]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def cache_root_default() -> Path:
    env = os.environ.get("CANARYSCOPE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "canaryscope"


def version_ldflags() -> str:
    # Without these the API server reports v0.0.0-master, which Flagger's semver check rejects.
    major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
    pkg = "k8s.io/component-base/version"
    parts = [
        "-s",
        "-w",
        f"-X {pkg}.gitVersion={KUBERNETES_VERSION}",
        f"-X {pkg}.gitMajor={major}",
        f"-X {pkg}.gitMinor={minor}",
        f"-X {pkg}.gitTreeState=clean",
        f"-X {pkg}.buildDate=1970-01-01T00:00:00Z",
    ]
    return " ".join(parts)


def _go_env(go: str, in_module: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["CGO_ENABLED"] = "0"
    # Identical bytes for identical pins, wherever the checkout lives.
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -buildvcs=false").strip()
    if in_module:
        # The pinned go.mod must never be rewritten by a build.
        env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -mod=readonly").strip()
    # A newer toolchain must never be fetched behind the user's back.
    env.setdefault("GOTOOLCHAIN", "local")
    env["PATH"] = str(Path(go).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run_go(go: str, args: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [go, *args],
        cwd=cwd or GOBUILD_DIR,
        env=_go_env(go, in_module=cwd is None),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise BuildError(f"go {' '.join(args[:2])} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout


def go_version(go: str) -> str:
    return _run_go(go, ["env", "GOVERSION"]).strip()


def build_key(go: str) -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum"):
        digest.update((GOBUILD_DIR / name).read_bytes())
    digest.update(version_ldflags().encode())
    digest.update(json.dumps(PACKAGES, sort_keys=True).encode())
    digest.update(go_version(go).encode())
    return f"k8s-{KUBERNETES_VERSION}-{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class BuildReport:
    bin_dir: Path
    built: tuple[str, ...]
    seconds: float


def _build(go: str, package: str, target: Path) -> None:
    """Build one main package of the wrapper module into ``target`` (atomically); BuildError with go's own words."""
    tmp = target.parent / f".{target.name}.tmp"
    # -p 2: the reference machines have two cores; more only adds memory pressure.
    try:
        _run_go(go, ["build", "-p", "2", "-trimpath", "-ldflags", version_ldflags(), "-o", str(tmp), package])
    except BuildError as exc:
        # The first line is what a one-line report shows (`canaryscope lab up`): it carries go's first error.
        lines = str(exc).splitlines()[1:]
        first = next((line.strip() for line in lines if line.strip()), "no output")
        raise BuildError(f"building {target.name} ({package}) failed: {first}\n" + "\n".join(lines)) from None
    tmp.replace(target)


def loadtester_key(go: str) -> str:
    digest = hashlib.sha256()
    for path in (GOBUILD_DIR / "go.mod", GOBUILD_DIR / "go.sum", GOBUILD_DIR / "loadtester" / "main.go"):
        digest.update(path.read_bytes())
    digest.update(version_ldflags().encode())
    digest.update(go_version(go).encode())
    return f"loadtester-flagger-{FLAGGER_VERSION}-{digest.hexdigest()[:12]}"


def ensure_loadtester(cache_root: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Path of the lab's loadtester binary, built on first use (a few seconds once Flagger's packages are built)."""
    go = find_go()
    if go is None:
        raise GoUnavailableError("go not found (set $GO or install Go >= 1.26 at /usr/local/go)")
    bin_dir = (cache_root or cache_root_default()) / "lab" / loadtester_key(go) / "bin"
    path = bin_dir / LOADTESTER
    if path.is_file():
        return path
    bin_dir.mkdir(parents=True, exist_ok=True)
    with open(bin_dir.parent / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            started = time.monotonic()
            _build(go, LOADTESTER_PACKAGE, path)
            log(f"lab: built {LOADTESTER} (Flagger {FLAGGER_VERSION}) in {time.monotonic() - started:.0f}s")
    return path


def ensure_binaries(
    cache_root: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Path]:
    """Return name -> path for every lab binary, building the missing ones first."""
    return ensure_binaries_report(cache_root, log)[0]


def ensure_binaries_report(
    cache_root: Path | None = None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, Path], BuildReport]:
    go = find_go()
    if go is None:
        raise GoUnavailableError("go not found (set $GO or install Go >= 1.26 at /usr/local/go)")
    bin_dir = (cache_root or cache_root_default()) / "lab" / build_key(go) / "bin"
    paths = {name: bin_dir / name for name in PACKAGES}
    if all(p.is_file() for p in paths.values()):
        return paths, BuildReport(bin_dir, (), 0.0)

    bin_dir.mkdir(parents=True, exist_ok=True)
    # One builder at a time per key: a second caller waits, then finds everything built.
    with open(bin_dir.parent / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [name for name, p in paths.items() if not p.is_file()]
        started = time.monotonic()
        if missing:
            log(f"lab: building {', '.join(missing)} into {bin_dir} (cold builds take many minutes)")
            t = time.monotonic()
            _run_go(go, ["mod", "download"])
            log(f"lab: go mod download {time.monotonic() - t:.0f}s")
        for name in missing:
            t = time.monotonic()
            _build(go, PACKAGES[name], paths[name])
            log(f"lab: built {name} in {time.monotonic() - t:.0f}s")
        seconds = time.monotonic() - started
        if missing:
            log(f"lab: build finished in {seconds:.0f}s")
    return paths, BuildReport(bin_dir, tuple(missing), seconds)


def module_dir(module: str, version: str | None = None) -> Path:
    """Directory of a Go module in GOMODCACHE, downloading (and checksum-verifying) it if needed.

    Without ``version`` the module must be in the wrapper module's build list.
    """
    go = find_go()
    if go is None:
        raise GoUnavailableError("go not found (set $GO or install Go >= 1.26 at /usr/local/go)")
    target = f"{module}@{version}" if version else module
    # An explicit version is resolved outside the wrapper module (checked against the checksum database),
    # so the pinned go.sum is never touched.
    args = ["mod", "download", "-json", target]
    if version is None:
        out = _run_go(go, args)
    else:
        with tempfile.TemporaryDirectory(prefix="canaryscope-mod-") as outside:
            out = _run_go(go, args, cwd=Path(outside))
    info = json.loads(out)
    if info.get("Error") or not info.get("Dir"):
        raise BuildError(f"go mod download {target}: {info.get('Error', 'no directory')}")
    return Path(info["Dir"])


def main() -> int:
    """`python -m tui.lab.binaries`: build (or find) the lab binaries and print where they are."""
    import sys

    try:
        paths, report = ensure_binaries_report()
    except (GoUnavailableError, BuildError) as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    state = f"built {len(report.built)} in {report.seconds:.0f}s" if report.built else "all cached"
    print(f"lab: binaries in {report.bin_dir} ({state})")
    for name, path in paths.items():
        print(f"  {name:<24}{path}")
    try:
        print(f"  {LOADTESTER:<24}{ensure_loadtester()}")
    except BuildError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
