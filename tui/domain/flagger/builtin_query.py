"""The query Flagger itself sends for a builtin check (request-success-rate, request-duration) of one canary.

The templates ask what Flagger's observers ask (pkg/metrics/observers/<provider>.go, v1.44: the same metrics, matchers
and window; only insignificant commas differ), rendered with the same model as a MetricTemplate
(tui.domain.flagger.query_template), so the text can be pasted into Prometheus as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.domain.flagger.query_template import TemplateModel, render_query

SUCCESS_RATE = "request-success-rate"
DURATION = "request-duration"
BUILTIN_NAMES = (SUCCESS_RATE, DURATION)


def _ratio(metric: str, selector: str, ok: str) -> str:
    return (
        f"sum(rate({metric}{{{selector}, {ok}}}[{{{{ interval }}}}])) / "
        f"sum(rate({metric}{{{selector}}}[{{{{ interval }}}}])) * 100"
    )


def _p99(metric: str, selector: str, scale: str = "") -> str:
    return f"histogram_quantile(0.99, sum(rate({metric}{{{selector}}}[{{{{ interval }}}}])) by (le)){scale}"


def _mean(sum_metric: str, count_metric: str, selector: str) -> str:
    return (
        f"sum(rate({sum_metric}{{{selector}}}[{{{{ interval }}}}])) / "
        f"sum(rate({count_metric}{{{selector}}}[{{{{ interval }}}}])) * 1000"
    )


_POD = 'kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"'
_ISTIO = (
    'reporter="destination", destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}"'
)
_LINKERD = 'namespace="{{ namespace }}", deployment=~"{{ target }}", direction="inbound"'
_OSM = 'destination_namespace="{{ namespace }}", destination_kind="Deployment", destination_name="{{ target }}"'
_CONTOUR = 'envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+"'
_GLOO = 'envoy_cluster_name=~"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"'
_KUMA = 'service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+"'
_KNATIVE = 'envoy_cluster_name=~"{{ namespace }}/{{ route }}"'
_NGINX = 'namespace="{{ namespace }}", ingress="{{ ingress }}", canary!=""'
_SKIPPER = 'route=~"{{ skipper_route }}"'
_TRAEFIK = 'service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"'
_APISIX = 'route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"'


@dataclass(frozen=True)
class Measured:
    """What an observer family's builtin checks read (pkg/metrics/observers/<provider>.go): the request counter, the
    matcher keeping the successful requests, and the latency histogram or the (sum, count) of a mean. Both the
    per-canary queries here and the grouped ones the poller asks (tui/cluster/builtin_queries.py) are built on it."""

    requests: str
    ok: str
    latency: str = ""
    mean: tuple[str, str] = ("", "")
    count_fixed: str = ""  # a matcher only on the request counter (le="+Inf" where it is a histogram bucket)


_ENVOY = Measured("envoy_cluster_upstream_rq", 'envoy_response_code!~"5.*"', "envoy_cluster_upstream_rq_time_bucket")
MEASURED: dict[str, Measured] = {
    "istio": Measured("istio_requests_total", 'response_code!~"5.*"', "istio_request_duration_milliseconds_bucket"),
    "linkerd": Measured("response_total", 'classification!="failure"', "response_latency_ms_bucket"),
    "osm": Measured("osm_request_total", 'response_code!~"5.*"', "osm_request_duration_ms_bucket"),
    "appmesh": _ENVOY,
    "http": Measured("http_request_duration_seconds_count", 'status!~"5.*"', "http_request_duration_seconds_bucket"),
    "contour": _ENVOY,
    "gloo": _ENVOY,
    "kuma": _ENVOY,
    "knative": _ENVOY,
    "nginx": Measured(
        "nginx_ingress_controller_requests",
        'status!~"5.*"',
        mean=(
            "nginx_ingress_controller_response_duration_seconds_sum",
            "nginx_ingress_controller_response_duration_seconds_count",
        ),
    ),
    "skipper": Measured(
        "skipper_response_duration_seconds_bucket",
        'code!~"5.."',
        mean=("skipper_serve_route_duration_seconds_sum", "skipper_serve_route_duration_seconds_count"),
        count_fixed='le="+Inf"',
    ),
    "traefik": Measured(
        "traefik_service_request_duration_seconds_bucket",
        'code!~"5.."',
        "traefik_service_request_duration_seconds_bucket",
        count_fixed='le="+Inf"',
    ),
    "apisix": Measured("apisix_http_status", 'code!~"5.."', "apisix_http_latency_bucket"),
}


def _templates(family: str, selector: str, latency_selector: str | None = None, scale: str = "") -> tuple[str, str]:
    measured = MEASURED[family]
    counted = ", ".join(m for m in (selector, measured.count_fixed) if m)
    if measured.latency:
        duration = _p99(measured.latency, latency_selector or selector, scale)
    else:
        duration = _mean(*measured.mean, selector)
    return _ratio(measured.requests, counted, measured.ok), duration


# observer family -> (request-success-rate, request-duration), as templates.
TEMPLATES: dict[str, tuple[str, str]] = {
    "istio": _templates("istio", _ISTIO),
    "linkerd": _templates("linkerd", _LINKERD),
    "osm": _templates("osm", _OSM),
    "appmesh": _templates("appmesh", _POD),
    "http": _templates("http", _POD),
    "contour": _templates("contour", _CONTOUR),
    "gloo": _templates("gloo", _GLOO),
    "kuma": _templates("kuma", _KUMA),
    "knative": _templates("knative", _KNATIVE),
    "nginx": _templates("nginx", _NGINX),
    "skipper": _templates("skipper", _SKIPPER),
    "traefik": _templates("traefik", _TRAEFIK, scale=" * 1000"),
    "apisix": _templates("apisix", _APISIX, 'type=~"request", ' + _APISIX),
}

_NON_WORD = re.compile(r"\W")


def _skipper_route(model: TemplateModel) -> str:
    """Skipper's route name pattern; its observer first replaces every non-word character of the names with `_`."""
    namespace, ingress, service = (_NON_WORD.sub("_", v) for v in (model.namespace, model.ingress, model.service))
    return f"kube(ew)?_{namespace}__{ingress}_canary__.*__{service}_canary(_[0-9]+)?"


def builtin_query(family: str | None, check: str, model: TemplateModel) -> str | None:
    """The rendered query of builtin `check` for the observer `family`; None for another check or family."""
    if family is None or check not in BUILTIN_NAMES or family not in TEMPLATES:
        return None
    template = TEMPLATES[family][BUILTIN_NAMES.index(check)]
    if family == "skipper":
        template = template.replace("{{ skipper_route }}", _skipper_route(model))
    return render_query(template, model)
