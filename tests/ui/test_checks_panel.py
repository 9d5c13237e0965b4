"""The metrics panel on a Canary whose checks are a MetricTemplate and an inline query: each check is a row with
its own range and Flagger's verdict; no builtin 99 % or 500 ms is drawn for checks the Canary does not have."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App, ComposeResult

from tui.domain.check_failures import counts_by_check, release_failures
from tui.domain.check_rows import custom_check_rows
from tui.domain.model import CheckSample, FlaggerEvent, Health, MetricSample, SourceHealth
from tui.domain.observations import (
    CanaryObserved,
    CanarySelected,
    CheckValueObserved,
    ClockTick,
    EventObserved,
    HealthObserved,
    MetricsObserved,
)
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary
from widgets.metrics_panel import MetricsPanel

NOW = 1_000_000.0
CUSTOM = {
    "metadata": {"namespace": "test", "name": "podinfo"},
    "spec": {
        "provider": "linkerd",
        "targetRef": {"name": "podinfo"},
        "analysis": {
            "interval": "30s",
            "threshold": 2,
            "metrics": [
                {"name": "error-rate", "templateRef": {"name": "error-rate"}, "thresholdRange": {"max": 1}},
                {"name": "latency", "query": "histogram_quantile(0.99, rate(x[1m]))", "thresholdRange": {"max": 0.8}},
            ],
        },
    },
}


MIXED = {
    **CUSTOM,
    "spec": {
        **CUSTOM["spec"],
        "analysis": {
            "interval": "30s",
            "threshold": 2,
            "metrics": [
                {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"},
                {"name": "error-rate", "templateRef": {"name": "error-rate"}, "thresholdRange": {"max": 1}},
            ],
        },
    },
}


def custom_state(
    *,
    halted: bool,
    samples: bool,
    canary: dict = CUSTOM,
    halt: str = "Halt podinfo.test advancement error-rate 1.30 > 1",
    values: bool = False,
) -> AppState:
    info = parse_canary(canary)
    assert info is not None
    info = replace(info, phase="Progressing", canary_weight=20, failed_checks=1 if halted else 0)
    observations = [
        ClockTick(NOW),
        CanaryObserved(info, NOW - 20),
        CanarySelected(info.key),
        HealthObserved(SourceHealth("prometheus", Health.CONNECTED, "http://prometheus:9090")),
    ]
    if samples:
        # The mesh's request metrics exist; a canary at 98.70 % and 900 ms must not be judged by 99 % or 500 ms.
        observations += [
            MetricsObserved(
                (
                    MetricSample("test", "podinfo-primary", NOW - t, 99.9, 40.0, 200.0),
                    MetricSample("test", "podinfo", NOW - t, 98.7, 10.0, 900.0),
                )
            )
            for t in range(120, 0, -10)
        ]
    if values:
        # The poller's values: error-rate climbing past its max of 1; the latency query finding nothing at the end.
        for i, value in enumerate((0.2, 0.3, 0.3, 0.5, 0.8, 0.9, 1.1, 1.3)):
            at = NOW - 60 * (8 - i)
            observations.append(CheckValueObserved(info.key, "error-rate", CheckSample(at, value)))
            latency = CheckSample(at, 0.4 + i / 20) if i < 7 else CheckSample(at, None, "no values found")
            observations.append(CheckValueObserved(info.key, "latency", latency))
    if halted:
        observations.append(EventObserved(FlaggerEvent(NOW - 5, "test", "podinfo", "Warning", halt)))
    return reduce_all(AppState(), observations)


class CheckPanelsApp(App[None]):
    def __init__(self, states: list[AppState]) -> None:
        super().__init__()
        self.states = states

    def compose(self) -> ComposeResult:
        for i in range(len(self.states)):
            yield MetricsPanel(id=f"m{i}")

    def on_mount(self) -> None:
        self.show_all()
        # Again once laid out: the rows fit the panel's real width, as on the next tick in the app.
        self.call_after_refresh(self.show_all)

    def show_all(self) -> None:
        for i, state in enumerate(self.states):
            self.query_one(f"#m{i}", MetricsPanel).show(state)


def states() -> list[AppState]:
    return [
        custom_state(halted=True, samples=False, values=True),
        custom_state(halted=False, samples=True),
        custom_state(halted=True, samples=True, canary=MIXED, values=True),
    ]


async def test_each_check_is_named_with_its_own_range_and_flaggers_verdict() -> None:
    app = CheckPanelsApp(states())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        halted, plain, mixed = (str(app.query_one(f"#m{i}", MetricsPanel).render()) for i in range(3))
    assert "error-rate" in halted and "max 1" in halted and "✖ 1.30 > 1 (Flagger)" in halted
    assert "latency" in halted and "max 0.8" in halted and "query" in halted and "no halt from Flagger" in halted
    for text in (halted, plain):
        assert "99%" not in text and "500ms" not in text and "min 99" not in text
    assert "✖" not in plain and "✔" not in plain, "no verdict against a bound the canary does not have"
    assert "error-rate       template max 1" in plain and "latency          query    max 0.8" in plain


def test_checks_panel_snapshot_120(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(CheckPanelsApp(states()), terminal_size=(120, 40))


def test_checks_panel_snapshot_80(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(CheckPanelsApp(states()), terminal_size=(80, 24))


async def test_builtin_and_custom_checks_share_the_panels_five_lines() -> None:
    app = CheckPanelsApp(states())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        mixed = str(app.query_one("#m2", MetricsPanel).render())
    lines = mixed.splitlines()
    assert len(lines) <= 5, "the rollout screen gives the panel five lines"
    assert "min 99%" in lines[0] and "98.70% ✖" in mixed, "the canary's own success-rate check is judged"
    assert lines[-1].startswith("error-rate") and "✖ 1.30 > 1 (Flagger)" in lines[-1]
    assert "max 500ms" not in mixed, "the canary has no request-duration check"


def test_a_custom_check_without_values_is_the_one_marked() -> None:
    state = custom_state(
        halted=True,
        samples=False,
        halt="Halt advancement no values found for custom metric: latency: no values found",
    )
    view = state.selected_view
    assert view is not None
    rows = {row.name: (row.verdict, row.failed) for row in custom_check_rows(view)}
    assert rows == {"error-rate": ("no halt from Flagger", None), "latency": ("✖ no values found (Flagger)", True)}


class ShortPanelApp(CheckPanelsApp):
    CSS = "MetricsPanel { height: 5; }"  # three lines inside the border, as the compact rollout screen gives


async def test_check_rows_that_do_not_fit_are_counted_not_cut() -> None:
    many = {
        **CUSTOM,
        "spec": {
            **CUSTOM["spec"],
            "analysis": {
                "interval": "30s",
                "metrics": [
                    {"name": f"check-{i}", "query": f"sum(x{i})", "thresholdRange": {"max": 1}} for i in range(4)
                ],
            },
        },
    }
    app = ShortPanelApp([custom_state(halted=False, samples=False, canary=many)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = str(app.query_one("#m0", MetricsPanel).render()).splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("check-0") and lines[2] == "… 3 more checks (4 in all)"


def test_a_check_that_halted_earlier_ticks_says_so_after_the_tick_has_passed() -> None:
    state = custom_state(halted=True, samples=False)
    later = reduce_all(
        state,
        [
            EventObserved(
                FlaggerEvent(
                    NOW + 25, "test", "podinfo", "Warning", "Halt podinfo.test advancement error-rate 2.10 > 1"
                )
            ),
            EventObserved(
                FlaggerEvent(
                    NOW + 55,
                    "test",
                    "podinfo",
                    "Warning",
                    "Rolling back podinfo.test failed checks threshold reached 2",
                )
            ),
            ClockTick(NOW + 60),
        ],
    )
    view = later.selected_view
    assert view is not None
    rows = {row.name: row.verdict for row in custom_check_rows(view, counts_by_check(release_failures(later, view)))}
    assert rows["error-rate"] == "halted 2× this release (Flagger)"
    assert rows["latency"] == "no halt from Flagger"


async def test_the_panel_is_named_checks_when_the_canary_has_checks_of_its_own() -> None:
    builtin_only = {
        **CUSTOM,
        "spec": {
            **CUSTOM["spec"],
            "analysis": {
                "interval": "30s",
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"}],
            },
        },
    }
    app = CheckPanelsApp(
        [custom_state(halted=False, samples=True), custom_state(halted=False, samples=True, canary=builtin_only)]
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.query_one("#m0", MetricsPanel).border_title == "Checks"
        assert app.query_one("#m1", MetricsPanel).border_title == "Success rate · latency"
