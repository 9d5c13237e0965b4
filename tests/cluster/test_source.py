"""The cluster source against the Kubernetes API stand-in, with the real `kubernetes` client doing the talking."""

from __future__ import annotations

import time
from pathlib import Path

from tests.cluster import objects
from tests.cluster.harness import Harness
from tests.standin.apiserver import ApiServer
from tests.standin.events import EventRecorder
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey, Health

KEY = CanaryKey("test", "examiner")
LOGGER = ("monitoring", "app.kubernetes.io/name=logger")


def seed(api: ApiServer) -> None:
    api.put(objects.canary(phase="Progressing", weight=20, failed=1))
    api.put(objects.deployment("examiner", echo="new"))
    api.put(objects.deployment("examiner-primary", echo="old"))
    api.put(objects.traffic_split(primary=80, canary_weight=20))


def health(h: Harness, source: str) -> Health | None:
    item = h.state.health.get(source)
    return item.state if item else None


def test_lists_then_watches_every_resource(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver)
    with Harness(kubeconfig) as h:
        h.wait_for(
            lambda s: KEY in s.canaries and ("test", "examiner") in s.routers and len(s.deployments) == 2,
            what="the initial lists",
        )
        view = h.state.canaries[KEY]
        assert (view.info.phase, view.info.canary_weight, view.info.failed_checks) == ("Progressing", 20, 1)
        assert h.state.routers[("test", "examiner")].canary_weight == 20
        assert h.state.deployment("test", "examiner").echo_value == "new"
        for source in ("kubernetes", "canaries", "deployments", "trafficsplits", "events"):
            h.wait_for(lambda s, source=source: health(h, source) is Health.CONNECTED, what=f"{source} connected")
        apiserver.wait_for_watches("canaries.flagger.app")
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 30, "failedChecks": 2})
        apiserver.put(objects.traffic_split(primary=70, canary_weight=30))
        h.wait_for(
            lambda s: s.canaries[KEY].info.canary_weight == 30 and s.routers[("test", "examiner")].canary_weight == 30,
            what="the watched changes",
        )
        assert h.state.canaries[KEY].sticky_failed_checks == 2
        apiserver.delete("canaries.flagger.app", "examiner", "test")
        h.wait_for(lambda s: KEY not in s.canaries, what="the deletion")
    verbs = {r.method for r in apiserver.requests()}
    assert verbs == {"GET"}, "watching never writes"
    watches = [r for r in apiserver.requests() if r.query.get("watch") in ("true", "1", "True")]
    assert watches and all(r.query.get("allowWatchBookmarks") == "true" for r in watches)
    assert all(r.query.get("resourceVersion") for r in watches), "every watch starts from a list's resourceVersion"


def test_served_versions_are_discovered_not_assumed(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.put(objects.traffic_split(version="v1alpha2", primary=90, canary_weight=10))
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: ("test", "examiner") in s.routers, what="the TrafficSplit")
        assert h.source.served is not None
        assert h.source.served.version("gateway.networking.k8s.io") == "v1"
        assert set(h.source.served.groups["split.smi-spec.io"]) >= {"v1alpha1", "v1alpha2"}
        paths = {r.path for r in apiserver.requests() if "trafficsplits" in r.path}
        assert paths and all(f"/{h.source.served.version('split.smi-spec.io')}/" in p for p in paths)
        assert h.state.routers[("test", "examiner")].canary_weight == 10


def test_410_gone_relists_without_losing_an_update(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver)
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.canaries, what="the canary")
        loop = h.source.loops["canaries"]
        lists_before = loop.relists
        apiserver.wait_for_watches("canaries.flagger.app")
        apiserver.compact()
        apiserver.expire_next_watch("canaries.flagger.app")
        apiserver.drop_connections()
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"phase": "Promoting", "canaryWeight": 50})
        h.wait_for(lambda s: s.canaries[KEY].info.phase == "Promoting", timeout=15, what="the update after a 410")
        assert loop.relists > lists_before


