"""Scenario files: what the simulated cluster runs. Validated strictly, refused with one line naming the key."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.base.yaml_file import DAY_S, duration_value, mapping, read_yaml
from tui.base.yaml_file import show as _show
from tui.sim import daemonset_scenario
from tui.sim.curl_loop import parse_task_load
from tui.sim.hey import HeyError
from tui.sim.hooks import WEBHOOK_TYPES
from tui.sim.scenario_checks import MetricScenario, TemplateScenario, parse_metrics, parse_templates

GATE_TYPES = ("confirm-rollout", "confirm-traffic-increase", "confirm-promotion", "rollback")
DEFAULT_START = "2026-03-04T12:00:00Z"
RELEASE_VALUES = (
    "Go Flagger go!",
    "CloudLand! Get ready to rumble",
    "NRW rockx",
    "Deployments on a Friday",
    "Canaries sing",
    "Progressive delivery",
)


class ScenarioError(ValueError):
    """A scenario problem, worded as one line that names the key and the value."""


# A scenario's `provider:` and the `spec.provider` its Canaries carry. Plain `gatewayapi` means what a working Canary
# says: Flagger itself routes an unversioned `gatewayapi` through Istio (pkg/router/factory.go).
PROVIDERS = {
    "linkerd": "linkerd",
    "istio": "istio",
    "gatewayapi": "gatewayapi:v1",
    "gatewayapi:v1": "gatewayapi:v1",
    "nginx": "nginx",
    "kubernetes": "kubernetes",
}
DEFAULT_PROVIDER = "linkerd"


@dataclass(frozen=True)
class LoadSpec:
    concurrency: int
    rate: float
    duration_s: float | None
    delay: str
    status: int | None = None
    matched_share: float = 0.2  # the share of requests that carry the A/B match (a header or cookie)


@dataclass(frozen=True)
class WebhookScenario:
    """One webhook of the Canary, answered by the loadtester: a `bash` task that fails `failures` times then
    passes (None: always fails), or a `cmd` task running `cmd` (a `hey` load or a curl loop, always answered 202)."""

    name: str
    type: str
    failures: int | None = 0
    cmd: str | None = None


NEVER_READY = ("canary", "primary")


@dataclass(frozen=True)
class CanaryScenario:
    name: str
    namespace: str = "apps"
    replicas: int = 1
    target_kind: str = "Deployment"  # targetRef.kind: Deployment, or DaemonSet (one pod on each of `nodes` nodes)
    nodes: int = 2
    echo_value: str = "Hello from examiner"
    interval_s: float = 30.0
    step_weight: int | None = 10
    step_weights: tuple[int, ...] = ()
    max_weight: int = 50
    step_weight_promotion: int = 17
    threshold: int = 2
    success_rate_min: float = 99.0
    duration_max_ms: float = 500.0
    metric_interval_s: float = 30.0
    progress_deadline_s: int = 90
    ready_after_s: float = 4.0
    gates: tuple[str, ...] = ()
    host: str = "localhost"
    provider: str = DEFAULT_PROVIDER  # the Canary's spec.provider, as Flagger spells it
    iterations: int = 0  # blue/green, or A/B testing with `match`, instead of progressive weights
    match: tuple[dict[str, Any], ...] = ()  # Istio HTTPMatchRequests with headers, as Flagger's analysis.match
    mirror: bool = False
    mirror_weight: int | None = None
    session_affinity: dict[str, Any] | None = None  # analysis.sessionAffinity: cookieName, maxAge
    webhooks: tuple[WebhookScenario, ...] = ()
    # A release whose pods never become ready: in the canary, or (after promotion) in the primary.
    never_ready: str | None = None
    revert_on_deletion: bool = False
    primary_ready_threshold: int | None = None  # analysis.primaryReadyThreshold (Flagger: 100 when unset)
    canary_ready_threshold: int | None = None
    autoscaler: tuple[int, int] | None = None  # (minReplicas, maxReplicas) of the target's HPA, its autoscalerRef
    echo_value_from: str = "env"  # or "configMap": ECHO_VALUE from the ConfigMap <name>-config, which Flagger tracks
    # analysis.metrics as written (builtin, templateRef and inline-query checks); None: the two builtin checks above.
    metrics: tuple[MetricScenario, ...] | None = None

    @property
    def target(self) -> str:
        return self.name

    @property
    def never_ready_keys(self) -> tuple[tuple[str, str], ...]:
        """The Deployments whose new pods never become ready."""
        if self.never_ready is None:
            return ()
        name = self.name if self.never_ready == "canary" else f"{self.name}-primary"
        return ((self.namespace, name),)


@dataclass(frozen=True)
class Scenario:
    canaries: tuple[CanaryScenario, ...]
    start: float = field(default_factory=lambda: _parse_time(DEFAULT_START, "start"))
    warmup_s: float = 120.0
    background: LoadSpec = LoadSpec(concurrency=5, rate=5, duration_s=None, delay="100..250")
    background_on: bool = True
    errors: LoadSpec = LoadSpec(concurrency=2, rate=2, duration_s=240, delay="100..500", status=500)
    faulty_error_rate: int = 10
    release_values: tuple[str, ...] = RELEASE_VALUES
    sample_every_s: float = 5.0
    templates: tuple[TemplateScenario, ...] = ()  # the MetricTemplates the simulated cluster serves

    @property
    def provider(self) -> str:
        """The simulated Flagger's -mesh-provider: the provider every canary of the scenario runs with."""
        return self.canaries[0].provider if self.canaries else DEFAULT_PROVIDER


