"""Parse Kubernetes objects (plain dicts, as the API serves them) into canaryscope's frozen values.

Never raises on malformed input: anything missing or of the wrong type becomes None (shown as `?`). Every
string is made safe here (tui.base.safe_text), once, so no screen, log or recording downstream has to.
The simulation produces the same dicts, so both sources share these parsers.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tui.domain.flagger.hashing import object_hash
from tui.domain.model import (
    REVISION_KEYS,
    Analysis,
    CanaryInfo,
    CanaryKey,
    ConfigValues,
    DeploymentInfo,
    Webhook,
)
from tui.kube.checks import parse_checks
from tui.kube.routers import analysis_matches
from tui.kube.routers import parse_router as parse_router  # the entry point for every router kind
from tui.kube.values import as_dict as _dict
from tui.kube.values import as_list as _list
from tui.kube.values import finite as _float
from tui.kube.values import integer as _int
from tui.kube.values import text as _str

RELEASE_ANNOTATION = "canaryscope.io/release"
_DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")


def _bool(value: Any) -> bool:
    return value is True


def parse_timestamp(value: Any) -> float | None:
    """RFC 3339 (`2026-03-04T12:00:00Z`, with or without fraction) to epoch seconds."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def parse_interval(value: Any) -> float | None:
    """Flagger's `^[0-9]+(m|s)` durations (and ms/h for tolerance) to seconds."""
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value.strip())
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2)
    return number * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]