def test_a_dropped_connection_reconnects(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver)
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: KEY in s.canaries, what="the canary")
        apiserver.wait_for_watches("canaries.flagger.app")
        apiserver.drop_connections()
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
        h.wait_for(lambda s: s.canaries[KEY].info.canary_weight == 40, timeout=15, what="the change after a drop")


def test_a_silent_watch_is_detected_within_the_read_timeout(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver)
    options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0)
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(lambda s: KEY in s.canaries, what="the canary")
        apiserver.silence_watches("canaries.flagger.app")
        apiserver.drop_connections()
        time.sleep(0.5)
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 40})
        time.sleep(1.0)
        assert h.state.canaries[KEY].info.canary_weight == 20, "the silent watch hides the change"
        apiserver.silence_watches("canaries.flagger.app", False)
        waited = h.wait_for(
            lambda s: s.canaries[KEY].info.canary_weight == 40,
            timeout=15,
            what="the change once the silent watch timed out",
        )
        assert waited < 5.0 + 3.0


def test_forbidden_resource_is_named_and_the_rest_works(apiserver: ApiServer, kubeconfig: Path) -> None:
    seed(apiserver)
    apiserver.forbid("apps/v1/deployments")
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: health(h, "deployments") is Health.FORBIDDEN, what="the forbidden health")
        assert h.state.health["deployments"].detail == "cannot list deployments.apps in test"
        h.wait_for(lambda s: KEY in s.canaries and ("test", "examiner") in s.routers, what="everything else")
        assert h.state.deployments == {}
        apiserver.allow()
        h.wait_for(lambda s: len(s.deployments) == 2, timeout=30, what="deployments once allowed")


def test_a_missing_flagger_crd_is_named_with_the_context(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.uninstall_crd("canaries.flagger.app")
    apiserver.uninstall_crd("trafficsplits.split.smi-spec.io")
    apiserver.uninstall_crd("httproutes.gateway.networking.k8s.io")
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: health(h, "canaries") is Health.NOT_INSTALLED, what="not installed")
        assert h.state.health["canaries"].detail == (
            "Flagger's Canary CRD (flagger.app) is not installed in context standin"
        )
        # No router kind served at all: a quiet note, not an error.
        routers = h.state.health["routers"]
        assert routers.state is Health.DISABLED
        assert routers.detail == "no router kind Flagger writes is served in context standin"
        h.wait_for(lambda s: health(h, "deployments") is Health.CONNECTED, what="deployments still watched")


def test_logger_stream_is_followed_across_pod_replacement(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary())
    apiserver.put(objects.pod("logger-7d9f-abcde"))
    first = objects.logger_lines("Advance examiner.test canary weight 10", t_ms=1_772_625_630_000)
    apiserver.append_log("monitoring", "logger-7d9f-abcde", "noise before", *first)
    options = ClusterOptions(prometheus=None, logger=LOGGER, read_timeout_s=5.0)
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(
            lambda s: any(e.event.message == "Advance examiner.test canary weight 10" for e in s.events),
            what="the first payload",
        )
        second = objects.logger_lines("Advance examiner.test canary weight 20", t_ms=1_772_625_660_000)
        apiserver.append_log("monitoring", "logger-7d9f-abcde", *second)
        h.wait_for(lambda s: len(s.events) == 2, what="a followed line")
        # The pod is replaced; the new one's tail repeats what the old one said.
        apiserver.delete("v1/pods", "logger-7d9f-abcde", "monitoring")
        apiserver.put(objects.pod("logger-7d9f-fghij", created="2026-03-04T12:30:00Z"))
        third = objects.logger_lines("Advance examiner.test canary weight 30", t_ms=1_772_625_690_000)
        apiserver.append_log("monitoring", "logger-7d9f-fghij", *second, *third)
        h.wait_for(
            lambda s: any(e.event.message.endswith("weight 30") for e in s.events),
            timeout=15,
            what="the new pod's lines",
        )
        assert [e.event.message for e in h.state.events] == [
            "Advance examiner.test canary weight 10",
            "Advance examiner.test canary weight 20",
            "Advance examiner.test canary weight 30",
        ]
        assert h.source.follower is not None
        assert h.source.follower.followed == ["logger-7d9f-abcde", "logger-7d9f-fghij"]
        assert h.state.health["logger"].detail == "monitoring/logger-7d9f-fghij"