# --- built-in scenarios ----------------------------------------------------------------------------------

# Over the Linkerd proxy's series (as the lab's mesh emulator exports them): the canary's failed requests in %, and
# its p99 latency in seconds.
_INBOUND = 'namespace="{{ namespace }}",deployment="{{ target }}",direction="inbound"'
ERROR_RATE_QUERY = (
    f'100 - sum(rate(response_total{{{_INBOUND},classification!="failure"}}[{{{{ interval }}}}])) '
    f"/ sum(rate(response_total{{{_INBOUND}}}[{{{{ interval }}}}])) * 100"
)
P99_SECONDS_QUERY = (
    f"histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{{{_INBOUND}}}[{{{{ interval }}}}])) by (le)) / 1000"
)

BUILTIN: dict[str, dict[str, Any]] = {
    # Thirty canaries over five namespaces (a few behind a promotion gate): the overview's table to triage.
    "overview": {
        "canaries": [
            {
                "name": f"{app}-{i:02d}",
                "namespace": namespace,
                "gates": ["confirm-promotion", "rollback"] if i % 7 == 3 else ["rollback"],
            }
            for i, (app, namespace) in enumerate(
                (app, namespace)
                for namespace in ("payments", "checkout", "search", "catalog", "identity")
                for app in ("api", "worker", "frontend", "gateway", "cache", "events")
            )
        ]
    },
    # The seed demo's Canary exactly: no hooks but the event webhook.
    "seed": {"canaries": [{"name": "examiner", "namespace": "apps"}]},
    # The seed plus a flagger-loadtester rollback hook, so `a` can abort. The default for `demo`.
    "demo": {"canaries": [{"name": "examiner", "namespace": "apps", "gates": ["rollback"]}]},
    # Promotion waits for `p`; `a` aborts.
    "gated": {"canaries": [{"name": "examiner", "namespace": "apps", "gates": ["confirm-promotion", "rollback"]}]},
    # A DaemonSet target on Istio, one examiner pod on each of 3 nodes: idle, the canary DaemonSet carries Flagger's
    # scale-to-zero node selector (desired 0); a release removes it, and the promotion rolls the primary node by node.
    "daemonset": {
        "provider": "istio",
        "canaries": [
            {
                "name": "examiner",
                "namespace": "apps",
                "gates": ["rollback"],
                "targetRef": {"kind": "DaemonSet"},
                "nodes": 3,
            }
        ],
    },
    # The demo with ECHO_VALUE read from the ConfigMap examiner-config: `C` changes it, and Flagger, which tracks the
    # ConfigMaps a target reads, starts an analysis although the pod template stays the same.
    "configmap": {
        "canaries": [{"name": "examiner", "namespace": "apps", "gates": ["rollback"], "echoValueFrom": "configMap"}]
    },
    # The local lab's Canary (tui.lab.apps applies it to a real Flagger): short ticks so a release takes ~1 min.
    "lab": {
        "canaries": [
            {
                "name": "examiner",
                "namespace": "apps",
                "analysis": {"interval": "10s", "stepWeight": 25, "maxWeight": 50, "stepWeightPromotion": 25},
            }
        ]
    },
    # The demo's Canary on Istio: Flagger writes a VirtualService (and two DestinationRules) instead of a TrafficSplit.
    "istio": {"provider": "istio", "canaries": [{"name": "examiner", "namespace": "apps", "gates": ["rollback"]}]},
    # The demo's Canary on Gateway API: Flagger writes an HTTPRoute (gateway.networking.k8s.io/v1).
    "gatewayapi": {
        "provider": "gatewayapi",
        "canaries": [{"name": "examiner", "namespace": "apps", "gates": ["rollback"]}],
    },
    # A/B testing on Istio: insiders (header x-canary: insider, or cookie canary=always) reach the new revision for
    # 5 iterations of 15 s; a fifth of the background load carries the match.
    "ab": {
        "provider": "istio",
        "canaries": [
            {
                "name": "examiner",
                "namespace": "apps",
                "gates": ["rollback"],
                "analysis": {
                    "interval": "15s",
                    "iterations": 5,
                    "threshold": 2,
                    "match": [
                        {"headers": {"x-canary": {"exact": "insider"}}},
                        {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}},
                    ],
                },
            }
        ],
    },
    # Blue/green on Istio: 5 iterations of 15 s analysing half of the requests mirrored to the new revision, then all
    # traffic on it for one tick before the promotion.
    "bluegreen": {
        "provider": "istio",
        "canaries": [
            {
                "name": "examiner",
                "namespace": "apps",
                "gates": ["rollback"],
                "analysis": {"interval": "15s", "iterations": 5, "threshold": 2, "mirror": True, "mirrorWeight": 50},
            }
        ],
    },
    # A pre-rollout check that fails twice (two failed checks at weight 0), then a load-test rollout hook whose
    # `hey` load through the canary Service is the canary's only traffic; a post-rollout notification at the end.
    "hooks": {
        "load": {"backgroundOn": False},
        "canaries": [
            {
                "name": "examiner",
                "namespace": "apps",
                "analysis": {
                    "interval": "10s",
                    "threshold": 5,
                    "stepWeight": 25,
                    "maxWeight": 50,
                    "stepWeightPromotion": 25,
                },
                "webhooks": [
                    {"name": "smoke-test", "type": "pre-rollout", "failures": 2},
                    {
                        "name": "load-test",
                        "type": "rollout",
                        "cmd": "hey -z 1m -q 5 -c 2 http://examiner-canary.apps/examine?delay=100..250",
                    },
                    {"name": "notify", "type": "post-rollout"},
                ],
            }
        ],
    },
    # Every release's canary pods never become ready: Flagger fails the canary at the tick 60 s after the scale-up.
    "deadline": {
        "canaries": [
            {
                "name": "examiner",
                "namespace": "apps",
                "analysis": {"interval": "10s", "stepWeight": 25, "maxWeight": 50, "stepWeightPromotion": 25},
                "progressDeadlineSeconds": 60,
                "neverReady": "canary",
                "gates": ["rollback"],
            }
        ]
    },
    # Checks of the Canary's own: a MetricTemplate `error-rate` (the canary's share of failed requests, in %, max 1)
    # and an inline query (its p99 in seconds, max 0.8). The faulty release (or `e`) raises error-rate: two halts
    # named by it, then the rollback.
    "custom-metrics": {
        "metricTemplates": [
            {"name": "error-rate", "namespace": "apps", "query": ERROR_RATE_QUERY, "value": "errorRate"}
        ],
        "canaries": [
            {
                "name": "examiner",
                "namespace": "apps",
                "gates": ["rollback"],
                "analysis": {
                    "metrics": [
                        {
                            "name": "error-rate",
                            "templateRef": {"name": "error-rate"},
                            "thresholdRange": {"max": 1},
                            "interval": "30s",
                        },
                        {
                            "name": "latency-p99",
                            "query": P99_SECONDS_QUERY,
                            "thresholdRange": {"max": 0.8},
                            "interval": "30s",
                            "value": {"measure": "latencyP99", "scale": 0.001},
                        },
                    ]
                },
            }
        ],
    },
}


