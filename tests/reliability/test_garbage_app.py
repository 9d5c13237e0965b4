"""Wrongly typed objects, broken log lines and garbage Events served by the API stand-in to the whole app: it
keeps running, shows `?` for what it cannot read, and still shows what it can."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.reliability.apps import cluster_app, panel, wait_state
from tests.reliability.report import Report
from tests.standin.apiserver import ApiServer
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey, Health
from tui.screens.help import HelpScreen

KEY = CanaryKey("test", "examiner")


def broken_canary() -> dict:
    canary = objects.canary(phase="Progressing", weight=20)
    canary["spec"]["analysis"].update(
        {"interval": "soon", "threshold": "two", "stepWeights": ["a", None], "maxWeight": {"x": 1}}
    )
    canary["spec"]["analysis"]["metrics"][0]["thresholdRange"] = {"min": "NaN"}
    canary["status"] = {"phase": 7, "canaryWeight": "lots", "failedChecks": [1], "lastTransitionTime": "yesterday"}
    return canary


def broken_deployment(name: str) -> dict:
    deployment = objects.deployment(name)
    deployment["spec"]["template"]["spec"]["containers"] = "not a list"
    deployment["status"] = {"readyReplicas": "three", "updatedReplicas": None}
    return deployment


async def test_garbage_from_the_cluster_shows_as_question_marks(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    apiserver.put(broken_canary())
    apiserver.put(broken_deployment("examiner"))
    apiserver.put(broken_deployment("examiner-primary"))
    split = objects.traffic_split()
    split["spec"]["backends"] = [{"service": "examiner-canary", "weight": "ten"}, {"service": 5}]
    apiserver.put(split)
    apiserver.put(objects.pod("logger-1"))
    good = objects.logger_lines("Advance examiner.test canary weight 20", t_ms=int(time.time() * 1000))
    payload = json.loads(good[-1])
    lines = [
        "{",
        '{"name": "examiner"',
        "\x00\x01 binary noise \xff",
        json.dumps({**payload, "metadata": {**payload["metadata"], "timestamp": "99999999999999999999"}}),
        json.dumps({**payload, "metadata": "none"}),
        json.dumps([1, 2, 3]),
        "{" * 40,
        *good,
    ]
    apiserver.append_log("monitoring", "logger-1", *lines)
    apiserver.put(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "garbage.1", "namespace": "test"},
            "involvedObject": {"kind": "Canary", "name": "examiner", "namespace": "test"},
            "message": ["not", "text"],
            "count": "many",
        }
    )
    options = ClusterOptions(prometheus=None, logger=("monitoring", "app.kubernetes.io/name=logger"), read_timeout_s=5)
    app, source = cluster_app(kubeconfig, options)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(
            pilot,
            app,
            lambda s: (
                KEY in s.canaries and len(s.deployments) == 2 and bool(s.events) and ("test", "examiner") in s.routers
            ),
            "the canary, its deployments, router and the readable event",
        )
        status, traffic, deployments = panel(app, "#status"), panel(app, "#traffic"), panel(app, "#deployments")
        events = app.rollout_screen.query_one("#events").visible_text()  # type: ignore[attr-defined]
        await pilot.press("question_mark")
        answered = isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        health = {name: h.state for name, h in app.state.health.items()}
        await pilot.press("q")
    source.stop()
    expected = {
        "status": ["? unknown", "weight     ?%", "failed ?/?", "changed    ? ago"],
        "traffic": ["weights unknown", "router   SMI TrafficSplit examiner · ? / ?"],
        "deployments": ["examiner-primary", "?"],
    }
    shown = {"status": status, "traffic": traffic, "deployments": deployments}
    missing = [f"{where}: {text}" for where, texts in expected.items() for text in texts if text not in shown[where]]
    ok = report.outcome(
        "Bad input",
        "garbage-app",
        "a Canary, Deployments and a TrafficSplit of wrong types, 7 broken log lines and a garbage Event served by "
        "the API stand-in to the whole app",
        "the app keeps answering keys, shows `?` where values are unreadable, and shows the one readable event",
        "`? unknown`, `weight ?%`, `failed ?/?`, `weights unknown`, `? / ?`; 1 event shown",
        not missing and answered and events.count("Advance examiner.test canary weight 20") == 1,
    )
    assert not missing, missing
    assert answered
    assert events.count("Advance examiner.test canary weight 20") == 1 and events.count("\n") == 0, events
    assert all(state in (Health.CONNECTED, Health.DISABLED) for state in health.values()), health
    assert ok


async def test_the_detail_charts_survive_samples_ahead_of_the_clock_and_a_failing_plot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    from tests.simkit import sim_app
    from tui.domain.model import MetricSample
    from tui.domain.observations import MetricsObserved
    from tui.screens.detail import DetailScreen
    from widgets.detail_charts import MetricChart

    app, source, sim = sim_app("seed")
    async with app.run_test(size=(120, 40)) as pilot:
        now = app.state.now
        app.state = replace(app.state, metrics={})
        # A gap, then the first value stamped two seconds ahead of the screen's clock (Prometheus evaluates later).
        for t, value in ((now - 10, None), (now + 2, 99.0)):
            samples = tuple(MetricSample("apps", d, t, value, value, value) for d in ("examiner", "examiner-primary"))
            app.apply([MetricsObserved(samples)])
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape")

        def broken(self: object) -> str:
            raise IndexError("list index out of range")

        monkeypatch.setattr("textual_plotext.plot.Plot.build", broken)
        await pilot.press("d")
        await pilot.pause()
        chart = app.screen.query_one("#chart-success", MetricChart)
        assert "this data cannot be drawn (IndexError)" in str(chart.render())
        await pilot.press("escape", "q")
