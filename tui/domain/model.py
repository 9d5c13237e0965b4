"""What the sources observe, as plain frozen values. Parsed once at the edge; unknown fields are None."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, order=True)
class CanaryKey:
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


class Phase(StrEnum):
    INITIALIZING = "Initializing"
    INITIALIZED = "Initialized"
    WAITING = "Waiting"
    PROGRESSING = "Progressing"
    WAITING_PROMOTION = "WaitingPromotion"
    PROMOTING = "Promoting"
    FINALISING = "Finalising"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    TERMINATING = "Terminating"
    TERMINATED = "Terminated"


ACTIVE_PHASES = frozenset({Phase.PROGRESSING, Phase.WAITING_PROMOTION, Phase.PROMOTING, Phase.FINALISING})
RESTING_PHASES = frozenset({Phase.INITIALIZED, Phase.SUCCEEDED, Phase.FAILED})


@dataclass(frozen=True)
class Webhook:
    name: str
    type: str
    url: str


class CheckKind(StrEnum):
    BUILTIN = "builtin"  # request-success-rate / request-duration, the provider's own query
    TEMPLATE = "templateRef"  # a MetricTemplate, in templateRef.namespace or the Canary's
    QUERY = "query"  # an inline Prometheus query on the metric itself


@dataclass(frozen=True)
class Check:
    """One entry of spec.analysis.metrics, as Flagger runs it (scheduler_metrics.go)."""

    name: str
    kind: CheckKind
    interval: str = "1m"  # kept as written: Flagger renders `{{ interval }}` from this very text
    min: float | None = None
    max: float | None = None
    template_namespace: str | None = None
    template_name: str | None = None
    query: str | None = None
    variables: tuple[tuple[str, str], ...] = ()  # templateVariables, sorted by key
    # Why Flagger cannot run the check as written (e.g. no template and no query), in one line; None when usable.
    problem: str | None = None

    @property
    def template_key(self) -> str | None:
        return f"{self.template_namespace}/{self.template_name}" if self.template_name else None

    def fails(self, value: float) -> bool:
        """Flagger's verdict: below min or above max halts; a value equal to a bound passes."""
        return (self.min is not None and value < self.min) or (self.max is not None and value > self.max)


@dataclass(frozen=True)
class MetricTemplateInfo:
    """A flagger.app/v1beta1 MetricTemplate. Only the secret's name is kept: its contents never enter state."""

    namespace: str
    name: str
    provider: str  # prometheus, datadog, cloudwatch, ...; "" when unset
    address: str | None = None
    query: str | None = None
    secret_name: str | None = None
    insecure_skip_verify: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def queryable(self) -> bool:
        """canaryscope runs Prometheus queries only; other providers' verdicts come from Flagger's events."""
        return self.provider == "prometheus" and self.query is not None


@dataclass(frozen=True)
class CheckSample:
    """One evaluation of a check: its value, or the one-line reason there is none (Flagger's words where it has
    them, e.g. "no values found"); `query` as rendered and sent, `subject` the workload it measured."""

    at: float
    value: float | None
    error: str | None = None
    query: str | None = None
    subject: str = "canary"  # "canary", or "primary" where the check can be evaluated for both


@dataclass(frozen=True)
class Analysis:
    interval_s: float | None = None
    threshold: int | None = None
    max_weight: int | None = None
    step_weight: int | None = None
    step_weights: tuple[int, ...] = ()
    step_weight_promotion: int | None = None
    iterations: int | None = None
    success_rate_min: float | None = None
    duration_max_ms: float | None = None
    metric_interval_s: float | None = None
    # Names of the analysis's metrics that are not Flagger's builtin checks (templateRef or inline query).
    custom_metrics: tuple[str, ...] = ()
    # A/B: analysis.match, each rule a short safe string such as `header x-canary=insider` (as RouterInfo.matches).
    matches: tuple[str, ...] = ()
    mirror: bool = False
    mirror_weight: int | None = None
    # sessionAffinity.cookieName: the cookie that pins a user to the canary once it has served them.
    session_cookie: str | None = None
    primary_ready_threshold: int | None = None
    canary_ready_threshold: int | None = None
    # Every entry of analysis.metrics in the Canary's order (bounded); the fields above stay for their readers.
    checks: tuple[Check, ...] = ()

    @property
    def builtin_checks(self) -> bool:
        """Flagger runs its builtin request-success-rate / request-duration checks (or the analysis names no metric)."""
        return self.success_rate_min is not None or self.duration_max_ms is not None or not self.custom_metrics


