"""Flagger's builtin checks as grouped PromQL: one query per value for every canary of an observer family at once.

Flagger's observers (pkg/metrics/observers/<provider>.go) ask about one canary: its selector pins the canary's
workload (`destination_workload=~"podinfo"`, anchored) and sums everything else away. Here the same metric, the same
fixed filters and the same window are grouped instead by the label that names the workload, so one request answers
for the primaries and the canaries of every canary in scope. Where that label carries more than the workload name
(an Envoy cluster name, a pod name), `label_replace` cuts the name out first. Each answer row is then mapped back to
(namespace, deployment) through the keys a target gives for its primary and its canary.

The metrics and success matchers are those of the per-canary queries the analysis view shows
(tui/domain/flagger/builtin_query.py MEASURED); tests/prom/test_query_grouping.py checks both forms' values agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.base.safe_text import MAX_CHARS, safe_text
from tui.domain.flagger.builtin_query import MEASURED
from tui.domain.flagger.observers import observer_family
from tui.domain.model import CanaryInfo
from tui.domain.names import primary_name

# The values each family answers: success rate in %, requests per second, duration in ms.
VALUES = ("success_rate", "rps", "p99_ms")


@dataclass(frozen=True)
class MetricTarget:
    """A canary as the poller sees it: where its workloads are, how its traffic is named, and who measures it."""

    namespace: str
    target: str
    interval_s: float | None = None
    # The observer family (tui.domain.flagger.observers); None: the provider is unknown (Linkerd's queries are asked).
    family: str | None = None
    apex: str | None = None
    ingress: str | None = None
    kind: str = "Deployment"

    @property
    def service(self) -> str:
        return self.apex or self.target

    @property
    def ingress_name(self) -> str:
        return self.ingress or self.target


Keys = dict[tuple[str, ...], str]


@dataclass(frozen=True)
class Family:
    """How one observer family's builtin checks are asked for all its canaries at once."""

    name: str
    requests: str  # the counter (or +Inf bucket) every request adds to
    ok: str  # the matcher that keeps only the requests Flagger counts as successful
    by: tuple[str, ...]  # the labels each answer row is keyed by
    keys: Callable[[MetricTarget], Keys]  # a target's row keys -> its deployments (primary and canary)
    namespace_filter: Callable[[str | None], str]  # matchers selecting the namespace in scope (all: just the shape)
    fixed: str = ""  # matchers Flagger's own query always has
    count_fixed: str = ""  # matchers only on the request counter (le="+Inf" where it is a histogram bucket)
    latency: str = ""  # histogram bucket metric for a p99; empty when the duration is a mean
    mean: tuple[str, str] = ("", "")  # (sum, count) metrics when the duration is a mean
    scale: float = 1.0  # to milliseconds
    relabel: tuple[tuple[str, str, str, str], ...] = ()  # label_replace(dst, replacement, src, regex)
    # Matchers asking for just these targets' rows, where the raw labels name them (else None: the family is asked
    # whole and its rows picked).
    narrow: Callable[[Sequence[MetricTarget]], str] | None = None


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def regex_escape(value: str) -> str:
    """A literal inside a RE2 pattern (names are DNS labels; the dot is the one metacharacter they can hold)."""
    return re.sub(r"([.\\+*?()|\[\]{}^$])", r"\\\1", value)


def _measured(family: str) -> dict[str, Any]:
    """The metrics and the success matcher Flagger's observer reads, as the per-canary queries have them."""
    measured = MEASURED[family]
    return {
        "requests": measured.requests,
        "ok": measured.ok,
        "latency": measured.latency,
        "mean": measured.mean,
        "count_fixed": measured.count_fixed,
    }


def _label_filter(label: str) -> Callable[[str | None], str]:
    return lambda namespace: f'{label}="{_quote(namespace)}"' if namespace else ""


