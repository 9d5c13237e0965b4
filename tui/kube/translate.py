"""Kubernetes object changes to observations: the one translation both the simulation and the cluster use.

One table entry per kind. An object kind (Canary, Deployment, a router, ConfigMap) is parsed by tui.kube.parse
and becomes an Observed or Deleted observation, a full list becomes a Listed one; a Kubernetes Event becomes the
Flagger events it newly reports. A router kind is an entry of ROUTER_KINDS (tui.domain.flagger.router_kinds) and
its parser (tui.kube.routers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from tui.domain.flagger.router_kinds import ROUTER_KINDS, RouterKind
from tui.domain.observations import (
    CanariesListed,
    CanaryDeleted,
    CanaryObserved,
    ConfigDeleted,
    ConfigObserved,
    ConfigsListed,
    DeploymentDeleted,
    DeploymentObserved,
    DeploymentsListed,
    EventObserved,
    Observation,
    RouterDeleted,
    RouterObserved,
    RoutersListed,
)
from tui.kube.events import EventTracker
from tui.kube.parse import parse_canary, parse_configmap, parse_deployment, parse_router

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"

Parsed = TypeVar("Parsed")


class _Rule(Protocol):
    def changed(self, translator: Translator, change: str, obj: dict[str, Any]) -> list[Observation]: ...

    def listed(self, translator: Translator, kind: str, items: list[dict[str, Any]]) -> list[Observation]: ...


@dataclass(frozen=True)
class _ObjectRule(Generic[Parsed]):
    """A kind whose objects are parsed into one value: shown while it exists, gone when deleted."""

    parse: Callable[[Any], Parsed | None]
    observed: Callable[[Translator, Parsed], Observation]
    deleted: Callable[[Translator, Parsed], Observation]
    listed_as: Callable[[Translator, str, tuple[Parsed, ...]], Observation]

    def changed(self, translator: Translator, change: str, obj: dict[str, Any]) -> list[Observation]:
        value = self.parse(obj)
        if value is None:
            return []
        return [self.deleted(translator, value) if change == DELETED else self.observed(translator, value)]

    def listed(self, translator: Translator, kind: str, items: list[dict[str, Any]]) -> list[Observation]:
        values = tuple(v for v in map(self.parse, items) if v is not None)
        return [self.listed_as(translator, kind, values)]


@dataclass(frozen=True)
class _RouterRule(_ObjectRule[Any]):
    router: RouterKind | None = None

    def listed(self, translator: Translator, kind: str, items: list[dict[str, Any]]) -> list[Observation]:
        assert self.router is not None
        for item in items:
            # A list's items carry neither; parse_router reads both to know which kind's weights to look for.
            item.setdefault("kind", self.router.kind)
            item.setdefault("apiVersion", f"{self.router.group}/{self.router.versions[0]}")
        return super().listed(translator, self.router.kind, items)


def _router(router: RouterKind) -> _RouterRule:
    return _RouterRule(
        parse_router,
        lambda _t, info: RouterObserved(info),
        lambda _t, info: RouterDeleted(info.namespace, info.name),
        lambda t, kind, routers: RoutersListed(routers, None if router.cluster_scoped else t.namespace, kind),
        router,
    )


class _EventRule:
    """Kubernetes Events about Canaries: each occurrence not reported before, within the scope watched."""

    def changed(self, translator: Translator, change: str, obj: dict[str, Any]) -> list[Observation]:
        if change == DELETED:
            return []  # an expired Event says nothing new about the rollout
        occurrences = translator.events.occurrences(obj)
        namespace, canary = translator.namespace, translator.canary
        if canary:
            occurrences = [e for e in occurrences if e.name == canary or namespace is None]
        return [EventObserved(e) for e in occurrences if namespace is None or e.namespace == namespace]

    def listed(self, translator: Translator, kind: str, items: list[dict[str, Any]]) -> list[Observation]:
        return [o for item in items for o in self.changed(translator, ADDED, item)]


KINDS: dict[str, _Rule] = {
    "Canary": _ObjectRule(
        parse_canary,
        lambda t, info: CanaryObserved(info, t.clock()),
        lambda t, info: CanaryDeleted(info.key, t.clock()),
        lambda t, _kind, infos: CanariesListed(infos, t.namespace, t.clock()),
    ),
    "Deployment": _ObjectRule(
        parse_deployment,
        lambda _t, deployment: DeploymentObserved(deployment),
        lambda _t, deployment: DeploymentDeleted(deployment.namespace, deployment.name),
        lambda t, _kind, deployments: DeploymentsListed(deployments, t.namespace),
    ),
    "ConfigMap": _ObjectRule(
        parse_configmap,
        lambda _t, config: ConfigObserved(config),
        lambda _t, config: ConfigDeleted(config.namespace, config.name),
        lambda t, _kind, configs: ConfigsListed(configs, t.namespace),
    ),
    "Event": _EventRule(),
}
# Each router kind by its qualified name (the cluster's watches) and by its kind alone where that is unambiguous
# (the first table entry of a kind: istio's VirtualService, not App Mesh's).
for _kind in reversed(ROUTER_KINDS):
    KINDS[_kind.qualified] = KINDS[_kind.kind] = _router(_kind)


@dataclass
class Translator:
    """Translates for one source: `clock` stamps canary observations, `namespace` is the scope listed (None: all
    namespaces), `canary` the one canary followed (Events about others are left out); `events` remembers which
    Event occurrences were already reported."""

    clock: Callable[[], float]
    namespace: str | None = None
    canary: str | None = None
    events: EventTracker = field(default_factory=EventTracker)

    def changed(self, change: str, obj: dict[str, Any], kind: str | None = None) -> list[Observation]:
        """An ADDED, MODIFIED or DELETED object; `kind` names it where the object may not (a watch of one kind)."""
        named = kind or obj.get("kind")
        rule = KINDS.get(named) if isinstance(named, str) else None
        return rule.changed(self, change, obj) if rule is not None else []

    def listed(self, kind: str, items: list[dict[str, Any]]) -> list[Observation]:
        """Every object of a kind in scope, as one full list answers."""
        rule = KINDS.get(kind)
        return rule.listed(self, kind, items) if rule is not None else []
