"""PromQL used in the tests: Flagger's builtin Linkerd checks (flagger.md §6.1) and per-deployment panel queries."""

from __future__ import annotations

import re


def _collapse(q: str) -> str:
    return re.sub(r"\s+", " ", q).strip()  # Flagger collapses whitespace before sending a query


def flagger_success_rate(namespace: str, target: str, interval: str) -> str:
    return _collapse(f"""
        sum(rate(response_total{{namespace="{namespace}", deployment=~"{target}", classification!="failure",
            direction="inbound"}}[{interval}]))
        /
        sum(rate(response_total{{namespace="{namespace}", deployment=~"{target}", direction="inbound"}}[{interval}]))
        * 100""")


def flagger_request_duration(namespace: str, target: str, interval: str) -> str:
    return _collapse(f"""
        histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{{namespace="{namespace}",
            deployment=~"{target}", direction="inbound"}}[{interval}])) by (le))""")


def success_rate_by_deployment(namespace: str, target: str, window: str) -> str:
    sel = f'namespace="{namespace}", deployment=~"{target}|{target}-primary", direction="inbound"'
    return _collapse(f"""
        100 * sum by (deployment) (rate(response_total{{{sel}, classification!="failure"}}[{window}]))
        / sum by (deployment) (rate(response_total{{{sel}}}[{window}]))""")


def requests_per_second_by_deployment(namespace: str, target: str, window: str) -> str:
    sel = f'namespace="{namespace}", deployment=~"{target}|{target}-primary", direction="inbound"'
    return f"sum by (deployment) (rate(response_total{{{sel}}}[{window}]))"


def latency_quantile_by_deployment(q: float, namespace: str, target: str, window: str) -> str:
    sel = f'namespace="{namespace}", deployment=~"{target}|{target}-primary", direction="inbound"'
    return f"histogram_quantile({q}, sum by (le, deployment) (rate(response_latency_ms_bucket{{{sel}}}[{window}])))"