def test_events_api_aggregation_is_undone_and_merged_with_the_logger(apiserver: ApiServer, kubeconfig: Path) -> None:
    stored = apiserver.put(objects.canary())
    recorder = EventRecorder(apiserver, aggregate=True)
    apiserver.put(objects.pod("logger-1"))
    apiserver.append_log(
        "monitoring",
        "logger-1",
        *objects.logger_lines(
            "Halt examiner.test advancement success rate 91.60% < 99%",
            t_ms=int(time.time() * 1000),
            event_type="Warning",
        ),
    )
    recorder.warning(stored, "Halt examiner.test advancement success rate 91.60% < 99%")
    for step in range(1, 12):
        recorder.normal(stored, f"Advance examiner.test canary weight {step}")
    options = ClusterOptions(prometheus=None, logger=LOGGER, read_timeout_s=5.0)
    with Harness(kubeconfig, options=options) as h:
        h.wait_for(lambda s: any(e.event.message.endswith("weight 11") for e in s.events), what="combined events")
        messages = [e.event.message for e in h.state.events]
        assert not any(m.startswith("(combined from similar events)") for m in messages)
        assert messages.count("Halt examiner.test advancement success rate 91.60% < 99%") == 1, (
            "the logger's copy and the Events API's copy are one event"
        )
        advances = [m for m in messages if m.startswith("Advance examiner.test canary weight")]
        # The tenth message was folded into the combined Event and overwritten by the eleventh: only the logger
        # stream could have kept it.
        assert sorted(advances, key=lambda m: int(m.rsplit(" ", 1)[1])) == [
            f"Advance examiner.test canary weight {step}" for step in [*range(1, 10), 11]
        ]


def test_a_revision_kept_in_a_configmap_is_shown(apiserver: ApiServer, kubeconfig: Path) -> None:
    # The seed chart passes ECHO_VALUE through envFrom; Flagger copies the ConfigMap as <name>-primary.
    for name, echo, rate in (("examiner", "new value", "10"), ("examiner-primary", "old value", "0")):
        dep = objects.deployment(name)
        container = dep["spec"]["template"]["spec"]["containers"][0]
        del container["env"]
        container["envFrom"] = [{"configMapRef": {"name": name}}]
        apiserver.put(dep)
        apiserver.put(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": "test"},
                "data": {"ECHO_VALUE": echo, "SERVER_ERROR_RATE": rate, "REQUEST_DELAY": "100..250"},
            }
        )
    apiserver.put(objects.canary())
    with Harness(kubeconfig) as h:
        h.wait_for(lambda s: len(s.configs) == 2 and len(s.deployments) == 2, what="deployments and configmaps")
        canary = h.state.deployment("test", "examiner")
        assert canary is not None and canary.env_from == ("examiner",)
        assert h.state.revision_values(canary) == {"ECHO_VALUE": "new value", "SERVER_ERROR_RATE": "10"}
        apiserver.put(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "examiner", "namespace": "test"},
                "data": {"ECHO_VALUE": "newer", "SERVER_ERROR_RATE": "0"},
            }
        )
        h.wait_for(
            lambda s: s.revision_values(s.deployment("test", "examiner"))["ECHO_VALUE"] == "newer",
            what="the changed ConfigMap",
        )
    from widgets.deployments_panel import revision_text

    state = h.state
    assert (
        revision_text(
            state.deployment("test", "examiner-primary"),
            state.revision_values(state.deployment("test", "examiner-primary")),
        )
        == '"old value"'
    )
