"""Kubernetes objects to canaryscope's values: real shapes parse, garbage never raises."""

from __future__ import annotations

import pytest

from tui.kube.parse import parse_canary, parse_deployment, parse_interval, parse_router, parse_timestamp

CANARY = {
    "apiVersion": "flagger.app/v1beta1",
    "kind": "Canary",
    "metadata": {"name": "examiner", "namespace": "apps", "creationTimestamp": "2026-03-04T11:00:00Z"},
    "spec": {
        "provider": "linkerd",
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "examiner"},
        "progressDeadlineSeconds": 90,
        "service": {"port": 80, "targetPort": "http"},
        "analysis": {
            "interval": "30s",
            "threshold": 2,
            "maxWeight": 50,
            "stepWeight": 10,
            "stepWeightPromotion": 17,
            "metrics": [
                {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "30s"},
                {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "30s"},
            ],
            "webhooks": [{"name": "Event Log", "type": "event", "url": "http://logger.monitoring"}],
        },
    },
    "status": {
        "phase": "WaitingPromotion",
        "canaryWeight": 0,
        "failedChecks": 1,
        "iterations": -1,
        "lastAppliedSpec": "85d557f47b",
        "lastPromotedSpec": "6b4dcd4877",
        "lastTransitionTime": "2026-03-04T12:00:30Z",
    },
}


def test_a_real_canary() -> None:
    info = parse_canary(CANARY)
    assert info is not None
    assert str(info.key) == "apps/examiner"
    assert info.phase == "WaitingPromotion"
    assert (info.canary_weight, info.failed_checks, info.iterations) == (0, 1, -1)
    a = info.analysis
    assert (a.interval_s, a.threshold, a.max_weight, a.step_weight, a.step_weight_promotion) == (30, 2, 50, 10, 17)
    assert (a.success_rate_min, a.duration_max_ms, a.metric_interval_s) == (99, 500, 30)
    assert info.webhooks[0].type == "event"
    assert info.last_transition_time == parse_timestamp("2026-03-04T12:00:30Z")
    assert info.apex == "examiner"


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        "canary",
        [],
        {},
        {"metadata": "x"},
        {"metadata": {"name": "x"}},
        {"metadata": {"name": 5, "namespace": "apps"}},
    ],
)
def test_objects_without_identity_are_skipped(garbage: object) -> None:
    assert parse_canary(garbage) is None
    assert parse_deployment(garbage) is None
    assert parse_router(garbage) is None


def test_wrong_types_become_unknown() -> None:
    info = parse_canary(
        {
            "metadata": {"name": "x", "namespace": "y"},
            "spec": {
                "analysis": {
                    "interval": 30,
                    "threshold": "two",
                    "stepWeights": ["a", 5],
                    "metrics": "none",
                    "webhooks": [7],
                },
                "targetRef": [],
            },
            "status": {"phase": 3, "canaryWeight": "10", "failedChecks": None, "lastTransitionTime": "yesterday"},
        }
    )
    assert info is not None
    assert info.target == "x"
    assert info.phase is None
    assert info.canary_weight == 10
    assert info.failed_checks is None
    assert info.analysis.interval_s is None and info.analysis.threshold is None
    assert info.analysis.step_weights == (5,)
    assert info.webhooks[0].name == "?"
    assert info.last_transition_time is None


def test_traffic_split_weights_as_quantity_strings_or_ints() -> None:
    v1alpha1 = {
        "apiVersion": "split.smi-spec.io/v1alpha1",
        "kind": "TrafficSplit",
        "metadata": {"name": "examiner", "namespace": "apps"},
        "spec": {
            "service": "examiner",
            "backends": [
                {"service": "examiner-canary", "weight": "10"},
                {"service": "examiner-primary", "weight": "90"},
            ],
        },
    }
    router = parse_router(v1alpha1)
    assert router is not None and (router.primary_weight, router.canary_weight) == (90, 10)
    v1alpha2 = dict(v1alpha1, apiVersion="split.smi-spec.io/v1alpha2")
    v1alpha2["spec"] = {
        "backends": [{"service": "examiner-primary", "weight": 100}, {"service": "examiner-canary", "weight": 0}]
    }
    router = parse_router(v1alpha2)
    assert router is not None and (router.primary_weight, router.canary_weight) == (100, 0)


def test_httproute_reads_the_rule_with_both_backends() -> None:
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "examiner", "namespace": "apps"},
        "spec": {
            "rules": [
                {"backendRefs": [{"name": "examiner-primary", "weight": 100}]},
                {
                    "backendRefs": [
                        {"name": "examiner-primary", "port": 80, "weight": 67},
                        {"name": "examiner-canary", "port": 80, "weight": 33},
                    ]
                },
            ]
        },
    }
    router = parse_router(route)
    assert router is not None and (router.kind, router.primary_weight, router.canary_weight) == ("HTTPRoute", 67, 33)


def test_deployment_revision_fields() -> None:
    dep = parse_deployment(
        {
            "metadata": {"name": "examiner", "namespace": "apps", "creationTimestamp": "2026-03-04T11:00:00Z"},
            "spec": {
                "replicas": 2,
                "template": {
                    "metadata": {"annotations": {"canaryscope.io/release": "r3"}},
                    "spec": {
                        "containers": [
                            {
                                "image": "quay.io/heubeck/examiner:1.9.0",
                                "env": [
                                    {"name": "ECHO_VALUE", "value": "hi"},
                                    {"name": "SERVER_ERROR_RATE", "value": "10"},
                                ],
                            }
                        ]
                    },
                },
            },
            "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1},
        }
    )
    assert dep is not None
    assert (dep.desired, dep.ready, dep.updated, dep.available) == (2, 1, 2, 1)
    assert (dep.echo_value, dep.error_rate, dep.release) == ("hi", "10", "r3")
    assert dep.image == "quay.io/heubeck/examiner:1.9.0"
    assert dep.template_hash and len(dep.template_hash) >= 8


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("1m", 60), ("500ms", 0.5), ("2h", 7200), ("x", None), (30, None)]
)
def test_intervals(text: object, seconds: float | None) -> None:
    assert parse_interval(text) == seconds
