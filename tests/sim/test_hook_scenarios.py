"""Scenario keys for webhooks and deadlines: validated strictly, one line naming the key, exit 2 on the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tui.sim import manifests
from tui.sim.scenario import ScenarioError, from_mapping, load_scenario


def one_canary(**keys: Any) -> dict[str, Any]:
    return {"canaries": [{"name": "examiner", "namespace": "apps", **keys}]}


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"webhooks": [{"name": "x", "type": "pre-deploy"}]},
            "canaries[0].webhooks[0].type: unknown webhook type 'pre-deploy' (Flagger's: confirm-rollout, "
            "pre-rollout, rollout, confirm-traffic-increase, confirm-promotion, post-rollout, rollback, event)",
        ),
        ({"webhooks": [{"type": "rollout"}]}, "canaries[0].webhooks[0].name: missing"),
        ({"webhooks": [{"name": "Load Test"}]}, "canaries[0].webhooks[0].name: expected a lowercase name"),
        ({"webhooks": [{"name": "x", "failures": -1}]}, "canaries[0].webhooks[0].failures: must be at least 0"),
        ({"webhooks": [{"name": "x", "fails": "sometimes"}]}, "canaries[0].webhooks[0].fails: expected always"),
        ({"webhooks": [{"name": "x", "failures": 1, "fails": "always"}]}, "give either failures or fails"),
        ({"webhooks": [{"name": "x", "cmd": "hey -z 1m -q 5 http://e/", "failures": 1}]}, "cannot fail"),
        ({"webhooks": [{"name": "x", "cmd": "curl http://examiner-canary.apps/"}]}, "expected a hey command"),
        ({"webhooks": [{"name": "x", "cmd": "hey -q 5 http://examiner-canary.apps/"}]}, "hey needs -z"),
        ({"webhooks": [{"name": "x", "cmd": "hey -z 1m -q 5 http://other.apps/"}]}, "must be a Service of the canary"),
        (
            {"webhooks": [{"name": "x", "cmd": "for i in $(seq 5); do curl -H 'Host: o' http://h/; sleep 1; done"}]},
            "canaries[0].webhooks[0].cmd: the Host header must be the canary's host localhost or name a Service",
        ),
        (
            {"webhooks": [{"name": "x", "cmd": "for i in $(seq 5); do curl http://h/; sleep 0; done"}]},
            "canaries[0].webhooks[0].cmd: sleep must be between 0.01 and 60 seconds, got 0",
        ),
        (
            {"webhooks": [{"name": "x", "cmd": "for i in $(seq 5); do curl -k http://h/; sleep 1; done"}]},
            "canaries[0].webhooks[0].cmd: curl flag -k is not simulated",
        ),
        ({"webhooks": [{"name": "x", "type": "event"}]}, "canaries[0].webhooks[0].type: event hooks are built in"),
        ({"webhooks": [{"name": "x", "retries": 2}]}, "canaries[0].webhooks[0]"),
        ({"webhooks": "smoke"}, "canaries[0].webhooks: expected a list"),
        ({"progressDeadlineSeconds": 0}, "canaries[0].progressDeadlineSeconds: must be at least 1, got 0"),
        ({"progressDeadlineSeconds": -30}, "canaries[0].progressDeadlineSeconds: must be at least 1, got -30"),
        ({"neverReady": "sometimes"}, "canaries[0].neverReady: expected true, canary or primary"),
    ],
)
def test_bad_webhook_and_deadline_keys_are_one_line_naming_the_key(keys: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        from_mapping(one_canary(**keys))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_unknown_webhook_type_from_a_real_process_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "hooks.yaml"
    bad.write_text("canaries:\n  - name: examiner\n    webhooks:\n      - {name: smoke, type: smoke-test}\n")
    done = subprocess.run(
        [sys.executable, "-m", "tui", "demo", "--scenario", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        f"canaryscope: scenario {bad}: canaries[0].webhooks[0].type: unknown webhook type 'smoke-test'"
    )
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_negative_deadline_from_a_real_process_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "deadline.yaml"
    bad.write_text("canaries:\n  - name: examiner\n    progressDeadlineSeconds: -1\n")
    done = subprocess.run(
        [sys.executable, "-m", "tui", "demo", "--scenario", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"canaryscope: scenario {bad}: canaries[0].progressDeadlineSeconds: must be at least 1, got -1\n"
    )


def test_webhooks_become_loadtester_tasks_in_the_canary_the_lab_applies_too() -> None:
    spec = from_mapping(
        one_canary(
            gates=["rollback"],
            webhooks=[
                {"name": "smoke", "type": "pre-rollout", "failures": 2},
                {"name": "load-test", "cmd": "hey -z 1m -q 5 -c 2 http://examiner-canary.apps/"},
                {"name": "notify", "type": "post-rollout", "fails": "always"},
            ],
        )
    ).canaries[0]
    hooks = manifests.canary(spec)["spec"]["analysis"]["webhooks"]
    assert [(h["name"], h["type"]) for h in hooks] == [
        ("rollback", "rollback"),
        ("smoke", "pre-rollout"),
        ("load-test", "rollout"),
        ("notify", "post-rollout"),
        ("Event Log", "event"),
    ]
    assert hooks[1]["url"] == "http://flagger-loadtester.apps/"
    assert hooks[1]["metadata"]["type"] == "bash"
    assert "test $n -ge 2" in hooks[1]["metadata"]["cmd"]
    assert hooks[2]["metadata"] == {"type": "cmd", "cmd": "hey -z 1m -q 5 -c 2 http://examiner-canary.apps/"}
    assert hooks[3]["metadata"] == {"type": "bash", "cmd": "exit 1"}


def test_never_ready_primary_gives_the_target_the_deadline_flagger_copies_to_the_primary() -> None:
    primary = from_mapping(one_canary(neverReady="primary", progressDeadlineSeconds=45)).canaries[0]
    assert manifests.target_deployment(primary)["spec"]["progressDeadlineSeconds"] == 45
    plain = from_mapping(one_canary()).canaries[0]
    assert "progressDeadlineSeconds" not in manifests.target_deployment(plain)["spec"]


@pytest.mark.parametrize("name", ["hooks", "deadline"])
def test_the_new_built_in_scenarios_load(name: str) -> None:
    assert load_scenario(name).canaries[0].name == "examiner"