# --- validation helpers ----------------------------------------------------------------------------------

# The simulation steps second by second: a duration of years (above DAY_S) is a mistake, and a warm-up of
# years never starts.
HOUR_S = 3_600.0
_DELAY = re.compile(r"^\d+(\.{2,}\d+)?$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _mapping(value: Any, path: str, allowed: set[str]) -> dict[str, Any]:
    return mapping(value, path, allowed, ScenarioError)


def _int(value: Any, path: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{path}: expected an integer, got {_show(value)}")
    if minimum is not None and value < minimum:
        raise ScenarioError(f"{path}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ScenarioError(f"{path}: must be at most {maximum}, got {value}")
    return value


def _number(value: Any, path: str, minimum: float | None = None, maximum: float | None = None) -> float:
    # YAML's .nan and .inf are floats, but no bound can be checked against them.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{path}: expected a number, got {_show(value)}")
    if minimum is not None and value < minimum:
        raise ScenarioError(f"{path}: must be at least {minimum:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise ScenarioError(f"{path}: must be at most {maximum:g}, got {value:g}")
    return float(value)


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ScenarioError(f"{path}: expected a string, got {_show(value)}")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{path}: expected true or false, got {_show(value)}")
    return value


def parse_duration(
    value: Any, path: str, *, minimum: float = 0.0, maximum: float = DAY_S, allow_zero: bool = True
) -> float:
    """`30s`, `4m`, `1h`, `500ms` or a plain number of seconds, at most `maximum`."""
    return duration_value(value, path, ScenarioError, minimum=minimum, maximum=maximum, allow_zero=allow_zero)


def _parse_time(value: Any, path: str) -> float:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ScenarioError(f"{path}: expected an RFC 3339 time like {DEFAULT_START}, got {_show(value)}") from None
    else:
        raise ScenarioError(f"{path}: expected an RFC 3339 time like {DEFAULT_START}, got {_show(value)}")
    if moment.tzinfo is None:
        raise ScenarioError(f"{path}: the time needs a zone (Z or +01:00), got {_show(value)}")
    return moment.timestamp()


def _delay(value: Any, path: str) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _DELAY.match(text.strip()):
        raise ScenarioError(f"{path}: expected milliseconds like 200 or a range like 100..250, got {_show(value)}")
    parts = [int(p) for p in re.split(r"\.{2,}", text.strip())]
    if len(parts) == 2 and parts[0] > parts[1]:
        raise ScenarioError(f"{path}: the range must go from low to high, got {_show(value)}")
    return text.strip()


def _load(value: Any, path: str, base: LoadSpec) -> LoadSpec:
    raw = _mapping(value, path, {"concurrency", "rate", "duration", "delay", "status", "matchedShare"})
    duration = base.duration_s
    if "duration" in raw:
        duration = (
            None if raw["duration"] is None else parse_duration(raw["duration"], f"{path}.duration", allow_zero=False)
        )
    status = base.status
    if "status" in raw:
        status = None if raw["status"] is None else _int(raw["status"], f"{path}.status", 200, 599)
    return LoadSpec(
        concurrency=_int(raw.get("concurrency", base.concurrency), f"{path}.concurrency", 1, 50),
        rate=_number(raw.get("rate", base.rate), f"{path}.rate", 0.1, 100),
        duration_s=duration,
        delay=_delay(raw.get("delay", base.delay), f"{path}.delay"),
        status=status,
        matched_share=_number(raw.get("matchedShare", base.matched_share), f"{path}.matchedShare", 0, 1),
    )


_CANARY_KEYS = {
    "name",
    "namespace",
    "replicas",
    "targetRef",
    "nodes",
    "echoValue",
    "analysis",
    "gates",
    "readyAfter",
    "host",
    "progressDeadlineSeconds",
    "webhooks",
    "neverReady",
    "revertOnDeletion",
    "echoValueFrom",
    "autoscaler",
}
ECHO_SOURCES = ("env", "configMap")
_ANALYSIS_KEYS = {
    "interval",
    "stepWeight",
    "stepWeights",
    "maxWeight",
    "stepWeightPromotion",
    "threshold",
    "successRateMin",
    "durationMaxMs",
    "metricInterval",
    "iterations",
    "match",
    "mirror",
    "mirrorWeight",
    "sessionAffinity",
    "primaryReadyThreshold",
    "canaryReadyThreshold",
    "metrics",
}


def _provider(value: Any, path: str) -> str:
    if not isinstance(value, str) or value not in PROVIDERS:
        raise ScenarioError(f"{path}: unknown provider {_show(value)} (the simulation speaks: {', '.join(PROVIDERS)})")
    return PROVIDERS[value]


_WEBHOOK_KEYS = {"name", "type", "failures", "fails", "cmd"}


def _webhook(value: Any, path: str, canary: str, host: str) -> WebhookScenario:
    raw = _mapping(value, path, _WEBHOOK_KEYS)
    if "name" not in raw:
        raise ScenarioError(f"{path}.name: missing (every webhook needs a name)")
    name = _str(raw["name"], f"{path}.name")
    if not _NAME.match(name) or len(name) > 50:
        raise ScenarioError(f"{path}.name: expected a lowercase name like load-test, got {_show(name)}")
    hook_type = raw.get("type", "rollout")
    if hook_type not in WEBHOOK_TYPES:
        allowed = ", ".join(WEBHOOK_TYPES)
        raise ScenarioError(f"{path}.type: unknown webhook type {_show(hook_type)} (Flagger's: {allowed})")
    if hook_type == "event":
        raise ScenarioError(f"{path}.type: event hooks are built in (every canary sends its events to the logger)")
    if "failures" in raw and "fails" in raw:
        raise ScenarioError(f"{path}: give either failures or fails, not both")
    failures: int | None = 0
    if "failures" in raw:
        failures = _int(raw["failures"], f"{path}.failures", 0, 1000)
    if "fails" in raw:
        if raw["fails"] != "always":
            raise ScenarioError(f"{path}.fails: expected always, got {_show(raw['fails'])} (use failures: N)")
        failures = None
    cmd: str | None = None
    if "cmd" in raw:
        if "failures" in raw or "fails" in raw:
            raise ScenarioError(f"{path}.cmd: a cmd task is answered 202 before it runs, so it cannot fail")
        cmd = _str(raw["cmd"], f"{path}.cmd")
        try:
            load = parse_task_load(cmd)
        except HeyError as exc:
            raise ScenarioError(f"{path}.cmd: {exc}") from None
        if load.host is not None and load.app_service(canary, host) is None:
            raise ScenarioError(
                f"{path}.cmd: the Host header must be the canary's host {host} or name a Service of the canary "
                f"({canary}-canary, {canary}-primary or {canary}), got {_show(load.host)}"
            )
        if load.app_service(canary, host) is None:
            raise ScenarioError(
                f"{path}.cmd: the URL's host must be a Service of the canary ({canary}-canary, {canary}-primary or "
                f"{canary}), got {_show(load.service)}"
            )
    return WebhookScenario(name=name, type=hook_type, failures=failures, cmd=cmd)


def _never_ready(value: Any, path: str) -> str | None:
    if value is True:
        return "canary"
    if value is False or value is None:
        return None
    if value not in NEVER_READY:
        raise ScenarioError(f"{path}: expected true, canary or primary, got {_show(value)}")
    return str(value)


def _optional_percent(analysis: dict[str, Any], key: str, path: str) -> int | None:
    return _int(analysis[key], f"{path}.{key}", 0, 100) if key in analysis else None


def _autoscaler(raw: dict[str, Any], path: str) -> tuple[int, int] | None:
    if "autoscaler" not in raw:
        return None
    hpa = _mapping(raw["autoscaler"], path, {"minReplicas", "maxReplicas"})
    low = _int(hpa.get("minReplicas", 1), f"{path}.minReplicas", 1, 20)
    high = _int(hpa.get("maxReplicas", max(low, 2)), f"{path}.maxReplicas", 1, 20)
    if high < low:
        raise ScenarioError(f"{path}.maxReplicas: must be at least minReplicas ({low}), got {high}")
    return low, high


def _target_fields(raw: dict[str, Any], path: str, provider: str) -> dict[str, Any]:
    try:
        kind, nodes = daemonset_scenario.target_kind(raw, path, provider)
    except daemonset_scenario.TargetError as exc:
        raise ScenarioError(str(exc)) from None
    return {"target_kind": kind, "nodes": nodes}


def _echo_source(value: Any, path: str) -> str:
    if value not in ECHO_SOURCES:
        raise ScenarioError(f"{path}: expected one of {', '.join(ECHO_SOURCES)}, got {_show(value)}")
    return str(value)


def _metrics(
    analysis: dict[str, Any], a: str, namespace: str, templates: tuple[TemplateScenario, ...]
) -> tuple[MetricScenario, ...] | None:
    """analysis.metrics: the Canary's own checks, in place of the builtin ones the other keys describe."""
    if "metrics" not in analysis:
        return None
    for key in ("successRateMin", "durationMaxMs", "metricInterval"):
        if key in analysis:
            raise ScenarioError(
                f"{a}.{key}: cannot go with metrics (give request-success-rate or request-duration there)"
            )
    return parse_metrics(analysis["metrics"], f"{a}.metrics", ScenarioError, namespace, templates)


def _canary(
    value: Any,
    path: str,
    index: int,
    provider: str = DEFAULT_PROVIDER,
    templates: tuple[TemplateScenario, ...] = (),
) -> CanaryScenario:
    raw = _mapping(value, path, _CANARY_KEYS)
    if "name" not in raw:
        raise ScenarioError(f"{path}.name: missing (every canary needs a name)")
    name = _str(raw["name"], f"{path}.name")
    namespace = _str(raw.get("namespace", "apps"), f"{path}.namespace")
    for key, text in (("name", name), ("namespace", namespace)):
        if not _NAME.match(text) or len(text) > 50:
            raise ScenarioError(f"{path}.{key}: not a valid Kubernetes name: {_show(text)}")
    analysis = _mapping(raw.get("analysis"), f"{path}.analysis", _ANALYSIS_KEYS)
    a = f"{path}.analysis"
    step_weights: tuple[int, ...] = ()
    if "stepWeights" in analysis:
        items = analysis["stepWeights"]
        if not isinstance(items, list) or not items:
            raise ScenarioError(f"{a}.stepWeights: expected a non-empty list of weights, got {_show(items)}")
        step_weights = tuple(_int(w, f"{a}.stepWeights[{i}]", 1, 100) for i, w in enumerate(items))
        if list(step_weights) != sorted(set(step_weights)):
            raise ScenarioError(f"{a}.stepWeights: weights must rise, got {list(step_weights)}")
    iterations = _int(analysis.get("iterations", 0), f"{a}.iterations", 0, 100)
    step_weight: int | None = 10 if not step_weights and not iterations else None
    if "stepWeight" in analysis:
        step_weight = _int(analysis["stepWeight"], f"{a}.stepWeight", 1, 100)
    if iterations:
        for key in ("stepWeight", "stepWeights"):
            if key in analysis:
                raise ScenarioError(
                    f"{a}.iterations: cannot go with {key} (a Canary takes one of iterations, stepWeight, stepWeights)"
                )
    kinds = _strategy_keys(analysis, a, iterations, provider)
    max_weight = _int(analysis.get("maxWeight", 50), f"{a}.maxWeight", 1, 100)
    gates_raw = raw.get("gates", [])
    if not isinstance(gates_raw, list):
        raise ScenarioError(f"{path}.gates: expected a list of {', '.join(GATE_TYPES)}, got {_show(gates_raw)}")
    gates: list[str] = []
    for i, gate in enumerate(gates_raw):
        if gate not in GATE_TYPES:
            raise ScenarioError(f"{path}.gates[{i}]: unknown gate {_show(gate)} (allowed: {', '.join(GATE_TYPES)})")
        gates.append(gate)
    hooks_raw = raw.get("webhooks", [])
    if not isinstance(hooks_raw, list):
        raise ScenarioError(f"{path}.webhooks: expected a list of webhooks, got {_show(hooks_raw)}")
    host = _str(raw.get("host", "localhost" if index == 0 else f"{name}.{namespace}.localhost"), f"{path}.host")
    webhooks = tuple(_webhook(h, f"{path}.webhooks[{i}]", name, host) for i, h in enumerate(hooks_raw))
    return CanaryScenario(
        name=name,
        namespace=namespace,
        replicas=_int(raw.get("replicas", 1), f"{path}.replicas", 1, 20),
        **_target_fields(raw, path, provider),
        echo_value=_str(raw.get("echoValue", "Hello from examiner"), f"{path}.echoValue"),
        interval_s=parse_duration(
            analysis.get("interval", "30s"), f"{a}.interval", minimum=1, maximum=HOUR_S, allow_zero=False
        ),
        step_weight=step_weight,
        step_weights=step_weights,
        max_weight=max_weight,
        step_weight_promotion=_int(
            analysis.get("stepWeightPromotion", 0 if iterations else 17), f"{a}.stepWeightPromotion", 0, 100
        ),
        threshold=_int(analysis.get("threshold", 2), f"{a}.threshold", 1, 100),
        success_rate_min=_number(analysis.get("successRateMin", 99), f"{a}.successRateMin", 0, 100),
        duration_max_ms=_number(analysis.get("durationMaxMs", 500), f"{a}.durationMaxMs", 1, 600_000),
        metric_interval_s=parse_duration(
            analysis.get("metricInterval", "30s"), f"{a}.metricInterval", minimum=1, maximum=HOUR_S
        ),
        progress_deadline_s=_int(raw.get("progressDeadlineSeconds", 90), f"{path}.progressDeadlineSeconds", 1, 86_400),
        webhooks=webhooks,
        never_ready=_never_ready(raw.get("neverReady"), f"{path}.neverReady"),
        ready_after_s=parse_duration(raw.get("readyAfter", "4s"), f"{path}.readyAfter", maximum=HOUR_S),
        gates=tuple(gates),
        host=host,
        provider=provider,
        primary_ready_threshold=_optional_percent(analysis, "primaryReadyThreshold", a),
        canary_ready_threshold=_optional_percent(analysis, "canaryReadyThreshold", a),
        autoscaler=_autoscaler(raw, f"{path}.autoscaler"),
        echo_value_from=_echo_source(raw.get("echoValueFrom", "env"), f"{path}.echoValueFrom"),
        revert_on_deletion=_bool(raw.get("revertOnDeletion", False), f"{path}.revertOnDeletion"),
        iterations=iterations,
        metrics=_metrics(analysis, a, namespace, templates),
        **kinds,
    )


_MATCH_KINDS = ("exact", "regex")
# The routers that write analysis.match as match rules; linkerd's TrafficSplit has none (Flagger would send every
# request to the canary), and kubernetes drops the match with a warning on every tick.
_AB_PROVIDERS = ("istio", "gatewayapi:v1", "nginx", "kubernetes")


def _match(value: Any, path: str) -> tuple[dict[str, Any], ...]:
    """analysis.match: a list of `headers:` maps, each header matched by `exact` or `regex` (Flagger's shape)."""
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"{path}: expected a non-empty list of matches like [headers: {{x-canary: {{exact: on}}}}]")
    matches = []
    for i, item in enumerate(value):
        raw = _mapping(item, f"{path}[{i}]", {"headers"})
        headers = raw.get("headers")
        if not isinstance(headers, dict) or not headers:
            raise ScenarioError(f"{path}[{i}].headers: expected a map of header names to matches, got {_show(headers)}")
        checked = {}
        for name, rule in headers.items():
            where = f"{path}[{i}].headers.{name}"
            if not isinstance(name, str) or not name:
                raise ScenarioError(f"{path}[{i}].headers: header names are strings, got {_show(name)}")
            kinds = _mapping(rule, where, set(_MATCH_KINDS))
            if len(kinds) != 1:
                raise ScenarioError(f"{where}: expected exactly one of exact, regex")
            kind, text = next(iter(kinds.items()))
            text = _str(text, f"{where}.{kind}")
            if not text:
                raise ScenarioError(f"{where}.{kind}: must not be empty")
            if kind == "regex":
                try:
                    re.compile(text)
                except re.error as exc:
                    raise ScenarioError(f"{where}.regex: not a regular expression ({exc})") from None
            checked[name] = {kind: text}
        matches.append({"headers": checked})
    return tuple(matches)


def _strategy_keys(analysis: dict[str, Any], a: str, iterations: int, provider: str) -> dict[str, Any]:
    """match, mirror, mirrorWeight and sessionAffinity, refused where Flagger's routers would not do what they say."""
    match = _match(analysis["match"], f"{a}.match") if "match" in analysis else ()
    if match and iterations and provider not in _AB_PROVIDERS:
        raise ScenarioError(f"{a}.match: A/B testing needs istio, gatewayapi or nginx ({provider} has no match rules)")
    mirror = _bool(analysis.get("mirror", False), f"{a}.mirror")
    if mirror:
        if match and iterations:
            raise ScenarioError(f"{a}.mirror: A/B testing (match with iterations) never mirrors; drop one of them")
        mirrors = ("istio", "gatewayapi:v1") if iterations else ("istio",)
        if provider not in mirrors:
            strategy = "blue/green" if iterations else "the canary strategy"
            raise ScenarioError(
                f"{a}.mirror: Flagger mirrors {strategy} only on {' and '.join(mirrors)}, not {provider}"
            )
    mirror_weight = None
    if "mirrorWeight" in analysis:
        mirror_weight = _int(analysis["mirrorWeight"], f"{a}.mirrorWeight", 0, 100)
    affinity = None
    if "sessionAffinity" in analysis:
        raw = _mapping(analysis["sessionAffinity"], f"{a}.sessionAffinity", {"cookieName", "maxAge"})
        if "cookieName" not in raw:
            raise ScenarioError(f"{a}.sessionAffinity.cookieName: missing (Flagger requires it)")
        cookie = _str(raw["cookieName"], f"{a}.sessionAffinity.cookieName")
        if not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", cookie):
            raise ScenarioError(f"{a}.sessionAffinity.cookieName: not a cookie name: {_show(cookie)}")
        affinity = {"cookieName": cookie}
        if "maxAge" in raw:
            affinity["maxAge"] = _int(raw["maxAge"], f"{a}.sessionAffinity.maxAge", 1, 31_536_000)
        if iterations:
            raise ScenarioError(f"{a}.sessionAffinity: applies to the canary strategy (stepWeight), not to iterations")
        if provider not in ("istio", "gatewayapi:v1"):
            raise ScenarioError(
                f"{a}.sessionAffinity: only the istio and gatewayapi routers keep sessions, not {provider}"
            )
    return {"match": match, "mirror": mirror, "mirror_weight": mirror_weight, "session_affinity": affinity}


_TOP_KEYS = {"canaries", "start", "warmup", "load", "release", "sampleEvery", "provider", "metricTemplates"}


def from_mapping(raw: Any) -> Scenario:
    top = _mapping(raw, "", _TOP_KEYS)
    provider = _provider(top.get("provider", DEFAULT_PROVIDER), "provider")
    items = top.get("canaries")
    if not isinstance(items, list) or not items:
        raise ScenarioError("canaries: expected a non-empty list of canaries")
    templates = parse_templates(top.get("metricTemplates"), "metricTemplates", ScenarioError)
    canaries = tuple(_canary(item, f"canaries[{i}]", i, provider, templates) for i, item in enumerate(items))
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(canaries):
        if (c.namespace, c.name) in seen:
            raise ScenarioError(f"canaries[{i}]: {c.namespace}/{c.name} is listed twice")
        seen.add((c.namespace, c.name))
    defaults = Scenario(canaries=canaries)
    load = _mapping(top.get("load"), "load", {"background", "errors", "backgroundOn"})
    release = _mapping(top.get("release"), "release", {"faultyErrorRate", "values"})
    values = defaults.release_values
    if "values" in release:
        if not isinstance(release["values"], list) or not release["values"]:
            raise ScenarioError(f"release.values: expected a non-empty list of strings, got {_show(release['values'])}")
        values = tuple(_str(v, f"release.values[{i}]") for i, v in enumerate(release["values"]))
    return Scenario(
        canaries=canaries,
        start=_parse_time(top["start"], "start") if "start" in top else defaults.start,
        warmup_s=parse_duration(top.get("warmup", "120s"), "warmup", maximum=HOUR_S),
        background=_load(load.get("background"), "load.background", defaults.background),
        background_on=_bool(load.get("backgroundOn", True), "load.backgroundOn"),
        errors=_load(load.get("errors"), "load.errors", defaults.errors),
        faulty_error_rate=_int(release.get("faultyErrorRate", 10), "release.faultyErrorRate", 1, 100),
        release_values=values,
        sample_every_s=parse_duration(top.get("sampleEvery", "5s"), "sampleEvery", minimum=1, maximum=HOUR_S),
        templates=templates,
    )


def load_scenario(spec: str | None) -> Scenario:
    """A built-in name (demo, seed, gated, lab, istio, gatewayapi, ab, bluegreen, hooks, deadline, custom-metrics)
    or a YAML file path; None means the demo."""
    if spec is None:
        return from_mapping(BUILTIN["demo"])
    if spec in BUILTIN and not Path(spec).exists():
        return from_mapping(BUILTIN[spec])
    raw = read_yaml(spec, "scenario", ScenarioError, missing_hint=f" (built-in scenarios: {', '.join(BUILTIN)})")
    try:
        return from_mapping(raw)
    except ScenarioError as exc:
        raise ScenarioError(f"{spec}: {exc}") from None
