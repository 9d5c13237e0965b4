"""Custom checks' cost: Prometheus requests per check interval with 1,000 canaries with 3 custom checks each.

A ClusterSource (the one `canaryscope -A` runs) watches the API stand-in, its MetricTemplates included, and its
check poller asks a counting Prometheus query API over HTTP. Each canary has:
- `error-rate`: a MetricTemplate shared by every canary whose query names `{{ namespace }}`;
- `budget`: a MetricTemplate shared by every canary with identical variables;
- `latency`: an inline query on `{{ target }}`.
Canaries sharing a query template are asked one grouped query per template and interval
(tui/domain/flagger/query_grouping.py): three queries in all, however many canaries.
Requests are counted for one full evaluation of every check (every canary has a value for all three), then over a
second interval, which must cost the same (never more often than each check's interval).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench import commands
from bench.cluster import names, new_standin, populate
from bench.result import Result
from tests.cluster.harness import StateSink
from tests.cluster.query_stub import query_stub
from tests.standin.resources import METRICTEMPLATES
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource

NAME = "check-cost"
TITLE = "Custom checks' Prometheus cost"
BUDGET = "N canaries sharing a template cost one query per template and interval, not N"
CANARIES = 1000
NAMESPACES = 100
INTERVAL = "10s"
CHECKS = (
    {"name": "error-rate", "templateRef": {"name": "error-rate", "namespace": "flagger-system"}, "interval": INTERVAL},
    {
        "name": "budget",
        "templateRef": {"name": "budget", "namespace": "flagger-system"},
        "templateVariables": {"slo": "checkout"},
        "interval": INTERVAL,
    },
    {
        "name": "latency",
        "query": 'histogram_quantile(0.99, rate(latency_bucket{deployment="{{ target }}"}[{{ interval }}]))',
        "interval": INTERVAL,
    },
)


CUSTOM = ("rate(errors{", "slo_budget{", "rate(latency_bucket{")  # in the canaries' own queries and grouped ones


def template(name: str, query: str, address: str) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "MetricTemplate",
        "metadata": {"namespace": "flagger-system", "name": name},
        "spec": {"provider": {"type": "prometheus", "address": address}, "query": query},
    }


def measure(canaries: int, namespaces: int) -> dict[str, float]:
    refs = names(canaries, namespaces)
    with query_stub() as prom, tempfile.TemporaryDirectory() as tmp:
        api = new_standin()
        try:
            api.install_crd(METRICTEMPLATES)
            populate(api, refs, routers=False)
            for ref in refs:
                canary = api.get("canaries.flagger.app", ref.name, ref.namespace)
                assert canary is not None
                canary["spec"]["analysis"]["metrics"] = list(CHECKS)
                api.put(canary)
            api.put(template("error-rate", 'sum(rate(errors{namespace="{{ namespace }}"}[{{ interval }}]))', prom.url))
            api.put(template("budget", 'sum(slo_budget{slo="{{ variables.slo }}"})', prom.url))
            kubeconfig = api.write_kubeconfig(Path(tmp) / "kubeconfig", namespace=refs[0].namespace)
            connection = connect(str(kubeconfig), None)
            source = ClusterSource(
                connection,
                ClusterTarget(str(kubeconfig), connection.context, None, None),
                ClusterOptions(prometheus=prom.url, logger=None, read_timeout_s=10.0, refresh_s=60.0),
            )
            sink = StateSink()
            started = time.monotonic()
            source.start(sink)

            def evaluated() -> int:
                return sum(len(checks) for checks in sink.state.check_values.values())

            def wait(count: int, what: str) -> float:
                deadline = time.monotonic() + 120
                while evaluated() < count:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{what}: {evaluated()} of {count} after 120 s")
                    source.pump()
                    time.sleep(0.05)
                return time.monotonic()

            first_done = wait(canaries * len(CHECKS), "every check evaluated once")
            poller = source.check_poller
            assert poller is not None
            # The builtin metrics' poller asks the same Prometheus its own grouped queries: not counted here.
            first = [q for q in prom.sent() if any(metric in q for metric in CUSTOM)]
            first_requests = len(first)
            rounds_before = poller.requests
            # The second evaluation of every check: each series has two samples.
            deadline = time.monotonic() + 120
            while min((len(s) for c in sink.state.check_values.values() for s in c.values()), default=0) < 2:
                if time.monotonic() > deadline:
                    raise RuntimeError("no second evaluation within 120 s")
                source.pump()
                time.sleep(0.05)
            second_requests = poller.requests - rounds_before
            source.stop()
            source.join(5.0)
            return {
                "canaries": canaries,
                "checks": canaries * len(CHECKS),
                "first_interval_requests": first_requests,
                "poller_requests_first_interval": rounds_before,
                "second_interval_requests": second_requests,
                "distinct_queries": len(set(first)),
                "longest_query_chars": max((len(q) for q in first), default=0),
                "sent_as_post": prom.posted,
                "seconds_to_first_values": first_done - started,
            }
        finally:
            api.stop()


def run(quick: bool = False, runs: int | None = None) -> Result:
    canaries, namespaces = (50, 5) if quick else (CANARIES, NAMESPACES)
    got = measure(canaries, namespaces)
    expected = len(CHECKS)  # one grouped query per template and interval
    passed = all(
        got[figure] == expected
        for figure in ("first_interval_requests", "poller_requests_first_interval", "second_interval_requests")
    )
    return Result(
        name=NAME,
        title=TITLE,
        measured=(
            f"{canaries} canaries × 3 checks ({canaries * 3} checks) → {got['first_interval_requests']:g} requests "
            f"per {INTERVAL} interval, then {got['second_interval_requests']:g}"
        ),
        budget=BUDGET,
        passed=passed,
        command=commands.reproduce(NAME),
        details=[
            f"error-rate (template on {{{{ namespace }}}}, {namespaces} namespaces) → 1; budget (template, identical "
            f"variables) → 1; latency (inline on {{{{ target }}}}, {canaries} canaries) → 1: {expected} in all "
            f"(before grouping: {namespaces + 1 + canaries})",
            f"longest grouped query {got['longest_query_chars']:g} characters (over 2,000 characters a query goes as "
            f"POST form data: {got['sent_as_post']:g} sent so)",
            f"every check's first value after {got['seconds_to_first_values']:.1f} s (the poller sends at most "
            "200 requests a round, a round a second, on 4 worker threads)",
        ],
        values=got,
    )
