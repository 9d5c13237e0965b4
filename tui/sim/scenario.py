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
from tui.sim.hey import HeyError, parse_hey
from tui.sim.hooks import WEBHOOK_TYPES

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


@dataclass(frozen=True)
class WebhookScenario:
    """One webhook of the Canary, answered by the loadtester: a `bash` task that fails `failures` times then
    passes (None: always fails), or a `cmd` task running `cmd` (a `hey` load test, always answered 202)."""

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
    webhooks: tuple[WebhookScenario, ...] = ()
    # A release whose pods never become ready: in the canary, or (after promotion) in the primary.
    never_ready: str | None = None

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

    @property
    def provider(self) -> str:
        """The simulated Flagger's -mesh-provider: the provider every canary of the scenario runs with."""
        return self.canaries[0].provider if self.canaries else DEFAULT_PROVIDER


# --- built-in scenarios ----------------------------------------------------------------------------------

BUILTIN: dict[str, dict[str, Any]] = {
    # The seed demo's Canary exactly: no hooks but the event webhook.
    "seed": {"canaries": [{"name": "examiner", "namespace": "apps"}]},
    # The seed plus a flagger-loadtester rollback hook, so `a` can abort. The default for `demo`.
    "demo": {"canaries": [{"name": "examiner", "namespace": "apps", "gates": ["rollback"]}]},
    # Promotion waits for `p`; `a` aborts.
    "gated": {"canaries": [{"name": "examiner", "namespace": "apps", "gates": ["confirm-promotion", "rollback"]}]},
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
    # Every release's canary pods never become ready: Flagger fails the canary one tick after its 60 s deadline.
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
    raw = _mapping(value, path, {"concurrency", "rate", "duration", "delay", "status"})
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
    )


_CANARY_KEYS = {
    "name",
    "namespace",
    "replicas",
    "echoValue",
    "analysis",
    "gates",
    "readyAfter",
    "host",
    "progressDeadlineSeconds",
    "webhooks",
    "neverReady",
}
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
}


def _provider(value: Any, path: str) -> str:
    if not isinstance(value, str) or value not in PROVIDERS:
        raise ScenarioError(f"{path}: unknown provider {_show(value)} (the simulation speaks: {', '.join(PROVIDERS)})")
    return PROVIDERS[value]


_WEBHOOK_KEYS = {"name", "type", "failures", "fails", "cmd"}


def _webhook(value: Any, path: str, canary: str) -> WebhookScenario:
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
            load = parse_hey(cmd)
        except HeyError as exc:
            raise ScenarioError(f"{path}.cmd: {exc}") from None
        if load.service not in (canary, f"{canary}-canary", f"{canary}-primary"):
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


def _canary(value: Any, path: str, index: int, provider: str = DEFAULT_PROVIDER) -> CanaryScenario:
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
    step_weight: int | None = 10 if not step_weights else None
    if "stepWeight" in analysis:
        step_weight = _int(analysis["stepWeight"], f"{a}.stepWeight", 1, 100)
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
    webhooks = tuple(_webhook(h, f"{path}.webhooks[{i}]", name) for i, h in enumerate(hooks_raw))
    return CanaryScenario(
        name=name,
        namespace=namespace,
        replicas=_int(raw.get("replicas", 1), f"{path}.replicas", 1, 20),
        echo_value=_str(raw.get("echoValue", "Hello from examiner"), f"{path}.echoValue"),
        interval_s=parse_duration(
            analysis.get("interval", "30s"), f"{a}.interval", minimum=1, maximum=HOUR_S, allow_zero=False
        ),
        step_weight=step_weight,
        step_weights=step_weights,
        max_weight=max_weight,
        step_weight_promotion=_int(analysis.get("stepWeightPromotion", 17), f"{a}.stepWeightPromotion", 0, 100),
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
        host=_str(raw.get("host", "localhost" if index == 0 else f"{name}.{namespace}.localhost"), f"{path}.host"),
        provider=provider,
    )


_TOP_KEYS = {"canaries", "start", "warmup", "load", "release", "sampleEvery", "provider"}


def from_mapping(raw: Any) -> Scenario:
    top = _mapping(raw, "", _TOP_KEYS)
    provider = _provider(top.get("provider", DEFAULT_PROVIDER), "provider")
    items = top.get("canaries")
    if not isinstance(items, list) or not items:
        raise ScenarioError("canaries: expected a non-empty list of canaries")
    canaries = tuple(_canary(item, f"canaries[{i}]", i, provider) for i, item in enumerate(items))
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
    )


def load_scenario(spec: str | None) -> Scenario:
    """A built-in name (demo, seed, gated, lab, istio, gatewayapi, hooks, deadline) or a YAML file path; None means
    the demo."""
    if spec is None:
        return from_mapping(BUILTIN["demo"])
    if spec in BUILTIN and not Path(spec).exists():
        return from_mapping(BUILTIN[spec])
    raw = read_yaml(spec, "scenario", ScenarioError, missing_hint=f" (built-in scenarios: {', '.join(BUILTIN)})")
    try:
        return from_mapping(raw)
    except ScenarioError as exc:
        raise ScenarioError(f"{spec}: {exc}") from None