def _meta(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    meta = _dict(obj.get("metadata"))
    return _str(meta.get("namespace")), _str(meta.get("name"))


def parse_canary(obj: Any) -> CanaryInfo | None:
    """A Canary dict to CanaryInfo; None when it lacks a namespace/name (nothing to key it by)."""
    obj = _dict(obj)
    namespace, name = _meta(obj)
    if not namespace or not name:
        return None
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    target_ref = _dict(spec.get("targetRef"))
    analysis = _dict(spec.get("analysis") or spec.get("canaryAnalysis"))
    success_min: float | None = None
    duration_max: float | None = None
    metric_interval: float | None = None
    custom: list[str] = []
    for metric in _list(analysis.get("metrics")):
        metric = _dict(metric)
        if metric.get("name") not in ("request-success-rate", "request-duration"):
            custom.append(_str(metric.get("name")) or "?")
        bounds = _dict(metric.get("thresholdRange"))
        if metric.get("name") == "request-success-rate":
            success_min = _float(bounds.get("min"))
            if success_min is None:
                success_min = _float(metric.get("threshold"))
            metric_interval = parse_interval(metric.get("interval")) or 60.0
        elif metric.get("name") == "request-duration":
            duration_max = _float(bounds.get("max"))
            if duration_max is None:
                duration_max = _float(metric.get("threshold"))
            if metric_interval is None:
                metric_interval = parse_interval(metric.get("interval")) or 60.0
    step_weights = tuple(w for w in (_int(x) for x in _list(analysis.get("stepWeights"))) if w is not None)
    hooks = tuple(
        Webhook(name=_str(h.get("name")) or "?", type=_str(h.get("type")) or "rollout", url=_str(h.get("url")) or "")
        for h in (_dict(x) for x in _list(analysis.get("webhooks")))
    )
    meta = _dict(obj.get("metadata"))
    affinity = _dict(analysis.get("sessionAffinity"))
    autoscaler = _dict(spec.get("autoscalerRef"))
    promoted = next((c for c in (_dict(x) for x in _list(status.get("conditions"))) if c.get("type") == "Promoted"), {})
    return CanaryInfo(
        key=CanaryKey(namespace, name),
        target=_str(target_ref.get("name")) or name,
        target_kind=_str(target_ref.get("kind")) or "Deployment",
        service=_str(_dict(spec.get("service")).get("name")),
        provider=_str(spec.get("provider")),
        ingress_ref=_str(_dict(spec.get("ingressRef")).get("name")) or None,
        route_ref=_str(_dict(spec.get("routeRef")).get("name")) or None,
        analysis=Analysis(
            interval_s=parse_interval(analysis.get("interval")),
            threshold=_int(analysis.get("threshold")),
            max_weight=_int(analysis.get("maxWeight")),
            step_weight=_int(analysis.get("stepWeight")),
            step_weights=step_weights,
            step_weight_promotion=_int(analysis.get("stepWeightPromotion")),
            iterations=_int(analysis.get("iterations")),
            success_rate_min=success_min,
            duration_max_ms=duration_max,
            metric_interval_s=metric_interval,
            custom_metrics=tuple(custom[:20]),
            matches=analysis_matches(_list(analysis.get("match"))),
            mirror=_bool(analysis.get("mirror")),
            mirror_weight=_int(analysis.get("mirrorWeight")),
            session_cookie=_str(affinity.get("cookieName")) or None,
            primary_ready_threshold=_int(analysis.get("primaryReadyThreshold")),
            canary_ready_threshold=_int(analysis.get("canaryReadyThreshold")),
            checks=parse_checks(analysis.get("metrics"), namespace),
        ),
        webhooks=hooks,
        suspend=_bool(spec.get("suspend")),
        skip_analysis=_bool(spec.get("skipAnalysis")),
        progress_deadline_s=_int(spec.get("progressDeadlineSeconds")),
        revert_on_deletion=_bool(spec.get("revertOnDeletion")),
        deleting=meta.get("deletionTimestamp") is not None,
        autoscaler=(
            f"{_str(autoscaler.get('kind')) or '?'}/{_str(autoscaler.get('name')) or '?'}" if autoscaler else None
        ),
        phase=_str(status.get("phase")) or None,
        canary_weight=_int(status.get("canaryWeight")),
        failed_checks=_int(status.get("failedChecks")),
        iterations=_int(status.get("iterations")),
        last_applied_spec=_str(status.get("lastAppliedSpec")),
        last_promoted_spec=_str(status.get("lastPromotedSpec")),
        last_transition_time=parse_timestamp(status.get("lastTransitionTime")),
        created=parse_timestamp(meta.get("creationTimestamp")),
        condition_reason=_str(promoted.get("reason")) or None,
        condition_message=_str(promoted.get("message")) or None,
    )


def pod_template_env(template: Any) -> dict[str, str]:
    """Env values of the first container (only literal values; valueFrom is left out), as they are: not for display."""
    spec = _dict(_dict(template).get("spec"))
    containers = _list(spec.get("containers"))
    if not containers:
        return {}
    env: dict[str, str] = {}
    for item in _list(_dict(containers[0]).get("env")):
        item = _dict(item)
        key, value = item.get("name"), item.get("value")
        if isinstance(key, str) and key and isinstance(value, str):
            env[key] = value
    return env


def parse_deployment(obj: Any) -> DeploymentInfo | None:
    obj = _dict(obj)
    namespace, name = _meta(obj)
    if not namespace or not name:
        return None
    meta = _dict(obj.get("metadata"))
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    template = _dict(spec.get("template"))
    containers = _list(_dict(template.get("spec")).get("containers"))
    image = _str(_dict(containers[0]).get("image")) if containers else None
    env = pod_template_env(template)
    env_from = tuple(
        name
        for name in (
            _str(_dict(_dict(item).get("configMapRef")).get("name"))
            for item in (_list(_dict(containers[0]).get("envFrom")) if containers else [])
        )
        if name
    )
    annotations = _dict(_dict(template.get("metadata")).get("annotations"))
    labels = _dict(meta.get("labels"))
    helm_name = _str(labels.get("helm.toolkit.fluxcd.io/name"))
    helm_namespace = _str(labels.get("helm.toolkit.fluxcd.io/namespace")) or namespace
    return DeploymentInfo(
        namespace=namespace,
        name=name,
        desired=_int(spec.get("replicas")) if "replicas" in spec else 1,
        ready=_int(status.get("readyReplicas")) or 0,
        updated=_int(status.get("updatedReplicas")) or 0,
        available=_int(status.get("availableReplicas")) or 0,
        image=image,
        echo_value=_str(env.get("ECHO_VALUE")),
        error_rate=_str(env.get("SERVER_ERROR_RATE")),
        release=_str(annotations.get(RELEASE_ANNOTATION)),
        template_hash=object_hash(template) if template else None,
        created=parse_timestamp(meta.get("creationTimestamp")),
        managed_by=_str(labels.get("app.kubernetes.io/managed-by")),
        helm_release=(helm_namespace, helm_name) if helm_name else None,
        env_from=env_from,
    )


def parse_configmap(obj: Any) -> ConfigValues | None:
    obj = _dict(obj)
    namespace, name = _meta(obj)
    if not namespace or not name:
        return None
    data = _dict(obj.get("data"))
    values = tuple((k, v) for k in REVISION_KEYS if (v := _str(data.get(k))) is not None)
    return ConfigValues(namespace, name, values)