def _pattern_filter(label: str, pattern: Callable[[str], str]) -> Callable[[str | None], str]:
    """A regex matcher on `label` with the namespace part filled in (any namespace: `.+`)."""
    return lambda namespace: f'{label}=~"{_quote(pattern(regex_escape(namespace) if namespace else ".+"))}"'


def _alternatives(values: Iterable[str]) -> str:
    return _quote("|".join(regex_escape(v) for v in sorted(set(values))))


def _workload_filter(namespace: str, workload: str, pod: str = "") -> Callable[[Sequence[MetricTarget]], str]:
    """Matchers on the namespace label and on the workload label (or the pod name, `pod`, that the workload's
    label is taken from): both deployments of each target."""

    def matchers(targets: Sequence[MetricTarget]) -> str:
        names = _alternatives(n for t in targets for n in (t.target, primary_name(t.target)))
        where = f'{namespace}=~"{_alternatives(t.namespace for t in targets)}"'
        return f'{where}, {pod}=~"({names}){POD}"' if pod else f'{where}, {workload}=~"{names}"'

    return matchers


def _workload_keys(t: MetricTarget) -> Keys:
    return {(t.namespace, primary_name(t.target)): primary_name(t.target), (t.namespace, t.target): t.target}


def _role_keys(*parts: Callable[[MetricTarget], str]) -> Callable[[MetricTarget], Keys]:
    """Keys whose last element is the role (`primary`/`canary`), the first ones taken from the target."""

    def keys(t: MetricTarget) -> Keys:
        head = tuple(part(t) for part in parts)
        return {(*head, "primary"): primary_name(t.target), (*head, "canary"): t.target}

    return keys


# A Deployment pod is `<deployment>-<replicaset hash>-<id>`: Flagger's `{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)`.
POD = "-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
ROLE = "(primary|canary)"


