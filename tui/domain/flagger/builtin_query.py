"""The query Flagger itself sends for a builtin check (request-success-rate, request-duration) of one canary.

The templates ask what Flagger's observers ask (pkg/metrics/observers/<provider>.go, v1.44: the same metrics, matchers
and window; only insignificant commas differ), rendered with the same model as a MetricTemplate
(tui.domain.flagger.query_template), so the text can be pasted into Prometheus as is.
"""

from __future__ import annotations

import re

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

# observer family -> (request-success-rate, request-duration), as templates.
TEMPLATES: dict[str, tuple[str, str]] = {
    "istio": (
        _ratio("istio_requests_total", _ISTIO, 'response_code!~"5.*"'),
        _p99("istio_request_duration_milliseconds_bucket", _ISTIO),
    ),
    "linkerd": (
        _ratio("response_total", _LINKERD, 'classification!="failure"'),
        _p99("response_latency_ms_bucket", _LINKERD),
    ),
    "osm": (_ratio("osm_request_total", _OSM, 'response_code!~"5.*"'), _p99("osm_request_duration_ms_bucket", _OSM)),
    "appmesh": (
        _ratio("envoy_cluster_upstream_rq", _POD, 'envoy_response_code!~"5.*"'),
        _p99("envoy_cluster_upstream_rq_time_bucket", _POD),
    ),
    "http": (
        _ratio("http_request_duration_seconds_count", _POD, 'status!~"5.*"'),
        _p99("http_request_duration_seconds_bucket", _POD),
    ),
    "contour": (
        _ratio("envoy_cluster_upstream_rq", _CONTOUR, 'envoy_response_code!~"5.*"'),
        _p99("envoy_cluster_upstream_rq_time_bucket", _CONTOUR),
    ),
    "gloo": (
        _ratio("envoy_cluster_upstream_rq", _GLOO, 'envoy_response_code!~"5.*"'),
        _p99("envoy_cluster_upstream_rq_time_bucket", _GLOO),
    ),
    "kuma": (
        _ratio("envoy_cluster_upstream_rq", _KUMA, 'envoy_response_code!~"5.*"'),
        _p99("envoy_cluster_upstream_rq_time_bucket", _KUMA),
    ),
    "knative": (
        _ratio("envoy_cluster_upstream_rq", _KNATIVE, 'envoy_response_code!~"5.*"'),
        _p99("envoy_cluster_upstream_rq_time_bucket", _KNATIVE),
    ),
    "nginx": (
        _ratio("nginx_ingress_controller_requests", _NGINX, 'status!~"5.*"'),
        _mean(
            "nginx_ingress_controller_response_duration_seconds_sum",
            "nginx_ingress_controller_response_duration_seconds_count",
            _NGINX,
        ),
    ),
    "skipper": (
        _ratio("skipper_response_duration_seconds_bucket", _SKIPPER + ',le="+Inf"', 'code!~"5.."'),
        _mean("skipper_serve_route_duration_seconds_sum", "skipper_serve_route_duration_seconds_count", _SKIPPER),
    ),
    "traefik": (
        _ratio("traefik_service_request_duration_seconds_bucket", _TRAEFIK + ', le="+Inf"', 'code!~"5.."'),
        _p99("traefik_service_request_duration_seconds_bucket", _TRAEFIK, " * 1000"),
    ),
    "apisix": (
        _ratio("apisix_http_status", _APISIX, 'code!~"5.."'),
        _p99("apisix_http_latency_bucket", 'type=~"request", ' + _APISIX),
    ),
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
