"""The traffic panel for each provider: it names the provider and the router object, shows the split and the A/B
match rules, says why weights are unknown, and that `kubernetes` has no router."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.app import App, ComposeResult

from tests import router_objects as ro
from tui.domain.model import CanaryInfo, CanaryKey, Health, SourceHealth
from tui.domain.observations import CanaryObserved, CanarySelected, HealthObserved, Observation, RouterObserved
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_router
from widgets.traffic_panel import TrafficPanel

KEY = CanaryKey(ro.NS, ro.APEX)
NOW = 1_772_625_600.0


def state(*objs: dict[str, Any], watched: tuple[str, ...] = (), weight: int = 20, **canary: Any) -> AppState:
    info = CanaryInfo(KEY, ro.APEX, phase="Progressing", canary_weight=weight, **canary)
    observations: list[Observation] = [CanaryObserved(info, NOW), CanarySelected(KEY)]
    observations += [RouterObserved(r) for r in map(parse_router, objs) if r is not None]
    observations += [HealthObserved(SourceHealth(source, Health.CONNECTED)) for source in watched]
    return reduce_all(AppState(now=NOW), observations)


def malformed() -> dict[str, Any]:
    obj = ro.virtual_service()
    obj["spec"]["http"][0]["route"][1]["weight"] = "twenty"
    return obj


CASES: dict[str, AppState] = {
    "istio": state(ro.virtual_service(80, 20), provider="istio"),
    "gatewayapi-ab": state(ro.http_route(0, 100, ab=True), provider="gatewayapi:v1", weight=100),
    "nginx": state(ro.nginx_ingress(20, ingress="web"), provider="nginx", ingress_ref="web"),
    "kubernetes": state(provider="kubernetes", weight=0),
    "malformed": state(malformed(), provider="istio"),
    "istio-not-installed": state(provider="istio", watched=("httproutes", "ingresses")),
}


class PanelApp(App[None]):
    CSS = "TrafficPanel { width: 58; height: 8; }"

    def __init__(self, shown: AppState) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        yield TrafficPanel(id="traffic")

    def on_mount(self) -> None:
        # After the first layout: the panel fits its lines to the width it was given.
        self.call_after_refresh(self.query_one(TrafficPanel).show, self.shown)


@pytest.mark.parametrize("case", list(CASES))
def test_traffic_panel_per_provider(snap_compare, case: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(PanelApp(CASES[case]), terminal_size=(60, 8))


def text(shown: AppState, width: int = 80, *, compact: bool = False) -> str:
    """What the panel says (its lines, as plain text), rendered in a panel `width` cells wide."""
    lines: list[str] = []

    async def run() -> None:
        app = PanelApp(shown)
        async with app.run_test(size=(width + 2, 10)) as pilot:
            panel = app.query_one(TrafficPanel)
            panel.styles.width = width
            panel.set_compact(compact)
            await pilot.pause()
            lines.append(panel.render_state(shown).plain)

    asyncio.run(run())
    return lines[0]


def test_the_router_line_names_provider_object_and_weights() -> None:
    assert "router   istio VirtualService podinfo · 80 / 20" in text(CASES["istio"])
    assert "router   nginx Ingress web-canary · 80 / 20" in text(CASES["nginx"])


def test_ab_match_rules_are_shown() -> None:
    assert "match header x-canary=insider | cookie~.*canary.*" in text(CASES["gatewayapi-ab"])


def test_malformed_weights_are_unknown_with_the_reason() -> None:
    shown = text(CASES["malformed"])
    assert "· 80 / ?" in shown and "weight of podinfo-canary is not a number" in shown
    assert "≠" not in shown, "an unknown router weight differs from nothing"


def test_kubernetes_says_it_has_no_router() -> None:
    shown = text(CASES["kubernetes"])
    assert "none: provider kubernetes (blue/green)" in shown
    assert "all traffic to primary, except in promotion" in shown
    assert "none yet" not in shown


def test_a_router_kind_not_installed_is_named_not_awaited() -> None:
    shown = text(CASES["istio-not-installed"])
    assert "router   istio VirtualService not installed" in shown and "none yet" not in shown


def test_long_rules_are_cut_with_an_ellipsis() -> None:
    shown = text(CASES["gatewayapi-ab"], width=40)
    match_line = next(line for line in shown.splitlines() if "match" in line)
    assert match_line.endswith("…") and len(match_line) <= 38


def test_compact_names_the_kind_and_the_problem() -> None:
    assert "router   80 / ? (VirtualService: weight of podinfo-canary" in text(CASES["malformed"], compact=True)
