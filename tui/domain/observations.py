"""Observations: what a source reports. Every source (simulation or cluster) emits only these."""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain.allowed_scopes import AllowedScopes
from tui.domain.forecast import Forecast
from tui.domain.model import (
    CanaryInfo,
    CanaryKey,
    CheckSample,
    ConfigValues,
    DeploymentInfo,
    FlaggerEvent,
    FlaggerSettings,
    LoadStats,
    MetricSample,
    MetricTemplateInfo,
    RouterInfo,
    SourceHealth,
)


@dataclass(frozen=True)
class ClockTick:
    now: float


@dataclass(frozen=True)
class CanaryObserved:
    info: CanaryInfo
    t: float


@dataclass(frozen=True)
class CanaryDeleted:
    key: CanaryKey
    t: float


@dataclass(frozen=True)
class CanariesListed:
    """A fresh list (start-up or re-list): replaces every canary in `namespace` (None: all namespaces)."""

    items: tuple[CanaryInfo, ...]
    namespace: str | None
    t: float


@dataclass(frozen=True)
class DeploymentObserved:
    info: DeploymentInfo


@dataclass(frozen=True)
class DeploymentDeleted:
    namespace: str
    name: str


@dataclass(frozen=True)
class DeploymentsListed:
    items: tuple[DeploymentInfo, ...]
    namespace: str | None
    # What was listed (Deployment or DaemonSet): a list replaces only workloads of its own kind.
    kind: str = "Deployment"


@dataclass(frozen=True)
class ConfigObserved:
    config: ConfigValues


@dataclass(frozen=True)
class ConfigDeleted:
    namespace: str
    name: str


@dataclass(frozen=True)
class ConfigsListed:
    items: tuple[ConfigValues, ...]
    namespace: str | None


@dataclass(frozen=True)
class RouterObserved:
    info: RouterInfo


@dataclass(frozen=True)
class RouterDeleted:
    namespace: str
    name: str
    # The router's kind (two kinds may share a name); None: whichever kinds have it.
    kind: str | None = None


@dataclass(frozen=True)
class RoutersListed:
    """A fresh list of one router kind (TrafficSplit or HTTPRoute); other kinds are kept."""

    items: tuple[RouterInfo, ...]
    namespace: str | None
    kind: str | None = None


@dataclass(frozen=True)
class EventObserved:
    event: FlaggerEvent


@dataclass(frozen=True)
class MetricsObserved:
    samples: tuple[MetricSample, ...]


@dataclass(frozen=True)
class LoadObserved:
    stats: LoadStats


@dataclass(frozen=True)
class LoadRemoved:
    id: str


@dataclass(frozen=True)
class HealthObserved:
    health: SourceHealth


@dataclass(frozen=True)
class CanarySelected:
    """Not from a source: the user chose which canary the rollout screen follows."""

    key: CanaryKey | None


@dataclass(frozen=True)
class NoticeObserved:
    """Something to tell the viewer in the narration line until `until` (recordings use it instead of toasts)."""

    text: str
    severity: str
    t: float
    until: float


@dataclass(frozen=True)
class CaptionObserved:
    """A script's `say`: shown above the narration until the next one replaces it."""

    text: str


@dataclass(frozen=True)
class AllowedScopesObserved:
    """Every namespace refused the list of Canaries: the namespaces that allow it, as far as was checked."""

    allowed: AllowedScopes


@dataclass(frozen=True)
class FlaggerSettingsObserved:
    """Flagger's settings (mesh provider, metrics server) as read from its Deployment or given on the command line."""

    settings: FlaggerSettings


@dataclass(frozen=True)
class CheckValueObserved:
    """A new value (or error) of one of a canary's checks, named as in spec.analysis.metrics."""

    key: CanaryKey
    check: str
    sample: CheckSample


@dataclass(frozen=True)
class MetricTemplateObserved:
    template: MetricTemplateInfo


@dataclass(frozen=True)
class MetricTemplateDeleted:
    namespace: str
    name: str


@dataclass(frozen=True)
class MetricTemplatesListed:
    """Every MetricTemplate in scope: the ones not listed are gone."""

    templates: tuple[MetricTemplateInfo, ...]


@dataclass(frozen=True)
class ForecastObserved:
    """When a canary's rollout in flight will end, as its source forecast it; None: nothing to forecast."""

    key: CanaryKey
    forecast: Forecast | None


Observation = (
    ClockTick
    | CanaryObserved
    | CanaryDeleted
    | CanariesListed
    | DeploymentObserved
    | DeploymentDeleted
    | DeploymentsListed
    | ConfigObserved
    | ConfigDeleted
    | ConfigsListed
    | RouterObserved
    | RouterDeleted
    | RoutersListed
    | EventObserved
    | MetricsObserved
    | LoadObserved
    | LoadRemoved
    | HealthObserved
    | CanarySelected
    | NoticeObserved
    | CaptionObserved
    | FlaggerSettingsObserved
    | ForecastObserved
    | CheckValueObserved
    | MetricTemplateObserved
    | MetricTemplateDeleted
    | MetricTemplatesListed
    | AllowedScopesObserved
)
