"""Scenario files: defaults from the seed demo, strict validation with one-line messages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tui.sim.scenario import ScenarioError, from_mapping, load_scenario


def test_defaults_are_the_seed_demo() -> None:
    canary = load_scenario("seed").canaries[0]
    assert (canary.namespace, canary.name) == ("apps", "examiner")
    assert canary.interval_s == 30
    assert canary.step_weight == 10
    assert canary.max_weight == 50
    assert canary.step_weight_promotion == 17
    assert canary.threshold == 2
    assert canary.success_rate_min == 99
    assert canary.duration_max_ms == 500
    assert canary.gates == ()
    assert load_scenario(None).canaries[0].gates == ("rollback",)


def test_a_file_overrides_and_describes_several_canaries(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "canaries:\n"
        "  - name: examiner\n"
        "    analysis: {interval: 1m, stepWeight: 25, maxWeight: 75, threshold: 3}\n"
        "  - name: podinfo\n"
        "    namespace: test\n"
        "    analysis: {stepWeights: [5, 10, 50]}\n"
        "load:\n  background: {concurrency: 2, rate: 10}\n"
    )
    scenario = load_scenario(str(path))
    first, second = scenario.canaries
    assert (first.interval_s, first.step_weight, first.max_weight, first.threshold) == (60, 25, 75, 3)
    assert (second.namespace, second.step_weights, second.step_weight) == ("test", (5, 10, 50), None)
    assert scenario.background.concurrency == 2 and scenario.background.rate == 10
    assert second.host != first.host


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"canaries": [{"name": "e", "analysis": {"stepWeight": 0}}]},
            "canaries[0].analysis.stepWeight: must be at least 1, got 0",
        ),
        (
            {"canaries": [{"name": "e", "analysis": {"maxWeight": 101}}]},
            "canaries[0].analysis.maxWeight: must be at most 100, got 101",
        ),
        (
            {"canaries": [{"name": "e", "analysis": {"threshold": 0}}]},
            "canaries[0].analysis.threshold: must be at least 1, got 0",
        ),
        (
            {"canaries": [{"name": "e", "analysis": {"interval": "-30s"}}]},
            "canaries[0].analysis.interval: must not be negative, got '-30s'",
        ),
        (
            {"canaries": [{"name": "e", "analysis": {"interval": -30}}]},
            "canaries[0].analysis.interval: must not be negative, got -30",
        ),
        (
            {"canaries": [{"name": "e", "analysis": {"stepWeight": "ten"}}]},
            "canaries[0].analysis.stepWeight: expected an integer, got 'ten'",
        ),
        ({"canaries": [{"name": "e", "colour": "red"}]}, "canaries[0].colour: unknown key"),
        ({"canaries": [{"name": "e"}], "speed": 3}, "speed: unknown key"),
        ({"canaries": []}, "canaries: expected a non-empty list"),
        ({"canaries": [{"namespace": "x"}]}, "canaries[0].name: missing"),
        ({"canaries": [{"name": "Bad_Name"}]}, "canaries[0].name: not a valid Kubernetes name"),
        ({"canaries": [{"name": "e"}, {"name": "e"}]}, "canaries[1]: apps/e is listed twice"),
        ({"canaries": [{"name": "e", "gates": ["promote"]}]}, "canaries[0].gates[0]: unknown gate 'promote'"),
        ({"canaries": [{"name": "e", "analysis": {"stepWeights": [10, 5]}}]}, "stepWeights: weights must rise"),
        ({"canaries": [{"name": "e"}], "load": {"errors": {"delay": "fast"}}}, "load.errors.delay: expected"),
        ({"canaries": [{"name": "e"}], "load": {"errors": {"status": 700}}}, "load.errors.status: must be at most"),
        ({"canaries": [{"name": "e"}], "start": "yesterday"}, "start: expected an RFC 3339 time"),
        ("just text", "scenario: expected a mapping"),
        (
            {"canaries": [{"name": "e"}], "provider": "contour"},
            "provider: unknown provider 'contour' (the simulation speaks: linkerd, istio, gatewayapi, gatewayapi:v1, "
            "nginx, kubernetes)",
        ),
        ({"canaries": [{"name": "e"}], "provider": 3}, "provider: unknown provider 3"),
    ],
)
def test_impossible_values_are_refused_naming_key_and_value(raw: object, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        from_mapping(raw)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text


def test_file_problems_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("canaries: [\n  - name: e\n")
    with pytest.raises(ScenarioError, match=r"broken.yaml: not valid YAML at line \d+"):
        load_scenario(str(broken))
    with pytest.raises(ScenarioError, match=r"missing\.yaml: no such file"):
        load_scenario(str(tmp_path / "missing.yaml"))
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(str(tmp_path))


@pytest.mark.parametrize(
    ("name", "provider"), [("istio", "istio"), ("gatewayapi", "gatewayapi:v1"), ("demo", "linkerd")]
)
def test_built_in_provider_scenarios_are_the_demo_on_another_router(name: str, provider: str) -> None:
    scenario = load_scenario(name)
    demo = load_scenario("demo")
    assert scenario.provider == provider
    assert [c.provider for c in scenario.canaries] == [provider]
    assert replace(scenario.canaries[0], provider="linkerd") == demo.canaries[0]


def test_a_files_provider_applies_to_every_canary(tmp_path: Path) -> None:
    path = tmp_path / "nginx.yaml"
    path.write_text("provider: nginx\ncanaries:\n  - name: a\n  - name: b\n")
    assert [c.provider for c in load_scenario(str(path)).canaries] == ["nginx", "nginx"]
