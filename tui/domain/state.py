"""The rollout state the widgets render. Immutable; only the reducer makes new ones."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tui.domain.allowed_scopes import AllowedScopes
from tui.domain.flagger import weights
from tui.domain.flagger.providers import effective_provider, router_family
from tui.domain.flagger.router_kinds import ROUTER_KINDS, RouterKind, implied_provider, kinds_of_family
from tui.domain.forecast import Forecast
from tui.domain.model import (
    CanaryInfo,
    CanaryKey,
    Check,
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

EVENT_LOG_LIMIT = 2000
METRIC_SAMPLES_LIMIT = 720
# Values kept per check and subject: a window of an hour at Flagger's 1m default interval, or 20 min at 10 s.
CHECK_SAMPLES_LIMIT = 120
# Finished loads stay on the Load panel for reference; only the newest few (a day of `e` would list dozens).
FINISHED_LOADS_LIMIT = 8
# Samples older than the longest span any view shows (the detail charts) are dropped: at 1,000 canaries and a
# 5 s refresh an hour of 720 samples per series held some 400 MB.
METRIC_HISTORY_S = 900.0
# Flagger's own floor and default for analysis.interval.
MIN_INTERVAL_S = 10.0
DEFAULT_INTERVAL_S = 60.0


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    event: FlaggerEvent
    # The seq of the whole-second Events API copy this precise copy took over from (it was shown already).
    replaces: int | None = None


@dataclass(frozen=True)
class CanaryView:
    info: CanaryInfo
    phase_since: float | None = None
    last_tick_at: float | None = None
    sticky_failed_checks: int = 0
    release_started_at: float | None = None
    last_event: FlaggerEvent | None = None
    last_warning: FlaggerEvent | None = None
    # The last check that failed in this release (a Halt), the reason behind failed checks.
    last_halt: FlaggerEvent | None = None
    # This analysis began as a restart for a newer revision (Flagger reset the traffic; it scaled nothing up).
    restarted: bool = False
    # When the target's pod template (or a ConfigMap it reads) changed after Flagger took up its revision: Flagger
    # acts on it at its next tick. None once Flagger has (a new lastAppliedSpec, a new analysis).
    revision_changed_at: float | None = None

    @property
    def key(self) -> CanaryKey:
        return self.info.key

    @property
    def interval_s(self) -> float:
        interval = self.info.analysis.interval_s
        if interval is None or interval <= 0:
            return DEFAULT_INTERVAL_S
        return max(MIN_INTERVAL_S, interval)

    @property
    def max_weight(self) -> int:
        a = self.info.analysis
        return weights.max_weight(a.max_weight, a.step_weights)

    @property
    def rungs(self) -> list[int]:
        a = self.info.analysis
        return weights.ladder(a.step_weight, a.step_weights, a.max_weight)

    @property
    def threshold(self) -> int | None:
        t = self.info.analysis.threshold
        if t is None:
            return None
        return max(1, t)

    def next_tick_in(self, now: float) -> float | None:
        """Seconds to the next analysis tick, inferred from the last one seen (ticks are periodic)."""
        if self.last_tick_at is None:
            return None
        interval = self.interval_s
        elapsed = max(0.0, now - self.last_tick_at)
        periods = math.floor(elapsed / interval) + 1
        return self.last_tick_at + periods * interval - now


@dataclass(frozen=True)
class AppState:
    now: float = 0.0
    canaries: dict[CanaryKey, CanaryView] = field(default_factory=dict)
    deployments: dict[tuple[str, str], DeploymentInfo] = field(default_factory=dict)
    routers: dict[tuple[str, str], RouterInfo] = field(default_factory=dict)
    # Every router by (namespace, name, kind): two kinds may share a name (the TrafficSplit Flagger wrote for Linkerd
    # stays beside the HTTPRoute it writes after a move to Gateway API); `routers` keeps the latest of each name.
    routers_by_kind: dict[tuple[str, str, str], RouterInfo] = field(default_factory=dict)
    configs: dict[tuple[str, str], ConfigValues] = field(default_factory=dict)
    metrics: dict[tuple[str, str], tuple[MetricSample, ...]] = field(default_factory=dict)
    events: tuple[LoggedEvent, ...] = ()
    event_seq: int = 0
    loads: dict[str, LoadStats] = field(default_factory=dict)
    health: dict[str, SourceHealth] = field(default_factory=dict)
    selected: CanaryKey | None = None
    # The followed canary was deleted (key, when): it stays followed, and the screen says so, until the user picks
    # another; it is never silently replaced.
    deleted: tuple[CanaryKey, float] | None = None
    # (text, severity, until): a notice shown in the narration line while now < until.
    notice: tuple[str, str, float] | None = None
    # A script's latest `say`, shown until the next one.
    caption: str | None = None
    # Flagger's own settings (its -mesh-provider and -metrics-server), once known.
    flagger: FlaggerSettings = field(default_factory=FlaggerSettings)
    # When each canary's rollout in flight will end (tui.domain.forecast), as its source last forecast it.
    forecasts: dict[CanaryKey, Forecast] = field(default_factory=dict)
    # Each canary's check values by check name, oldest first, each subject's (canary, primary) samples interleaved.
    check_values: dict[CanaryKey, dict[str, tuple[CheckSample, ...]]] = field(default_factory=dict)
    # MetricTemplates in scope by `namespace/name` (no secret contents: only the secret's name).
    templates: dict[str, MetricTemplateInfo] = field(default_factory=dict)
    # With every namespace refused: the namespaces found to allow listing Canaries (None: not checked).
    allowed_scopes: AllowedScopes | None = None

    @property
    def selected_view(self) -> CanaryView | None:
        if self.selected is None:
            return None
        return self.canaries.get(self.selected)

    def provider_for(self, view: CanaryView) -> str | None:
        """The provider Flagger uses for this canary: spec.provider, else Flagger's -mesh-provider, else the one that
        writes the router found for the canary (a VirtualService: istio). None: unknown."""
        provider = effective_provider(view.info.provider, self.flagger.mesh_provider)
        if provider is not None:
            return provider
        router = self._router_among(view, ROUTER_KINDS)
        return implied_provider(router) if router is not None else None

    def router_for(self, view: CanaryView) -> RouterInfo | None:
        """The router object Flagger writes for this canary's provider (by the name Flagger gives it); with the
        provider unknown, whichever router exists for it. None for `kubernetes`, which has no router."""
        kinds = self.router_kinds_for(view)
        if not kinds:
            return None
        provider = effective_provider(view.info.provider, self.flagger.mesh_provider)
        resolved = router_family(provider) if provider is not None else None
        found = self._router_among(view, kinds, resolved.family if resolved is not None else None)
        if found is None and resolved is not None and resolved.unknown:
            # A name Flagger does not know routes through Istio; what exists may tell the intent better.
            found = self._router_among(view, ROUTER_KINDS)
        return found

    def router_kinds_for(self, view: CanaryView) -> tuple[RouterKind, ...]:
        """The router kinds this canary's provider writes (every kind when the provider is unknown)."""
        provider = effective_provider(view.info.provider, self.flagger.mesh_provider)
        if provider is None:
            return ROUTER_KINDS
        return kinds_of_family(router_family(provider).family)

    def router_keys(self, view: CanaryView) -> tuple[tuple[str, str], ...]:
        """Where in `routers` this canary's router may be (for caches that must know what a canary reads)."""
        keys = dict.fromkeys(
            (rk.namespace_for(view.info), name)
            for rk in self.router_kinds_for(view)
            if (name := rk.name_for(view.info)) is not None
        )
        return tuple(keys)

    def _router_among(
        self, view: CanaryView, kinds: tuple[RouterKind, ...], family: str | None = None
    ) -> RouterInfo | None:
        """The first of `kinds` that exists under the name Flagger gives it, written by `family` (any: None)."""
        for rk in kinds:
            name = rk.name_for(view.info)
            if name is None:
                continue
            namespace = rk.namespace_for(view.info)
            router = self.routers_by_kind.get((namespace, name, rk.kind)) or self.routers.get((namespace, name))
            if router is None or router.kind != rk.kind:
                continue
            # The family tells nginx's Ingress from skipper's, istio's VirtualService from App Mesh's.
            if not router.family or router.family == family or (family is None and router.family in rk.families):
                return router
        return None

    def deployment(self, namespace: str, name: str) -> DeploymentInfo | None:
        return self.deployments.get((namespace, name))

    def revision_values(self, dep: DeploymentInfo) -> dict[str, str]:
        """ECHO_VALUE and SERVER_ERROR_RATE as the pods see them: env first, then the ConfigMaps in envFrom."""
        values: dict[str, str] = {}
        for name in dep.env_from:
            config = self.configs.get((dep.namespace, name))
            if config is not None:
                values.update(config.values)
        if dep.echo_value is not None:
            values["ECHO_VALUE"] = dep.echo_value
        if dep.error_rate is not None:
            values["SERVER_ERROR_RATE"] = dep.error_rate
        return values

    def series(self, namespace: str, deployment: str) -> tuple[MetricSample, ...]:
        return self.metrics.get((namespace, deployment), ())

    def check_series(self, key: CanaryKey, check: str, subject: str = "canary") -> tuple[CheckSample, ...]:
        """One check's samples for one subject, oldest first."""
        return tuple(s for s in self.check_values.get(key, {}).get(check, ()) if s.subject == subject)

    def template_for(self, check: Check) -> MetricTemplateInfo | None:
        key = check.template_key
        return self.templates.get(key) if key is not None else None

    def events_for(self, key: CanaryKey | None) -> list[LoggedEvent]:
        if key is None:
            return list(self.events)
        return [e for e in self.events if e.event.namespace == key.namespace and e.event.name == key.name]

    # Canaries in scope are ordered by namespace and name; `n` steps through them in that order.

    def selected_position(self) -> tuple[int, int] | None:
        """(k, n): the selected canary is the k-th of the n in scope."""
        if self.selected is None or self.selected not in self.canaries:
            return None
        return 1 + sum(1 for key in self.canaries if key < self.selected), len(self.canaries)

    def next_canary(self) -> CanaryKey | None:
        """The canary after the selected one, the first after the last."""
        if not self.canaries:
            return None
        later = [key for key in self.canaries if self.selected is None or key > self.selected]
        return min(later) if later else min(self.canaries)