def _skipper_name(value: str) -> str:
    """Skipper's route ids hold names with every non-word character made `_` (skipper.go encodes the model so)."""
    return re.sub(r"\W", "_", value)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        # istio.go
        Family(
            "istio",
            **_measured("istio"),
            fixed='reporter="destination"',
            by=("destination_workload_namespace", "destination_workload"),
            keys=_workload_keys,
            namespace_filter=_label_filter("destination_workload_namespace"),
            narrow=_workload_filter("destination_workload_namespace", "destination_workload"),
        ),
        # linkerd.go
        Family(
            "linkerd",
            **_measured("linkerd"),
            fixed='direction="inbound"',
            by=("namespace", "deployment"),
            keys=_workload_keys,
            namespace_filter=_label_filter("namespace"),
            narrow=_workload_filter("namespace", "deployment"),
        ),
        # osm.go (equality on the name: grouping by it selects exactly that workload)
        Family(
            "osm",
            **_measured("osm"),
            fixed='destination_kind="Deployment"',
            by=("destination_namespace", "destination_name"),
            keys=_workload_keys,
            namespace_filter=_label_filter("destination_namespace"),
            narrow=_workload_filter("destination_namespace", "destination_name"),
        ),
        # http.go (gatewayapi*, kubernetes): the app's own histogram, in seconds, per pod
        Family(
            "http",
            **_measured("http"),
            fixed=f'kubernetes_pod_name=~".+{POD}"',
            scale=1000.0,
            relabel=(("workload", "$1", "kubernetes_pod_name", f"(.+){POD}"),),
            by=("kubernetes_namespace", "workload"),
            keys=_workload_keys,
            namespace_filter=_label_filter("kubernetes_namespace"),
            narrow=_workload_filter("kubernetes_namespace", "workload", pod="kubernetes_pod_name"),
        ),
        # appmesh.go: Envoy's upstream counters, per pod
        Family(
            "appmesh",
            **_measured("appmesh"),
            fixed=f'kubernetes_pod_name=~".+{POD}"',
            relabel=(("workload", "$1", "kubernetes_pod_name", f"(.+){POD}"),),
            by=("kubernetes_namespace", "workload"),
            keys=_workload_keys,
            namespace_filter=_label_filter("kubernetes_namespace"),
            narrow=_workload_filter("kubernetes_namespace", "workload", pod="kubernetes_pod_name"),
        ),
        # contour.go: envoy_cluster_name `<namespace>_<service>-canary_<port>`
        Family(
            "contour",
            **_measured("contour"),
            relabel=(
                ("cluster_namespace", "$1", "envoy_cluster_name", f"([^_]+)_(.+)-{ROLE}_[0-9a-zA-Z-]+"),
                ("cluster_service", "$2", "envoy_cluster_name", f"([^_]+)_(.+)-{ROLE}_[0-9a-zA-Z-]+"),
                ("role", "$3", "envoy_cluster_name", f"([^_]+)_(.+)-{ROLE}_[0-9a-zA-Z-]+"),
            ),
            by=("cluster_namespace", "cluster_service", "role"),
            keys=_role_keys(lambda t: t.namespace, lambda t: t.service),
            namespace_filter=_pattern_filter("envoy_cluster_name", lambda ns: f"{ns}_.+-{ROLE}_[0-9a-zA-Z-]+"),
        ),
        # gloo.go: envoy_cluster_name `<namespace>-<target>-canaryupstream-<port>_<gloo namespace>`
        Family(
            "gloo",
            **_measured("gloo"),
            relabel=(
                ("upstream", "$1", "envoy_cluster_name", f"(.+)-{ROLE}upstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"),
                ("role", "$2", "envoy_cluster_name", f"(.+)-{ROLE}upstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"),
            ),
            by=("upstream", "role"),
            keys=_role_keys(lambda t: f"{t.namespace}-{t.target}"),
            namespace_filter=_pattern_filter(
                "envoy_cluster_name", lambda ns: f"{ns}-.+-{ROLE}upstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"
            ),
        ),
        # kuma.go: service `<target>-canary_<namespace>_svc_<port>`
        Family(
            "kuma",
            **_measured("kuma"),
            relabel=(
                ("kuma_target", "$1", "service", f"(.+)-{ROLE}_(.+)_svc_[0-9a-zA-Z-]+"),
                ("role", "$2", "service", f"(.+)-{ROLE}_(.+)_svc_[0-9a-zA-Z-]+"),
                ("kuma_namespace", "$3", "service", f"(.+)-{ROLE}_(.+)_svc_[0-9a-zA-Z-]+"),
            ),
            by=("kuma_namespace", "kuma_target", "role"),
            keys=_role_keys(lambda t: t.namespace, lambda t: t.target),
            namespace_filter=_pattern_filter("service", lambda ns: f".+-{ROLE}_{ns}_svc_[0-9a-zA-Z-]+"),
        ),
        # traefik.go: service `<namespace>-<target>-canary-<port>@kubernetescrd`; counts are the +Inf bucket
        Family(
            "traefik",
            **_measured("traefik"),
            scale=1000.0,
            relabel=(
                ("traefik_service", "$1", "service", f"(.+)-{ROLE}-[0-9a-zA-Z-]+@kubernetescrd"),
                ("role", "$2", "service", f"(.+)-{ROLE}-[0-9a-zA-Z-]+@kubernetescrd"),
            ),
            by=("traefik_service", "role"),
            keys=_role_keys(lambda t: f"{t.namespace}-{t.target}"),
            namespace_filter=_pattern_filter("service", lambda ns: f"{ns}-.+-{ROLE}-[0-9a-zA-Z-]+@kubernetescrd"),
        ),
        # nginx.go: the apex ingress's requests; `canary` names the canary backend, empty for the primary's
        Family(
            "nginx",
            **_measured("nginx"),
            scale=1000.0,
            relabel=(("role", "canary", "canary", ".+"), ("role", "primary", "canary", "")),
            by=("namespace", "ingress", "role"),
            keys=_role_keys(lambda t: t.namespace, lambda t: t.ingress_name),
            namespace_filter=_label_filter("namespace"),
        ),
        # skipper.go: route ids `kube(ew)?_<ns>__<ingress>_canary__<host>__<service>_(primary|canary)(_<port>)?`
        Family(
            "skipper",
            **_measured("skipper"),
            scale=1000.0,
            relabel=(
                (
                    "skipper_route",
                    "$1/$2/$3",
                    "route",
                    f"kube(?:ew)?_(.+?)__(.+)_canary__.*__(.+)_{ROLE}(?:_[0-9]+)?",
                ),
                ("role", "$4", "route", f"kube(?:ew)?_(.+?)__(.+)_canary__.*__(.+)_{ROLE}(?:_[0-9]+)?"),
            ),
            by=("skipper_route", "role"),
            keys=_role_keys(
                lambda t: "/".join(_skipper_name(p) for p in (t.namespace, t.ingress_name, t.service)),
            ),
            namespace_filter=lambda ns: f'route=~"kube(ew)?_{_skipper_name(ns) if ns else ".+"}__.+_canary__.*"',
        ),
    )
}