@dataclass(frozen=True)
class CanaryInfo:
    key: CanaryKey
    target: str
    target_kind: str = "Deployment"
    service: str | None = None
    provider: str | None = None
    # spec.ingressRef.name (nginx, skipper: the router is `<ingressRef>-canary`) and spec.routeRef.name (apisix).
    ingress_ref: str | None = None
    route_ref: str | None = None
    analysis: Analysis = field(default_factory=Analysis)
    webhooks: tuple[Webhook, ...] = ()
    suspend: bool = False
    skip_analysis: bool = False
    progress_deadline_s: int | None = None
    revert_on_deletion: bool = False
    # metadata.deletionTimestamp is set: the Canary is being deleted (Flagger's finalizer runs when revertOnDeletion).
    deleting: bool = False
    # spec.autoscalerRef: `HorizontalPodAutoscaler/podinfo`.
    autoscaler: str | None = None
    phase: str | None = None
    canary_weight: int | None = None
    failed_checks: int | None = None
    iterations: int | None = None
    last_applied_spec: str | None = None
    last_promoted_spec: str | None = None
    last_transition_time: float | None = None
    created: float | None = None
    # The Promoted condition's reason and message (what a Canary with no phase yet can still say).
    condition_reason: str | None = None
    condition_message: str | None = None

    @property
    def apex(self) -> str:
        return self.service or self.target


@dataclass(frozen=True)
class DeploymentInfo:
    namespace: str
    name: str
    desired: int | None = None
    ready: int | None = None
    updated: int | None = None
    available: int | None = None
    image: str | None = None
    echo_value: str | None = None
    error_rate: str | None = None
    release: str | None = None
    template_hash: str | None = None
    created: float | None = None
    managed_by: str | None = None
    # The Flux HelmRelease (namespace, name) that renders this Deployment, from the labels Flux sets.
    helm_release: tuple[str, str] | None = None
    # ConfigMaps the first container takes its environment from (the seed chart keeps ECHO_VALUE there).
    env_from: tuple[str, ...] = ()
    # The workload's kind: Deployment, or DaemonSet (desired/ready/updated are then counts of scheduled pods).
    kind: str = "Deployment"


# The only ConfigMap keys canaryscope shows: what tells an examiner revision apart.
REVISION_KEYS = ("ECHO_VALUE", "SERVER_ERROR_RATE")


@dataclass(frozen=True)
class ConfigValues:
    """The revision-relevant values of one ConfigMap (only REVISION_KEYS are kept)."""

    namespace: str
    name: str
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FlaggerSettings:
    """How Flagger runs in the cluster, as far as canaryscope knows: from Flagger's own Deployment (its arguments)
    or from the command line. `found_in` says where (`flagger-system/flagger`, `--provider`); None: unknown."""

    mesh_provider: str | None = None
    metrics_server: str | None = None
    found_in: str | None = None


@dataclass(frozen=True)
class RouterInfo:
    namespace: str
    name: str
    kind: str
    api_version: str
    primary_weight: int | None
    canary_weight: int | None
    # The provider family that writes this object (router_family's: istio, smi, gatewayapi, nginx...).
    family: str | None = None
    # A/B match rules (header, cookie, uri), each a short safe string such as `x-canary=insider`.
    matches: tuple[str, ...] = ()
    # Why the weights are unknown (missing or malformed), in Flagger's terms; None when they were read.
    problem: str | None = None


# Flagger's own messages are a line or two; anything past this is cut, so one giant event (anyone who can post
# to the logger can send one) neither empties the event log nor stalls the screen that wraps it.
EVENT_MESSAGE_LIMIT = 1000


def bounded_message(message: str, limit: int = EVENT_MESSAGE_LIMIT) -> str:
    """The message, or its beginning with `…` and the size it had."""
    if len(message) <= limit:
        return message
    size = len(message.encode("utf-8", "replace"))
    shown = f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"
    return f"{message[: limit - 40]}… ({shown} in all)"


@dataclass(frozen=True)
class FlaggerEvent:
    t: float
    namespace: str
    name: str
    type: str
    message: str
    phase: str | None = None
    checksum: str | None = None
    source: str = "logger"

    def __post_init__(self) -> None:
        if len(self.message) > EVENT_MESSAGE_LIMIT:
            object.__setattr__(self, "message", bounded_message(self.message))

    @property
    def key(self) -> CanaryKey:
        return CanaryKey(self.namespace, self.name)


@dataclass(frozen=True, slots=True)  # slots: there are hundreds of thousands at 1,000 canaries
class MetricSample:
    namespace: str
    deployment: str
    t: float
    success_rate: float | None
    rps: float | None
    p99_ms: float | None


@dataclass(frozen=True)
class LoadStats:
    id: str
    label: str
    url: str
    concurrency: int
    rate_per_worker: float
    duration_s: float | None
    started_at: float
    running: bool
    requests: int = 0
    status_counts: tuple[tuple[int, int], ...] = ()
    transport_errors: int = 0
    rps: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None


class Health(StrEnum):
    CONNECTED = "connected"
    CONNECTING = "connecting"
    RECONNECTING = "reconnecting"
    FORBIDDEN = "forbidden"
    NOT_INSTALLED = "not installed"
    UNREACHABLE = "unreachable"
    DISABLED = "disabled"


@dataclass(frozen=True)
class SourceHealth:
    source: str
    state: Health
    detail: str = ""
    attempt: int = 0
