"""The scale-checks figure's Prometheus side: Debian's prometheus scraping the bench exporter answers the fleet's
check queries, per canary and grouped by deployment alike, and its query log tells check queries from builtin ones."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from bench.check_fleet import TEMPLATES, is_check_query
from bench.check_prometheus import CheckBackend
from bench.cluster import names
from tests.prom.server import find_prometheus
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(find_prometheus() is None, reason="Debian's prometheus binary is missing")
WINDOW = "6s"  # three 2 s scrapes: the window is covered, so rate() needs no guess at its edges


def test_per_canary_and_grouped_queries_get_the_same_true_answers(tmp_path: Path) -> None:
    refs = names(6, 2)
    with CheckBackend(refs, tmp_path / "prometheus") as backend:
        prom = backend.prometheus
        wait_until(
            lambda: min((v for _, v in prom.query(f"count_over_time(http_requests_total[{WINDOW}])")), default=0) >= 3,
            "three scrapes",
            30,
        )
        offset = prom.log_offset()
        at = time.time()  # one instant for every query, so both forms see the same samples

        def ask(query: str) -> list[dict]:
            params = {"query": query, "time": f"{at:.3f}"}
            return httpx.get(f"{prom.url}/api/v1/query", params=params, timeout=5).json()["data"]["result"]

        one = TEMPLATES["throughput"].replace("{{ interval }}", WINDOW)
        per_canary = {
            ref.name: ask(one.replace("{{ namespace }}", ref.namespace).replace("{{ target }}", ref.name))[0]["value"][
                1
            ]
            for ref in refs
        }
        pattern = "|".join(ref.name for ref in refs)
        grouped = ask(
            f'sum by (namespace, deployment) (rate(http_requests_total{{deployment=~"{pattern}"}}[{WINDOW}]))'
        )
        assert {row["metric"]["deployment"]: row["value"][1] for row in grouped} == per_canary
        # True answers: each canary's rate is the exporter's own.
        rates = {name: rate for _, name, rate, app in backend.exporter.deployments if app}
        for name, value in per_canary.items():
            assert float(value) == pytest.approx(rates[name], rel=0.05)
        wait_until(lambda: len(prom.queries_since(offset)) >= len(refs) + 1, "the queries in Prometheus's log")
        logged = prom.queries_since(offset)
        assert sum(is_check_query(q) for q in logged) == len(refs) + 1
        assert not is_check_query('sum(rate(response_total{direction="inbound"}[30s]))')
