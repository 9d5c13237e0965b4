"""Flagger's event wording (v1.44), produced by the simulation and recognised in real streams.

Builders return the exact text Flagger records; `classify` reads any Flagger message back into a kind and
the values it carries. `obj` is `<name>.<namespace>`, `target` is `<targetRef.name>.<namespace>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.domain.flagger.gofmt import go_duration_ms, go_float

NORMAL = "Normal"
WARNING = "Warning"

COMBINED_PREFIX = "(combined from similar events): "


def dotted(name: str, namespace: str) -> str:
    return f"{name}.{namespace}"


# --- lifecycle -------------------------------------------------------------------------------------------


def suspended() -> str:
    return "skipping canary run as object is suspended"


def metrics_providers_available() -> str:
    return "all the metrics providers are available!"


def initialization_done(obj: str) -> str:
    return f"Initialization done! {obj}"


def not_ready(workload: str, reason: str) -> str:
    return f"{workload} not ready: {reason}"


def canary_not_ready(target: str, reason: str) -> str:
    return f"canary deployment {target} not ready: {reason}"


# The Deployment controller has not yet seen the latest spec (status.observedGeneration < metadata.generation).
GENERATION_NOT_OBSERVED = "waiting for rollout to finish: observed deployment generation less than desired generation"


def rollout_unavailable(available: int, desired: int, threshold: int = 100) -> str:
    return (
        f"waiting for rollout to finish: {available} of {desired} "
        f"(readyThreshold {threshold}%) updated replicas are available"
    )


def waiting_for_approval(obj: str, hook: str) -> str:
    return f"Halt {obj} advancement waiting for approval {hook}"


def confirm_rollout_passed(hook: str) -> str:
    return f"Confirm-rollout check {hook} passed"


def new_revision(target: str) -> str:
    return f"New revision detected! Scaling up {target}"


def restarting_analysis(target: str) -> str:
    return f"New revision detected! Restarting analysis for {target}"


def rollback_check_passed(hook: str) -> str:
    return f"Rollback check {hook} passed"


def rollback_not_signaling(hook: str) -> str:
    return f"Rollback hook {hook} not signaling a rollback"


def rolling_back_manual(obj: str) -> str:
    return f"Rolling back {obj} manual webhook invoked"


def routing_all_to_primary() -> str:
    return "Routing all traffic to primary"


def routing_all_to_canary() -> str:
    return "Routing all traffic to canary"


def stop_mirroring_route_to_canary() -> str:
    return "Stop traffic mirroring and route all traffic to canary"


def advance_primary(obj: str, weight: int) -> str:
    return f"Advance {obj} primary weight {weight}"


def promotion_completed(target: str) -> str:
    return f"Promotion completed! Scaling down {target}"


def starting_analysis(target: str) -> str:
    return f"Starting canary analysis for {target}"


def traffic_increase_waiting(obj: str, hook: str) -> str:
    return f"Halt {obj} advancement waiting for traffic increase approval {hook}"


def advance_canary(obj: str, weight: int) -> str:
    return f"Advance {obj} canary weight {weight}"


def advance_iteration(obj: str, iteration: int, iterations: int) -> str:
    return f"Advance {obj} canary iteration {iteration}/{iterations}"


# provider `kubernetes` turns every analysis into blue/green, saying so at every tick that gets that far.
KUBERNETES_NO_AB = "A/B testing is not supported when using the kubernetes provider"
KUBERNETES_NO_PROGRESSIVE = "Progressive traffic is not supported when using the kubernetes provider"
KUBERNETES_ITERATIONS = 10


def setting_iterations(iterations: int) -> str:
    return f"Setting canaryAnalysis.iterations: {iterations}"


def promotion_waiting(obj: str, hook: str) -> str:
    return f"Halt {obj} advancement waiting for promotion approval {hook}"


def confirm_promotion_passed(hook: str) -> str:
    return f"Confirm-promotion check {hook} passed"


def copying_spec(target: str, primary: str) -> str:
    return f"Copying {target} template spec to {primary}"


def promotion_skipped(target: str) -> str:
    return f"Promotion completed! Canary analysis was skipped for {target}"


def threshold_reached(obj: str, failed_checks: int) -> str:
    return f"Rolling back {obj} failed checks threshold reached {failed_checks}"


def canary_failed(obj: str) -> str:
    return f"Canary failed! Scaling down {obj}"


# --- metric checks ---------------------------------------------------------------------------------------


def success_rate_below(obj: str, value: float, minimum: float) -> str:
    return f"Halt {obj} advancement success rate {value:.2f}% < {go_float(minimum)}%"


def success_rate_above(obj: str, value: float, maximum: float) -> str:
    return f"Halt {obj} advancement success rate {value:.2f}% > {go_float(maximum)}%"


def metric_halt(obj: str, check: str, value: float, op: str, bound: float) -> str:
    """A templateRef or inline-query check out of its range (`op` is `<` below min, `>` above max)."""
    return f"Halt {obj} advancement {check} {value:.2f} {op} {go_float(bound)}"


def duration_above(obj: str, value_ms: float, maximum_ms: float) -> str:
    return (
        f"Halt {obj} advancement request duration {go_duration_ms(int(value_ms))} > {go_duration_ms(int(maximum_ms))}"
    )


def no_values_success_rate(provider: str, target: str, *, wrapped: bool = True) -> str:
    """`wrapped`: the observer adds "running query failed: " to the error (all but the Gateway API / kubernetes one)."""
    error = "running query failed: no values found" if wrapped else "no values found"
    return (
        f"Halt advancement no values found for {provider} metric request-success-rate "
        f"probably {target} is not receiving traffic: {error}"
    )


def no_values_duration(provider: str, target: str) -> str:
    return (
        f"Halt advancement no values found for {provider} metric request-duration "
        f"probably {target} is not receiving traffic"
    )


# --- reading messages back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classified:
    kind: str
    obj: str | None = None
    values: dict[str, str] = field(default_factory=dict)


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("canary-weight", re.compile(r"^Advance (?P<obj>\S+) canary weight (?P<weight>\d+)$")),
    ("primary-weight", re.compile(r"^Advance (?P<obj>\S+) primary weight (?P<weight>\d+)$")),
    ("iteration", re.compile(r"^Advance (?P<obj>\S+) canary iteration (?P<i>\d+)/(?P<n>\d+)$")),
    (
        "success-rate-halt",
        re.compile(
            r"^Halt (?P<obj>\S+) advancement success rate (?P<value>[\d.]+)% (?P<op>[<>]) (?P<bound>[\d.e+]+)%$"
        ),
    ),
    (
        "duration-halt",
        re.compile(r"^Halt (?P<obj>\S+) advancement request duration (?P<value>\S+) (?P<op>[<>]) (?P<bound>\S+)$"),
    ),
    ("no-values", re.compile(r"^Halt advancement no values found for (?P<rest>.*)$")),
    ("approval-halt", re.compile(r"^Halt (?P<obj>\S+) advancement waiting for approval (?P<hook>.*)$")),
    (
        "traffic-increase-halt",
        re.compile(r"^Halt (?P<obj>\S+) advancement waiting for traffic increase approval (?P<hook>.*)$"),
    ),
    ("promotion-halt", re.compile(r"^Halt (?P<obj>\S+) advancement waiting for promotion approval (?P<hook>.*)$")),
    (
        "external-check-halt",
        re.compile(r"^Halt (?P<obj>\S+) advancement external check (?P<hook>\S+) failed (?P<err>.*)$"),
    ),
    (
        "pre-rollout-halt",
        re.compile(r"^Halt (?P<obj>\S+) advancement pre-rollout check (?P<hook>\S+) failed (?P<err>.*)$"),
    ),
    (
        # Any other check (templateRef or inline query): "Halt podinfo.test advancement error-rate 1.30 > 1".
        "metric-halt",
        re.compile(
            r"^Halt (?P<obj>\S+) advancement (?P<check>\S+) "
            r"(?P<value>[-+]?(?:[\d.]+|NaN|Inf)) (?P<op>[<>]) (?P<bound>\S+)$"
        ),
    ),
    ("threshold-rollback", re.compile(r"^Rolling back (?P<obj>\S+) failed checks threshold reached (?P<n>\d+)$")),
    ("manual-rollback", re.compile(r"^Rolling back (?P<obj>\S+) manual webhook invoked$")),
    ("canary-failed", re.compile(r"^Canary failed! Scaling down (?P<obj>\S+)$")),
    ("new-revision", re.compile(r"^New revision detected! Scaling up (?P<obj>\S+)$")),
    ("restart", re.compile(r"^New revision detected! Restarting analysis for (?P<obj>\S+)$")),
    ("starting-analysis", re.compile(r"^Starting canary analysis for (?P<obj>\S+)$")),
    ("copying", re.compile(r"^Copying (?P<obj>\S+) template spec to (?P<primary>\S+)$")),
    ("promotion-skipped", re.compile(r"^Promotion completed! Canary analysis was skipped for (?P<obj>\S+)$")),
    ("promotion-completed", re.compile(r"^Promotion completed! Scaling down (?P<obj>\S+)$")),
    ("initialized", re.compile(r"^Initialization done! (?P<obj>\S+)$")),
    ("suspended", re.compile(r"^skipping canary run as object is suspended$")),
    ("canary-not-ready", re.compile(r"^canary deployment (?P<obj>\S+) not ready: (?P<reason>.*)$")),
    # A DaemonSet target's wrappers (daemonset_ready.go:41, 57; "damonset" is Flagger's spelling).
    (
        "canary-not-ready",
        re.compile(r"^canary damonset (?P<obj>\S+) not ready with retryable (?:true|false): (?P<reason>.*)$"),
    ),
    ("not-ready", re.compile(r"^primary daemonset (?P<obj>\S+) not ready: (?P<reason>.*)$")),
    ("not-ready", re.compile(r"^(?P<obj>\S+) not ready: (?P<reason>.*)$")),
]


# templateRef checks: "custom metric: NAME: <error>"; inline query checks: "metric: NAME" (scheduler_metrics.go:229).
_CUSTOM_NO_VALUES = re.compile(r"^(?:custom metric: (\S+):|metric: (\S+)$)")


def no_values_check(found: Classified) -> str | None:
    """The check a "no values found" halt names when it is a templateRef or query check (scheduler_metrics.go:
    "Halt advancement no values found for custom metric: error-rate: no values found", and for an inline query
    "Halt advancement no values found for metric: error-rate"); else None."""
    if found.kind != "no-values":
        return None
    match = _CUSTOM_NO_VALUES.match(found.values.get("rest", ""))
    return (match.group(1) or match.group(2)) if match else None


def strip_combined(message: str) -> tuple[str, bool]:
    """Undo the Events API's aggregation prefix; says whether it was there."""
    if message.startswith(COMBINED_PREFIX):
        return message[len(COMBINED_PREFIX) :], True
    return message, False


def classify(message: str) -> Classified:
    text, _ = strip_combined(message.strip())
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            values = {k: v for k, v in match.groupdict().items() if k != "obj" and v is not None}
            return Classified(kind, match.groupdict().get("obj"), values)
    return Classified("other")


def split_dotted(obj: str) -> tuple[str, str] | None:
    """`name.namespace` -> (name, namespace); names may hold dots, namespaces cannot."""
    name, dot, namespace = obj.rpartition(".")
    if not dot or not name or not namespace:
        return None
    return name, namespace
