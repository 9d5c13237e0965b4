"""Hypothesis strategies for what a cluster may hand canaryscope: JSON of any shape, and real objects with parts
dropped or replaced by values of the wrong type."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests import router_objects
from tests.cluster import objects

# Everything `json.loads` can produce, including what Go never sends (NaN, Infinity, integers past 64 bits).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "NaN", "Infinity", "1e400", "99999999999999999999", "10s", "-30s", "abc"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mangled(draw: st.DrawFn, template: Any) -> Any:
    """The template with each value kept, dropped (in a mapping) or replaced by any JSON value, recursively."""

    def walk(value: Any, depth: int) -> Any:
        choice = draw(st.integers(0, 9))
        if choice == 0:
            return draw(json_values)
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if draw(st.integers(0, 9)) == 0:
                    continue
                out[key] = walk(item, depth + 1)
            return out
        if isinstance(value, list):
            return [walk(item, depth + 1) for item in value]
        return value

    return walk(template, 0)


def httproute() -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "examiner", "namespace": "test"},
        "spec": {
            "rules": [
                {
                    "backendRefs": [
                        {"name": "examiner-primary", "port": 80, "weight": 90},
                        {"name": "examiner-canary", "port": 80, "weight": 10},
                    ]
                }
            ]
        },
    }


def event() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "examiner.1", "namespace": "test", "uid": "u-1"},
        "involvedObject": {"kind": "Canary", "namespace": "test", "name": "examiner"},
        "type": "Warning",
        "message": "Halt examiner.test advancement success rate 91.00% < 99%",
        "count": 3,
        "firstTimestamp": "2026-03-04T12:00:00Z",
        "lastTimestamp": "2026-03-04T12:01:00Z",
        "series": {"count": 3, "lastObservedTime": "2026-03-04T12:01:00.123456Z"},
    }


def payload() -> dict[str, Any]:
    return {
        "name": "examiner",
        "namespace": "test",
        "phase": "Progressing",
        "checksum": "85d557f47b",
        "metadata": {
            "eventMessage": "Advance examiner.test canary weight 20",
            "eventType": "Normal",
            "timestamp": "1772625630000",
        },
    }


canaries = st.one_of(mangled(objects.canary(phase="Progressing", weight=20, failed=1, hooks=[])), json_values)
deployments = st.one_of(mangled(objects.deployment("examiner")), json_values)
routers = st.one_of(
    mangled(objects.traffic_split(primary=80, canary_weight=20)),
    mangled(objects.traffic_split(version="v1alpha4", primary=80, canary_weight=20)),
    mangled(httproute()),
    # Every other router kind Flagger writes, A/B variants included.
    mangled(router_objects.virtual_service(0, 100, ab=True)),
    mangled(router_objects.http_route(0, 100, ab=True)),
    mangled(router_objects.nginx_ab_ingress()),
    mangled(router_objects.nginx_ingress()),
    mangled(router_objects.skipper_ingress()),
    mangled(router_objects.http_proxy(ab=True)),
    mangled(router_objects.route_table(ab=True)),
    mangled(router_objects.traefik_service()),
    mangled(router_objects.traffic_route()),
    mangled(router_objects.apisix_route()),
    mangled(router_objects.virtual_router(ab=True)),
    mangled(router_objects.appmesh_virtual_service()),
    mangled(router_objects.knative_service()),
    json_values,
)
events = st.one_of(mangled(event()), json_values)
payloads = st.one_of(mangled(payload()), json_values)


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


log_lines = st.one_of(
    st.text(max_size=80),
    payloads.map(_dumps),
    payloads.map(lambda p: "2026-03-04T12:00:30.123456789Z " + _dumps(p)),
    payloads.map(_dumps).map(lambda text: text[: len(text) // 2]),  # a payload broken across lines
    st.sampled_from(["{", "}", "{{", "POST http://logger.monitoring/ from 10.0.0.1:5:", "\x00\xff", "{" * 50]),
)
