"""The metrics panel says where its values come from when it has none: the canary's MetricTemplates when those
define its checks, and per role the reason a value is missing (Prometheus's state, or what was asked)."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult

from tui.domain import metric_notes
from tui.domain.model import (
    Analysis,
    CanaryInfo,
    CanaryKey,
    FlaggerSettings,
    Health,
    MetricSample,
    SourceHealth,
)
from tui.domain.observations import (
    CanaryObserved,
    CanarySelected,
    ClockTick,
    FlaggerSettingsObserved,
    HealthObserved,
    MetricsObserved,
    Observation,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary
from widgets.metrics_panel import MetricsPanel

NOW = 1_000_000.0
BUILTIN = Analysis(success_rate_min=99.0, duration_max_ms=500.0, metric_interval_s=60.0)
TEMPLATES = Analysis(custom_metrics=("error-rate", "latency-p95"))
CONNECTED = HealthObserved(SourceHealth("prometheus", Health.CONNECTED, "http://prometheus:9090"))


def state_of(info: CanaryInfo, *more: Observation) -> AppState:
    return reduce_all(
        AppState(),
        [ClockTick(NOW), CanaryObserved(info, NOW - 600), CanarySelected(info.key), *more],
    )


def canary(name: str, provider: str | None, analysis: Analysis = BUILTIN, kind: str = "Deployment") -> CanaryInfo:
    return CanaryInfo(CanaryKey("apps", name), target=name, target_kind=kind, provider=provider, analysis=analysis)


def empty(namespace: str, *deployments: str) -> MetricsObserved:
    """What the poller emits when Prometheus answered nothing for these deployments."""
    return MetricsObserved(tuple(MetricSample(namespace, d, NOW - 2, None, None, None) for d in deployments))


def test_a_canary_without_builtin_checks_names_its_templates_and_queries() -> None:
    info = parse_canary(
        {
            "metadata": {"namespace": "apps", "name": "podinfo"},
            "spec": {
                "provider": "gatewayapi:v1",
                "targetRef": {"kind": "Deployment", "name": "podinfo"},
                "analysis": {
                    "metrics": [
                        {"name": "error-rate", "templateRef": {"name": "error-rate"}, "thresholdRange": {"max": 1}},
                        {"name": "latency", "query": "histogram_quantile(0.99, ...)"},
                    ]
                },
            },
        }
    )
    assert info is not None and not info.analysis.builtin_checks
    state = state_of(info)
    note = metric_notes.templates_note(state, state.canaries[info.key])
    assert note == "the canary's MetricTemplates and inline queries define its checks (error-rate, latency)"
    builtin = state_of(canary("podinfo", "istio"))
    assert metric_notes.templates_note(builtin, builtin.canaries[CanaryKey("apps", "podinfo")]) is None


def test_a_canary_whose_only_custom_checks_are_inline_queries_does_not_speak_of_templates() -> None:
    info = parse_canary(
        {
            "metadata": {"namespace": "apps", "name": "podinfo"},
            "spec": {
                "provider": "linkerd",
                "targetRef": {"kind": "Deployment", "name": "podinfo"},
                "analysis": {"metrics": [{"name": "latency", "query": "sum(x)", "thresholdRange": {"max": 0.8}}]},
            },
        }
    )
    assert info is not None
    state = state_of(info)
    note = metric_notes.templates_note(state, state.canaries[info.key])
    assert note == "the canary's inline queries define its checks (latency)"


def test_a_provider_whose_builtins_cannot_split_primary_and_canary_names_its_templates() -> None:
    state = state_of(canary("agent", "linkerd", kind="DaemonSet"))
    note = metric_notes.templates_note(state, state.canaries[CanaryKey("apps", "agent")])
    assert note is not None and "DaemonSet" in note


def test_no_data_reasons_follow_prometheus_and_the_canarys_observer() -> None:
    info = canary("podinfo", "istio")
    key = info.key

    def reason(state: AppState, role: str) -> str:
        view = state.canaries[key]
        deployment = "podinfo-primary" if role == "primary" else "podinfo"
        return metric_notes.no_data_reason(state, view, role, state.series("apps", deployment))

    off = state_of(info, HealthObserved(SourceHealth("prometheus", Health.DISABLED, "no --prometheus given")))
    assert reason(off, "canary") == "no --prometheus given"
    down = state_of(info, HealthObserved(SourceHealth("prometheus", Health.UNREACHABLE, "refused")))
    assert reason(down, "canary") == "Prometheus unreachable"
    answered_nothing = state_of(info, CONNECTED, empty("apps", "podinfo", "podinfo-primary"))
    assert reason(answered_nothing, "primary") == "no istio_requests_total for podinfo-primary over 1m"
    idle = state_of(info, CONNECTED, MetricsObserved((MetricSample("apps", "podinfo", NOW - 2, None, 0.0, None),)))
    assert reason(idle, "canary") == "no requests to podinfo"
    unknown = state_of(canary("podinfo", None), CONNECTED, empty("apps", "podinfo"))
    assert reason(unknown, "canary").startswith("provider unknown; no response_total")
    # Flagger's flag decides once it is known: gatewayapi canaries are measured by the app's own histogram.
    flagged = reduce_all(unknown, [FlaggerSettingsObserved(FlaggerSettings(mesh_provider="gatewayapi:v1"))])
    view = flagged.canaries[key]
    text = metric_notes.no_data_reason(flagged, view, "canary", flagged.series("apps", "podinfo"))
    assert text == "no http_request_duration_seconds_count for podinfo over 1m"


class PanelsApp(App[None]):
    """Three metrics panels, each fed its own state."""

    def __init__(self, states: list[AppState]) -> None:
        super().__init__()
        self.states = states

    def compose(self) -> ComposeResult:
        for i in range(len(self.states)):
            yield MetricsPanel(id=f"m{i}")

    def on_mount(self) -> None:
        for i, state in enumerate(self.states):
            self.query_one(f"#m{i}", MetricsPanel).show(state)


def panel_states() -> list[AppState]:
    templates = state_of(canary("checkout", "gatewayapi:v1", TEMPLATES), CONNECTED)
    primary_only = [
        MetricsObserved(
            (
                MetricSample("apps", "podinfo-primary", NOW - t, 99.5 + (t % 3) / 10, 42.0, 180.0 + t % 40),
                MetricSample("apps", "podinfo", NOW - t, None, None, None),
            )
        )
        for t in range(297, 1, -5)
    ]
    istio = state_of(canary("podinfo", "istio"), CONNECTED, *primary_only)
    nginx = state_of(
        replace(canary("frontend", "nginx"), ingress_ref="web"),
        HealthObserved(SourceHealth("prometheus", Health.DISABLED, "no --prometheus given")),
    )
    return [templates, istio, nginx]


def test_panels_show_templates_and_no_data_reasons(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(PanelsApp(panel_states()), terminal_size=(100, 18))


async def test_the_reasons_are_in_the_panel_itself() -> None:
    app = PanelsApp(panel_states())
    async with app.run_test(size=(100, 18)) as pilot:
        await pilot.pause()
        texts = [str(app.query_one(f"#m{i}", MetricsPanel).render()) for i in range(3)]
    assert texts[0] == "the canary's MetricTemplates define its checks (error-rate, latency-p95)"
    assert "no data · no istio_requests_total for podinfo over 1m" in texts[1]
    assert "99.70% ✔" in texts[1], "the primary's values are shown as ever"
    assert texts[2].count("no data · no --prometheus given") == 2
    assert "mean · max 500ms" in texts[2], "NGINX's request-duration is a mean"
