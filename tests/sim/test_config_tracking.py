"""ConfigMap tracking against Flagger v1.44 (pkg/canary/config_tracker.go; scheduler_deployment_test.go:426-522)."""

from __future__ import annotations

import hashlib

import pytest

from tests.simkit import EXAMINER, history_since, run_until, simulation
from tui.actions import ActionKind, Outcome
from tui.sim.actions import SimActions
from tui.sim.config_tracker import ChangeConfigMap, checksum, primary_template
from tui.sim.engine import Simulation
from tui.sim.scenario import ScenarioError, from_mapping
from tui.sim.store import ObjectStore

FROM_CONFIG_MAP = {"canaries": [{"name": "examiner", "namespace": "apps", "echoValueFrom": "configMap"}]}


def status(sim: Simulation) -> dict:
    return sim.store.get("Canary", "apps", "examiner")["status"]


def test_checksum_is_sha256_of_gos_json_of_data_first_8_bytes() -> None:
    data = {"b": "2", "a": "<1>"}
    # Go's json.Marshal sorts map keys and escapes <, > and & (the 16 hex digits of config_tracker.go:65-70).
    go_json = '{"a":"\\u003c1\\u003e","b":"2"}'
    assert checksum(data) == hashlib.sha256(go_json.encode()).hexdigest()[:16]


def test_initialization_tracks_the_config_map_and_points_the_primary_at_its_copy() -> None:
    sim = simulation(FROM_CONFIG_MAP)
    config = sim.store.get("ConfigMap", "apps", "examiner-config")
    assert status(sim)["trackedConfigs"] == {"configmap/examiner-config": checksum(config["data"])}
    copy = sim.store.get("ConfigMap", "apps", "examiner-config-primary")
    assert copy["data"] == config["data"]
    env = sim.store.get("Deployment", "apps", "examiner-primary")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0]["valueFrom"]["configMapKeyRef"]["name"] == "examiner-config-primary"


def test_seed_without_config_maps_tracks_nothing() -> None:
    sim = simulation("seed")
    assert "trackedConfigs" not in status(sim)


def test_a_config_map_change_alone_is_a_new_revision_and_promotion_copies_it() -> None:
    sim = simulation(FROM_CONFIG_MAP)
    template_before = sim.store.get("Deployment", "apps", "examiner")["spec"]["template"]
    start = len(sim.flagger.history)

    value = sim.apply(EXAMINER, ChangeConfigMap())

    assert sim.store.get("Deployment", "apps", "examiner")["spec"]["template"] == template_before
    run_until(sim, lambda s: s.phase(EXAMINER) == "Succeeded", limit_s=1200)
    messages = [r.message for r in history_since(sim, start)]
    assert messages[0] == "New revision detected! Scaling up examiner.apps"
    assert "Promotion completed! Scaling down examiner.apps" in messages
    assert sim.store.get("ConfigMap", "apps", "examiner-config-primary")["data"] == {"ECHO_VALUE": value}
    new = checksum({"ECHO_VALUE": value})
    assert status(sim)["trackedConfigs"] == {"configmap/examiner-config": new}


def test_a_config_map_change_during_the_analysis_restarts_it() -> None:
    sim = simulation(FROM_CONFIG_MAP)
    sim.apply(EXAMINER, ChangeConfigMap())
    run_until(sim, lambda s: status(s).get("canaryWeight", 0) >= 20, limit_s=600)
    start = len(sim.flagger.history)
    sim.apply(EXAMINER, ChangeConfigMap())
    run_until(sim, lambda s: len(history_since(s, start)) > 0, limit_s=120)
    assert history_since(sim, start)[0].message == "New revision detected! Restarting analysis for examiner.apps"


def test_the_config_map_step_needs_a_config_map() -> None:
    sim = simulation("seed")
    assert sim.apply(EXAMINER, ChangeConfigMap()) is None


def test_primary_template_renames_every_kind_of_reference() -> None:
    store = ObjectStore(lambda: 0.0)
    for kind, name in (("ConfigMap", "a"), ("ConfigMap", "b"), ("Secret", "s"), ("ConfigMap", "off")):
        meta: dict = {"name": name, "namespace": "ns"}
        if name == "off":
            meta["annotations"] = {"flagger.app/config-tracking": "disabled"}
        store.create({"apiVersion": "v1", "kind": kind, "metadata": meta, "data": {"k": "v"}})
    template = {
        "spec": {
            "volumes": [{"name": "v", "configMap": {"name": "a"}}, {"name": "w", "secret": {"secretName": "s"}}],
            "containers": [
                {"name": "c", "envFrom": [{"configMapRef": {"name": "b"}}, {"configMapRef": {"name": "off"}}]}
            ],
        }
    }
    spec = primary_template(store, "ns", template)["spec"]
    assert spec["volumes"][0]["configMap"]["name"] == "a-primary"
    assert spec["volumes"][1]["secret"]["secretName"] == "s-primary"
    assert [e["configMapRef"]["name"] for e in spec["containers"][0]["envFrom"]] == ["b-primary", "off"]


def test_echo_value_from_is_validated() -> None:
    with pytest.raises(ScenarioError, match=r"^canaries\[0\]\.echoValueFrom: expected one of env, configMap"):
        from_mapping({"canaries": [{"name": "examiner", "echoValueFrom": "secret"}]})


def test_the_config_map_key_starts_a_config_map_triggered_rollout_in_the_configmap_scenario() -> None:
    sim = simulation("configmap")
    outcome = SimActions(sim).perform(ActionKind.CHANGE_CONFIG, EXAMINER)
    value = sim.store.get("ConfigMap", "apps", "examiner-config")["data"]["ECHO_VALUE"]
    assert outcome == Outcome(
        True, f"Changed ConfigMap apps/examiner-config: ECHO_VALUE={value!r}, the pod template untouched"
    )
    start = len(sim.flagger.history)
    run_until(sim, lambda s: s.phase(EXAMINER) == "Progressing", limit_s=120)
    assert history_since(sim, start)[0].message == "New revision detected! Scaling up examiner.apps"


def test_the_config_map_key_says_how_to_see_it_where_the_target_reads_none() -> None:
    sim = simulation("demo")
    outcome = SimActions(sim).perform(ActionKind.CHANGE_CONFIG, EXAMINER)
    assert not outcome.ok
    assert outcome.message == (
        "apps/examiner's pod template reads no ConfigMap in this scenario; the 'configmap' scenario's reads "
        "ECHO_VALUE from one (canaryscope demo --scenario configmap)"
    )
    assert sim.phase(EXAMINER) == "Initialized"