def _matchers(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


def _relabelled(expr: str, family: Family) -> str:
    for dst, replacement, src, regex in family.relabel:
        expr = f'label_replace({expr}, "{dst}", "{replacement}", "{src}", "{_quote(regex)}")'
    return expr


def promql_duration(seconds: float) -> str:
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{int(seconds * 1000)}ms"


def queries(
    family: Family, namespace: str | None, window_s: float, only: Sequence[MetricTarget] | None = None
) -> dict[str, str]:
    """The family's three grouped queries: success rate (%), requests per second, duration (ms); with `only`, for
    those targets alone where the family's labels allow (else for all)."""
    w = promql_duration(window_s)
    scope = family.namespace_filter(namespace)
    if only and family.narrow is not None:
        scope = _matchers(scope, family.narrow(only))
    by = ", ".join(family.by)

    def rate(metric: str, *matchers: str) -> str:
        selector = _matchers(*matchers)
        return _relabelled(f"rate({metric}{{{selector}}}[{w}])", family)

    count = (scope, family.fixed, family.count_fixed)
    requests = f"sum by ({by}) ({rate(family.requests, *count)})"
    ok = f"sum by ({by}) ({rate(family.requests, *count, family.ok)})"
    if family.latency:
        bucket = rate(family.latency, scope, family.fixed)
        duration = f"histogram_quantile(0.99, sum by (le, {by}) ({bucket}))"
    else:
        total, n = (f"sum by ({by}) ({rate(m, scope, family.fixed)})" for m in family.mean)
        duration = f"{total} / {n}"
    if family.scale != 1.0:
        duration = f"{duration} * {family.scale:g}"
    return {"success_rate": f"{ok} / {requests} * 100", "rps": requests, "p99_ms": duration}


def rows(family: Family, result: Any) -> dict[tuple[str, ...], Any]:
    """Answer rows keyed by the family's labels (missing label = ""); label values made safe like parsed names."""
    out: dict[tuple[str, ...], Any] = {}
    by = family.by
    for sample in result if isinstance(result, list) else []:
        metric = sample.get("metric") if isinstance(sample, dict) else None
        if not isinstance(metric, dict):
            continue
        # Thousands of rows every refresh: a plain loop, and safe_text only for a value that is not plain already
        # (its own first test, without a call per label).
        key: list[str] = []
        for label in by:
            value = metric.get(label, "")
            if not isinstance(value, str):
                break
            plain = value.isascii() and value.isprintable() and len(value) <= MAX_CHARS
            key.append(value if plain else safe_text(value))
        else:
            out[tuple(key)] = sample
    return out


def metric_target(info: CanaryInfo, mesh_provider: str | None) -> MetricTarget:
    """What the poller needs of a canary, its observer family resolved as Flagger resolves it."""
    return MetricTarget(
        namespace=info.key.namespace,
        target=info.target,
        interval_s=info.analysis.metric_interval_s,
        family=observer_family(info.provider, mesh_provider, info.target_kind),
        apex=info.apex,
        ingress=info.ingress_ref,
        kind=info.target_kind,
    )
