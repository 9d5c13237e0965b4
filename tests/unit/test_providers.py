"""Provider names resolve to the router Flagger picks for them, and the effective provider follows Flagger's rule."""

from __future__ import annotations

import pytest

from tui.domain.flagger.providers import effective_provider, router_family
from tui.domain.model import CanaryInfo, CanaryKey, FlaggerSettings
from tui.domain.observations import CanaryObserved, FlaggerSettingsObserved
from tui.domain.reducer import reduce
from tui.domain.state import AppState


@pytest.mark.parametrize(
    ("name", "family", "unknown"),
    [
        ("linkerd", "smi", False),
        ("osm", "smi", False),
        ("smi:v1alpha3:istio", "smi", False),
        ("istio", "istio", False),
        ("gatewayapi:v1", "gatewayapi", False),
        ("gatewayapi:v1beta1", "gatewayapi", False),
        ("gloo:v1", "gloo", False),
        ("appmesh:v1beta2", "appmesh", False),
        ("nginx", "nginx", False),
        ("kubernetes", "kubernetes", False),
        # Flagger falls back to Istio for names it does not know, versionless gatewayapi and smi included.
        ("gatewayapi", "istio", True),
        ("smi", "istio", True),
        ("envoy", "istio", True),
    ],
)
def test_router_family_follows_flaggers_factory(name: str, family: str, unknown: bool) -> None:
    resolved = router_family(name)
    assert (resolved.family, resolved.unknown) == (family, unknown)


def test_the_canarys_own_provider_wins_over_flaggers_flag() -> None:
    assert effective_provider("nginx", "istio") == "nginx"
    assert effective_provider(None, "linkerd") == "linkerd"
    assert effective_provider("", "linkerd") == "linkerd"
    assert effective_provider(None, None) is None


def test_state_resolves_a_canarys_provider_once_flaggers_settings_are_known() -> None:
    key = CanaryKey("apps", "podinfo")
    state = reduce(AppState(), CanaryObserved(CanaryInfo(key=key, target="podinfo"), 1.0))
    view = state.canaries[key]
    assert state.provider_for(view) is None
    settings = FlaggerSettings(mesh_provider="gatewayapi:v1", found_in="flagger-system/flagger")
    state = reduce(state, FlaggerSettingsObserved(settings))
    assert state.provider_for(state.canaries[key]) == "gatewayapi:v1"
    assert reduce(state, FlaggerSettingsObserved(settings)) is state
