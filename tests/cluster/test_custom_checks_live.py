"""A Canary whose only checks are a MetricTemplate `error-rate` (max 1) and an inline `query:` (max 0.8), watched
through the stand-in with the real kubernetes client, its values asked of a real Prometheus (Debian's) scraping the
test exporter: the template through the API server's service proxy, the inline query from the Prometheus given. On
screen: both checks named with their values, no 99 % or 500 ms anywhere, and `error-rate 1.30 > 1` after a Halt."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.cluster.poller_run import Run, canary
from tests.prom.exporter import LinkerdScenario, Traffic
from tests.prom.server import PrometheusServer
from tests.standin.apiserver import ApiServer
from tests.standin.events import EventRecorder
from tests.standin.resources import METRICTEMPLATES
from tui.actions import ReadOnlyActions
from tui.app import CanaryscopeApp
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey, CheckSample
from tui.domain.state import AppState

pytestmark = pytest.mark.prometheus

ERROR_RATE = (
    'sum(rate(response_total{namespace="{{ namespace }}", deployment="{{ target }}", direction="inbound", '
    'classification="failure"}[{{ interval }}])) / '
    'sum(rate(response_total{namespace="{{ namespace }}", deployment="{{ target }}", direction="inbound"}'
    "[{{ interval }}])) * 100"
)
LATENCY = (
    "histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{"
    'namespace="{{ namespace }}", deployment="{{ target }}", direction="inbound"}[{{ interval }}])) by (le)) / 1000'
)


def custom_canary(namespace: str) -> dict[str, Any]:
    return objects.canary(
        namespace=namespace,
        phase="Progressing",
        weight=20,
        failed=1,
        metrics=[
            {
                "name": "error-rate",
                "templateRef": {"name": "error-rate"},
                "interval": "5s",
                "thresholdRange": {"max": 1},
            },
            {"name": "latency", "query": LATENCY, "interval": "5s", "thresholdRange": {"max": 0.8}},
        ],
    )


def error_rate_template(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"namespace": namespace, "name": "error-rate"},
        "spec": {
            "provider": {"type": "prometheus", "address": "http://prometheus.monitoring:9090"},
            "query": ERROR_RATE,
        },
    }


def latest(state: AppState, key: CanaryKey, check: str) -> CheckSample | None:
    series = state.check_series(key, check)
    return series[-1] if series else None


def painted(app: CanaryscopeApp) -> str:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_canarys_own_checks_with_values_from_prometheus(
    apiserver: ApiServer, tmp_path: Path, prometheus: PrometheusServer, linkerd: LinkerdScenario, size: tuple[int, int]
) -> None:
    namespace = linkerd.namespace
    key = CanaryKey(namespace, "examiner")
    # 1.3 % of requests fail: the template's error rate is 1.30, above its max of 1; p99 45 ms passes 0.8 s.
    linkerd.set("examiner", Traffic(rps=100, error_ratio=0.013, latency_ms={45.0: 1.0}))
    linkerd.set("examiner-primary", Traffic(rps=100, error_ratio=0.0, latency_ms={10.0: 1.0}))
    apiserver.install_crd(METRICTEMPLATES)
    apiserver.proxy_service("monitoring", "prometheus:9090", prometheus.url)
    apiserver.put(error_rate_template(namespace))
    canary = apiserver.put(custom_canary(namespace))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace=namespace)
    options = ClusterOptions(prometheus=prometheus.url, logger=None, refresh_s=1.0, read_timeout_s=5.0)
    h = Harness(kubeconfig, namespace=namespace, options=options)
    app = CanaryscopeApp(h.source, ReadOnlyActions())
    async with app.run_test(size=size) as pilot:

        def measured() -> bool:
            rate, latency = latest(app.state, key, "error-rate"), latest(app.state, key, "latency")
            return (
                rate is not None
                and rate.value is not None
                and rate.value == pytest.approx(1.3, abs=0.02)
                and latency is not None
                and latency.value is not None
            )

        deadline = time.monotonic() + 40
        while not measured():
            assert time.monotonic() < deadline, f"no values: {app.state.check_values}"
            await pilot.pause(0.1)
        rate = latest(app.state, key, "error-rate")
        assert rate is not None and rate.query is not None and f'namespace="{namespace}"' in rate.query
        assert "[5s]" in rate.query
        through_proxy = [r for r in apiserver.requests() if "/services/prometheus:9090/proxy/api/v1/query" in r.path]
        assert through_proxy, "the template's cluster address is reached through the API server's service proxy"

        EventRecorder(apiserver).warning(canary, f"Halt examiner.{namespace} advancement error-rate 1.30 > 1")
        deadline = time.monotonic() + 20
        while "✖ 1.30 > 1 (Flagger)" not in painted(app):
            assert time.monotonic() < deadline, painted(app)
            await pilot.pause(0.1)
        # The panel's width follows the next tick: the values are on screen with their verdicts.
        deadline = time.monotonic() + 10
        while "1.30 ✖" not in painted(app):
            assert time.monotonic() < deadline, painted(app)
            await pilot.pause(0.1)
        screen = painted(app)
        assert "✖ 1.30 > 1 (Flagger)" in screen
        assert "latency" in screen and "max 0.8" in screen and re.search(r"0\.0\d ✔", screen)
        for default in ("99%", "99 %", "500ms", "500 ms"):
            assert default not in screen, f"{default} is drawn for a check the canary does not have"
        await pilot.press("d")
        deadline = time.monotonic() + 10
        while "Esc to go back" not in painted(app):
            assert time.monotonic() < deadline, painted(app)
            await pilot.pause(0.1)
        detail = painted(app)
        for default in ("99%", "99 %", "500ms", "500 ms"):
            assert default not in detail, f"{default} is drawn on the detail charts for a check the canary lacks"
        await pilot.press("escape")
        await pilot.press("q")
    h.source.stop()
    h.source.join(5.0)


def test_prometheus_own_parse_error_and_no_values_found(prometheus: PrometheusServer, linkerd: LinkerdScenario) -> None:
    info = canary(
        "examiner",
        [
            {"name": "broken", "query": "sum(rate(response_total[1m]"},
            {"name": "nobody", "query": 'sum(response_total{deployment="{{ target }}-nobody"})'},
            {"name": "nan", "query": "0 / 0"},
        ],
        namespace=linkerd.namespace,
    )
    run = Run([info], [], given=prometheus.url)
    run.round()
    errors = {check: sample.error for (_, check), sample in run.samples().items()}
    assert errors["broken"] is not None and "\n" not in errors["broken"]
    assert re.fullmatch(r"query failed: 1:\d+: parse error: .+", errors["broken"]), errors["broken"]
    assert errors["nobody"] == "no values found" and errors["nan"] == "no values found"
