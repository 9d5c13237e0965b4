"""pytest fixtures for a real Prometheus scraping the Linkerd-style exporter. Use them from a conftest.py with
`from tests.prom.fixtures import linkerd, prometheus, ...  # noqa: F401`.

One Prometheus and one exporter serve the whole session: Prometheus sends its first targets to the scrape manager
on a 5 s discovery tick, so every fresh process costs ~6 s before the first sample. Tests keep apart by namespace
(each `linkerd` scenario gets its own). Tests that stop or restart Prometheus use `own_prometheus`.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.prom.exporter import LinkerdExporter, LinkerdScenario
from tests.prom.front import PromFront
from tests.prom.server import PrometheusServer, find_prometheus

_namespaces = itertools.count(1)


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> float:
    """Poll until `check()` is true; returns the seconds it took, fails the test with `what` on timeout."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - started


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    path = find_prometheus()
    if path is None:
        reason = "Debian's prometheus binary is missing (apt-get install prometheus, or set PROMETHEUS_BIN)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def linkerd_exporter() -> Iterator[LinkerdExporter]:
    with LinkerdExporter() as exporter:
        yield exporter


def _start(binary: str, workdir: Path, exporter: LinkerdExporter) -> PrometheusServer:
    started = time.perf_counter()
    prom = PrometheusServer(binary, workdir, [exporter.target]).start()
    wait_until(lambda: bool(prom.query("up == 1")), 20, "the first scrape")
    prom.first_scrape_seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    return prom


@pytest.fixture(scope="session")
def prometheus_session(
    prometheus_binary: str, linkerd_exporter: LinkerdExporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    prom = _start(prometheus_binary, tmp_path_factory.mktemp("prometheus"), linkerd_exporter)
    try:
        yield prom
    finally:
        prom.close()


@pytest.fixture
def prometheus(prometheus_session: PrometheusServer) -> PrometheusServer:
    """The shared Prometheus (1 s scrapes of the exporter), already past its first scrape. Do not stop it."""
    if not prometheus_session.running:
        pytest.fail("a test stopped the shared Prometheus; use own_prometheus for that")
    return prometheus_session


@pytest.fixture
def linkerd(linkerd_exporter: LinkerdExporter) -> Iterator[LinkerdScenario]:
    """A fresh scenario in its own namespace (`scenario.namespace`), served by the session exporter."""
    scenario = linkerd_exporter.add(LinkerdScenario(namespace=f"ns{next(_namespaces)}"))
    try:
        yield scenario
    finally:
        linkerd_exporter.remove(scenario)


@pytest.fixture
def mesh(linkerd_exporter: LinkerdExporter) -> Iterator[Callable[[str], LinkerdScenario]]:
    """Makes scenarios exported as a provider's series (`istio`, `nginx`, `http`, `linkerd`), each in its own
    namespace, served by the session exporter."""
    made: list[LinkerdScenario] = []

    def make(provider: str) -> LinkerdScenario:
        scenario = linkerd_exporter.add(LinkerdScenario(namespace=f"ns{next(_namespaces)}", provider=provider))
        made.append(scenario)
        return scenario

    try:
        yield make
    finally:
        for scenario in made:
            linkerd_exporter.remove(scenario)


@pytest.fixture
def own_prometheus(
    prometheus_binary: str, linkerd_exporter: LinkerdExporter, tmp_path: Path
) -> Iterator[PrometheusServer]:
    """A Prometheus of this test's own, free to be stopped, killed or restarted."""
    prom = _start(prometheus_binary, tmp_path / "prometheus", linkerd_exporter)
    try:
        yield prom
    finally:
        prom.close()


@pytest.fixture
def prom_front(prometheus: PrometheusServer) -> Iterator[PromFront]:
    """A fault front passing through to the shared Prometheus; see PromFront for its modes."""
    with PromFront(prometheus.url) as front:
        yield front
