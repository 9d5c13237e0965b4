"""Scenario keys for A/B testing, blue/green, mirroring and session affinity: refused in one line naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_cli import run
from tui.sim import manifests
from tui.sim.scenario import ScenarioError, from_mapping, load_scenario

A = "canaries[0].analysis"
HEADER = {"headers": {"x-canary": {"exact": "insider"}}}


def one(provider: str = "istio", **analysis: Any) -> dict[str, Any]:
    return {"provider": provider, "canaries": [{"name": "examiner", "analysis": analysis}]}


def test_iterations_replace_the_weights_and_the_canary_says_so() -> None:
    canary = from_mapping(one(iterations=4, match=[HEADER], threshold=3)).canaries[0]
    assert (canary.iterations, canary.step_weight, canary.step_weight_promotion) == (4, None, 0)
    analysis = manifests.canary(canary)["spec"]["analysis"]
    assert analysis["iterations"] == 4 and analysis["match"] == [HEADER]
    assert not {"stepWeight", "stepWeights", "maxWeight", "stepWeightPromotion"} & set(analysis)


def test_mirror_and_session_affinity_reach_the_canary() -> None:
    canary = from_mapping(one(iterations=3, mirror=True, mirrorWeight=30)).canaries[0]
    analysis = manifests.canary(canary)["spec"]["analysis"]
    assert (analysis["mirror"], analysis["mirrorWeight"]) == (True, 30)
    canary = from_mapping(one(sessionAffinity={"cookieName": "c", "maxAge": 60})).canaries[0]
    assert manifests.canary(canary)["spec"]["analysis"]["sessionAffinity"] == {"cookieName": "c", "maxAge": 60}


def test_match_without_iterations_is_kept_and_ignored_as_flagger_does() -> None:
    canary = from_mapping(one(match=[HEADER])).canaries[0]
    analysis = manifests.canary(canary)["spec"]["analysis"]
    assert analysis["match"] == [HEADER] and analysis["stepWeight"] == 10 and "iterations" not in analysis


def test_the_matched_share_of_the_load_defaults_to_a_fifth() -> None:
    assert load_scenario("ab").background.matched_share == 0.2
    assert from_mapping({**one(), "load": {"background": {"matchedShare": 0.5}}}).background.matched_share == 0.5


def test_builtin_ab_and_bluegreen() -> None:
    ab = load_scenario("ab")
    assert ab.provider == "istio" and ab.canaries[0].iterations == 5 and len(ab.canaries[0].match) == 2
    bluegreen = load_scenario("bluegreen").canaries[0]
    assert bluegreen.iterations == 5 and bluegreen.mirror and not bluegreen.match


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (one(iterations=3, stepWeight=10), f"{A}.iterations: cannot go with stepWeight"),
        (one(iterations=3, stepWeights=[10, 20]), f"{A}.iterations: cannot go with stepWeights"),
        (one(iterations=-1), f"{A}.iterations: must be at least 0, got -1"),
        (one(iterations="5"), f"{A}.iterations: expected an integer, got '5'"),
        (one(iterations=3, match=[]), f"{A}.match: expected a non-empty list of matches"),
        (one(iterations=3, match=[{"uri": {"prefix": "/"}}]), f"{A}.match[0].uri: unknown key (allowed: headers)"),
        (one(iterations=3, match=[{"headers": {}}]), f"{A}.match[0].headers: expected a map of header names"),
        (
            one(iterations=3, match=[{"headers": {"x": {"prefix": "a"}}}]),
            f"{A}.match[0].headers.x.prefix: unknown key (allowed: exact, regex)",
        ),
        (
            one(iterations=3, match=[{"headers": {"x": {"exact": "a", "regex": "b"}}}]),
            f"{A}.match[0].headers.x: expected exactly one of exact, regex",
        ),
        (
            one(iterations=3, match=[{"headers": {"x": {"regex": "("}}}]),
            f"{A}.match[0].headers.x.regex: not a regular expression",
        ),
        (one("linkerd", iterations=3, match=[HEADER]), f"{A}.match: A/B testing needs istio, gatewayapi or nginx"),
        (one(iterations=3, match=[HEADER], mirror=True), f"{A}.mirror: A/B testing (match with iterations) never"),
        (one(mirror="yes"), f"{A}.mirror: expected true or false, got 'yes'"),
        (one("linkerd", iterations=3, mirror=True), f"{A}.mirror: Flagger mirrors blue/green only on istio and"),
        (one("gatewayapi", mirror=True), f"{A}.mirror: Flagger mirrors the canary strategy only on istio, not"),
        (one(iterations=3, mirror=True, mirrorWeight=101), f"{A}.mirrorWeight: must be at most 100, got 101"),
        (one(mirrorWeight=-5), f"{A}.mirrorWeight: must be at least 0, got -5"),
        (one(sessionAffinity={"maxAge": 5}), f"{A}.sessionAffinity.cookieName: missing"),
        (one(sessionAffinity={"cookieName": "a b"}), f"{A}.sessionAffinity.cookieName: not a cookie name"),
        (one(sessionAffinity={"cookieName": "c", "sameSite": "x"}), f"{A}.sessionAffinity.sameSite: unknown key"),
        (one("nginx", sessionAffinity={"cookieName": "c"}), f"{A}.sessionAffinity: only the istio and gatewayapi"),
        (one(iterations=2, sessionAffinity={"cookieName": "c"}), f"{A}.sessionAffinity: applies to the canary"),
        ({**one(), "load": {"background": {"matchedShare": 2}}}, "load.background.matchedShare: must be at most 1"),
    ],
)
def test_bad_strategy_keys_are_one_line_naming_the_key(raw: dict[str, Any], error: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        from_mapping(raw)
    assert str(caught.value).startswith(error), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_bad_strategy_in_a_scenario_file_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("provider: istio\ncanaries:\n  - name: examiner\n    analysis: {iterations: 5, stepWeight: 10}\n")
    done = run("demo", "--scenario", str(bad))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"canaryscope: scenario {bad}: {A}.iterations: cannot go with stepWeight "
        "(a Canary takes one of iterations, stepWeight, stepWeights)"
    )
    assert done.stdout == ""
