"""The mixed-provider scale fleet: each canary names its provider and has the router Flagger writes for it, and the
cluster source, reading that fleet from the stand-in, resolves every canary to its own router."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cluster import MIXED_PROVIDERS, names, new_standin, populate, router_object
from tests.cluster.harness import Harness
from tui.kube.routers import parse_router


@pytest.mark.parametrize(
    ("provider", "kind", "family"),
    [("linkerd", "TrafficSplit", "smi"), ("istio", "VirtualService", "istio"), ("gatewayapi:v1", "HTTPRoute", None)],
)
def test_each_router_reads_as_flagger_writes_it(provider: str, kind: str, family: str | None) -> None:
    ref = names(1, 1)[0]
    router = parse_router(router_object(provider, ref))
    assert router is not None
    assert (router.kind, router.primary_weight, router.canary_weight, router.problem) == (kind, 100, 0, None)
    if family is not None:
        assert router.family == family


def test_kubernetes_has_no_router() -> None:
    assert router_object("kubernetes", names(1, 1)[0]) is None


def test_the_source_finds_each_canarys_router_in_a_mixed_fleet(tmp_path: Path) -> None:
    refs = names(8, 2)
    api = new_standin(mixed=True)
    try:
        populate(api, refs, mixed=True)
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", namespace=refs[0].namespace)
        with Harness(kubeconfig, namespace=None) as h:
            h.wait_for(
                lambda s: (
                    len(s.canaries) == len(refs) and sum(s.router_for(v) is not None for v in s.canaries.values()) == 6
                ),
                timeout=30,
                what="every canary with a router resolved to it",
            )
            state = h.state
    finally:
        api.stop()
    providers = {str(key): state.provider_for(view) for key, view in state.canaries.items()}
    assert sorted(set(providers.values())) == sorted(MIXED_PROVIDERS)
    kinds = {state.router_for(v).kind for v in state.canaries.values() if state.router_for(v) is not None}
    assert kinds == {"TrafficSplit", "VirtualService", "HTTPRoute"}
