"""The strategy Flagger runs, decided from the Canary's spec as Flagger's DeploymentStrategy does."""

from __future__ import annotations

import pytest

from tui.domain.flagger.strategy import Strategy, planned_iterations, strategy_of
from tui.kube.parse import parse_canary


@pytest.mark.parametrize(
    ("iterations", "has_match", "provider", "expected"),
    [
        (10, True, "istio", Strategy.AB),
        (10, False, "istio", Strategy.BLUE_GREEN),
        (None, True, "istio", Strategy.CANARY),  # match without iterations is ignored
        (0, False, "linkerd", Strategy.CANARY),
        (None, False, None, Strategy.CANARY),
        (None, False, "kubernetes", Strategy.BLUE_GREEN),  # no router: always blue/green
        (5, True, "kubernetes", Strategy.BLUE_GREEN),  # match dropped
    ],
)
def test_strategy_follows_flagger(iterations: int | None, has_match: bool, provider: str | None, expected: Strategy):
    assert strategy_of(iterations, has_match, provider) is expected


def test_kubernetes_without_iterations_plans_ten() -> None:
    assert planned_iterations(None, "kubernetes") == 10
    assert planned_iterations(None, "istio") == 0
    assert planned_iterations(4, "kubernetes") == 4


def _canary(analysis: dict, **spec: object) -> dict:
    return {
        "metadata": {"namespace": "test", "name": "podinfo"},
        "spec": {"targetRef": {"kind": "Deployment", "name": "podinfo"}, "analysis": analysis, **spec},
    }


def test_ab_spec_is_parsed_with_its_match_rules() -> None:
    info = parse_canary(
        _canary(
            {
                "interval": "1m",
                "threshold": 5,
                "iterations": 10,
                "match": [
                    {"headers": {"x-canary": {"exact": "insider"}}},
                    {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}},
                ],
                "sessionAffinity": {"cookieName": "flagger-cookie"},
            }
        )
    )
    assert info is not None
    assert info.analysis.matches == ("header x-canary=insider", "cookie~^(.*?;)?(canary=always)(;.*)?$")
    assert info.analysis.session_cookie == "flagger-cookie"
    assert strategy_of(info.analysis.iterations, bool(info.analysis.matches)) is Strategy.AB


def test_mirroring_lifecycle_and_condition_fields_are_parsed() -> None:
    obj = _canary(
        {"interval": "1m", "threshold": 5, "iterations": 5, "mirror": True, "mirrorWeight": 50},
        revertOnDeletion=True,
        autoscalerRef={"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "podinfo"},
    )
    obj["metadata"]["deletionTimestamp"] = "2026-03-04T12:00:00Z"
    obj["status"] = {
        "conditions": [
            {"type": "Promoted", "status": "Unknown", "reason": "Initializing", "message": "New Deployment\x1b[2J"}
        ]
    }
    info = parse_canary(obj)
    assert info is not None
    assert info.analysis.mirror and info.analysis.mirror_weight == 50
    assert info.revert_on_deletion and info.deleting
    assert info.autoscaler == "HorizontalPodAutoscaler/podinfo"
    assert info.phase is None
    assert info.condition_reason == "Initializing"
    assert info.condition_message is not None and "\x1b" not in info.condition_message
