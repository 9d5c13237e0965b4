"""The Python pins and the committed Go wrapper module agree (no Go toolchain or network needed)."""

from __future__ import annotations

import re

from tui.lab import binaries


def _gomod() -> str:
    return (binaries.GOBUILD_DIR / "go.mod").read_text()


def _required(gomod: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\S+) (v\S+)(?: // indirect)?$", gomod, flags=re.M))


def test_pinned_versions_match_go_mod() -> None:
    required = _required(_gomod())
    assert required["k8s.io/kubernetes"] == binaries.KUBERNETES_VERSION
    assert required["go.etcd.io/etcd/server/v3"] == binaries.ETCD_VERSION
    assert required["sigs.k8s.io/kwok"] == binaries.KWOK_VERSION
    assert required["github.com/fluxcd/flagger"] == binaries.FLAGGER_VERSION


def test_staging_modules_replaced_by_matching_release() -> None:
    gomod = _gomod()
    replaces = dict(re.findall(r"^\s+(k8s\.io/\S+) => \1 (v\S+)$", gomod, flags=re.M))
    staging_tag = "v0." + binaries.KUBERNETES_VERSION.removeprefix("v1.")
    assert len(replaces) >= 30
    assert set(replaces.values()) == {staging_tag}
    # Every k8s.io module still at the v0.0.0 placeholder must be resolved by a replace directive.
    placeholders = {m for m, v in _required(gomod).items() if v == "v0.0.0"}
    assert placeholders <= set(replaces)


def test_every_binary_is_a_tool_of_the_wrapper_module() -> None:
    block = re.search(r"^tool \((.*?)^\)", _gomod(), flags=re.M | re.S)
    assert block is not None
    assert set(block.group(1).split()) == set(binaries.PACKAGES.values())


def test_ldflags_stamp_the_kubernetes_version() -> None:
    flags = binaries.version_ldflags()
    assert f"version.gitVersion={binaries.KUBERNETES_VERSION}" in flags
    assert "version.gitMajor=1 " in flags
    assert f"version.gitMinor={binaries.KUBERNETES_VERSION.split('.')[1]} " in flags


def test_crd_only_modules_are_pinned_to_releases_outside_the_build() -> None:
    # Only their manifests are read (go mod download of an exact version), so they must not enter the build key.
    required = _required(_gomod())
    for module, version in (
        ("sigs.k8s.io/gateway-api", binaries.GATEWAY_API_VERSION),
        ("istio.io/api", binaries.ISTIO_API_VERSION),
    ):
        assert re.fullmatch(r"v\d+\.\d+\.\d+", version), (module, version)
        assert module not in required
    assert binaries.pinned_versions()["istio-api"] == binaries.ISTIO_API_VERSION
