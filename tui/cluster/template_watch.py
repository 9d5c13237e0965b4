"""Flagger's MetricTemplates, watched where the canaries in scope can name them: the namespaces in scope, plus the
namespaces their templateRefs name. Watched only when the server serves the kind (like router kinds); a refusal
to list them is a quiet note, since only the custom checks' values depend on them.

Only what tui/kube/checks.py parses enters state: a template's secretRef keeps its name, never its contents.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from tui.cluster.api_paths import PathCall, collection_path
from tui.cluster.http import get_json
from tui.cluster.watch_loop import WatchLoop, WatchSpec
from tui.domain.model import CanaryInfo, CheckKind, Health, MetricTemplateInfo
from tui.domain.observations import MetricTemplateDeleted, MetricTemplateObserved, MetricTemplatesListed, Observation
from tui.kube.checks import parse_metric_template
from tui.sources.mailbox import Mailbox

SOURCE = "metrictemplates"
GROUP = "flagger.app"
# Namespaces named by templateRefs outside the scope: each costs one watch, so their number is bounded.
MAX_EXTRA_NAMESPACES = 20


def templates_served(api_client: Any, version: str) -> bool:
    """Whether flagger.app/VERSION lists metrictemplates (a cluster may have Flagger's Canary CRD without it).
    Unknown (the discovery call failed) counts as served: the watch then says what is wrong."""
    try:
        document = get_json(PathCall(api_client, f"/apis/{GROUP}/{version}"), _request_timeout=(5, 20))
    except Exception:
        return True
    resources = document.get("resources") if isinstance(document, dict) else None
    names = {r.get("name") for r in resources or [] if isinstance(r, dict)}
    return "metrictemplates" in names


def template_namespaces(canaries: Iterable[CanaryInfo]) -> set[str]:
    """The namespaces the canaries' templateRefs name."""
    return {
        check.template_namespace
        for info in canaries
        for check in info.analysis.checks
        if check.kind is CheckKind.TEMPLATE and check.template_namespace
    }


class QuietRefusal:
    """The watch's health reports with a refusal turned into a quiet note: without MetricTemplates the custom
    checks have no value, and nothing else is amiss."""

    def __init__(self, emitter: Mailbox) -> None:
        self.emitter = emitter

    def health(self, source: str, state: Health, detail: str = "", attempt: int = 0) -> None:
        if state is Health.FORBIDDEN:
            state, detail = Health.DISABLED, f"{detail}: custom checks through templates show no value"
        self.emitter.health(source, state, detail, attempt)

    def emit(self, *observations: Observation) -> None:
        self.emitter.emit(*observations)


class TemplateWatches:
    """One watch per namespace (or one for all namespaces); their lists are merged into one MetricTemplatesListed,
    so a list from one namespace never drops another namespace's templates."""

    def __init__(
        self,
        api_client: Any,
        version: str,
        scope: str | None,
        emitter: Mailbox,
        start: Callable[[WatchSpec, Any, Any], WatchLoop],
    ) -> None:
        self.api_client = api_client
        self.version = version
        self.scope = scope  # None: all namespaces
        self.emitter = emitter
        self._start = start
        self._lock = threading.Lock()
        self._by_watch: dict[str, dict[str, MetricTemplateInfo]] = {}
        self._watched: set[str | None] = set()

    def spec(self, namespace: str | None) -> tuple[WatchSpec, Any, Any]:
        where = f"in {namespace}" if namespace else "in all namespaces"
        source = SOURCE if namespace == self.scope else f"{SOURCE} {namespace}"
        spec = WatchSpec(
            source,
            f"metrictemplates.{GROUP} {where}",
            f"metrictemplates.{GROUP}/{self.version} is not served",
            PathCall(self.api_client, collection_path(GROUP, self.version, "metrictemplates", namespace)),
        )
        with self._lock:
            self._watched.add(namespace)
        watch = namespace or ""
        return spec, lambda items: self._listed(watch, items), self._changed

    def follow(self, canaries: Iterable[CanaryInfo]) -> None:
        """Start watching the namespaces the canaries' templateRefs name outside the scope (a few at most)."""
        if self.scope is None:
            return
        with self._lock:
            wanted = sorted(template_namespaces(canaries) - {ns for ns in self._watched if ns is not None})
            room = MAX_EXTRA_NAMESPACES - (len(self._watched) - 1)
            wanted = wanted[: max(0, room)]
            self._watched.update(wanted)  # taken now: another thread's call does not start them twice
        for namespace in wanted:
            self._start(*self.spec(namespace))

    def templates(self) -> dict[str, MetricTemplateInfo] | None:
        """Every template watched by `namespace/name`; None until the scope's first list has been answered."""
        with self._lock:
            if (self.scope or "") not in self._by_watch:
                return None
            return {key: t for part in self._by_watch.values() for key, t in part.items()}

    def _listed(self, watch: str, items: list[dict[str, Any]]) -> None:
        parsed = [t for t in (parse_metric_template(item) for item in items) if t is not None]
        with self._lock:
            self._by_watch[watch] = {t.key: t for t in parsed}
            merged = tuple(t for part in self._by_watch.values() for t in part.values())
        self.emitter.emit(MetricTemplatesListed(merged))

    def _changed(self, change: str, obj: dict[str, Any]) -> None:
        template = parse_metric_template(obj)
        if template is None:
            return
        watch = template.namespace if self.scope is not None else ""
        with self._lock:
            part = self._by_watch.setdefault(watch, {})
            if change == "DELETED":
                part.pop(template.key, None)
            else:
                part[template.key] = template
        if change == "DELETED":
            self.emitter.emit(MetricTemplateDeleted(template.namespace, template.name))
        else:
            self.emitter.emit(MetricTemplateObserved(template))
