"""The action keys on a cluster, over the wire: exact PATCH bodies and content types, loadtester gates,
follow-ups, confirmation, and --read-only sending nothing but GETs and watches."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import objects
from tests.cluster.fake_loadtester import FakeLoadtester
from tests.cluster.harness import Harness
from tests.load.examiner_server import ExaminerServer
from tests.standin.apiserver import ApiServer
from tests.waiting import settle
from tui.actions import ActionKind, Outcome, ReadOnlyActions
from tui.app import CanaryscopeApp
from tui.cluster.actions import ClusterActions
from tui.cluster.release import ReleaseConfig
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey
from tui.load.policy import LoadPolicy
from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION
from tui.load.registry import LoadRegistry
from tui.screens.confirm import ConfirmScreen

KEY = CanaryKey("test", "examiner")
GATES = [
    {"name": "confirm-promotion", "type": "confirm-promotion", "url": "http://flagger-loadtester.test/gate/check"},
    {"name": "rollback", "type": "rollback", "url": "http://flagger-loadtester.test/rollback/check"},
]


@pytest.fixture
def loadtester(apiserver: ApiServer) -> Iterator[FakeLoadtester]:
    fake = FakeLoadtester().start()
    apiserver.proxy_service("test", "flagger-loadtester:80", fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def examiner() -> Iterator[ExaminerServer]:
    with ExaminerServer() as server:
        yield server


def actions_for(
    h: Harness,
    *,
    release: ReleaseConfig | None = None,
    target: str = "http://127.0.0.1:9/examine",
    confirm: bool = False,
    state: Any = None,
    loadtester_url: str | None = None,
) -> ClusterActions:
    actions = ClusterActions(
        h.source.connection,
        state or (lambda: h.state),
        served=lambda: h.source.served,
        release=release or ReleaseConfig(),
        target_url=target,
        loads=LoadRegistry(LoadPolicy.for_target(target)),
        background=BACKGROUND_LOAD,
        errors=ERROR_INJECTION,
        loadtester_url=loadtester_url,
        confirm=confirm,
    )
    actions.bind(h.sink.apply)
    return actions


def writes(api: ApiServer) -> list[Any]:
    return [r for r in api.requests() if r.method != "GET"]


def seeded(api: ApiServer, **canary: Any) -> None:
    api.put(objects.canary(phase="Progressing", weight=20, **canary))
    api.put(objects.deployment("examiner", echo="v1"))
    api.put(objects.deployment("examiner-primary", echo="v0"))
    api.put(objects.traffic_split(primary=80, canary_weight=20))


def ready(h: Harness) -> None:
    h.wait_for(
        lambda s: KEY in s.canaries and len(s.deployments) == 2 and h.source.served is not None,
        what="the canary and its deployments",
    )


def test_release_patches_the_pod_template_with_a_strategic_merge(apiserver: ApiServer, kubeconfig: Path) -> None:
    seeded(apiserver)
    with Harness(kubeconfig) as h:
        ready(h)
        outcome = actions_for(h).perform(ActionKind.FAULTY_RELEASE, KEY)
        assert outcome.ok, outcome.message
    [patch] = writes(apiserver)
    assert patch.method == "PATCH"
    assert patch.path == "/apis/apps/v1/namespaces/test/deployments/examiner"
    assert patch.content_type == "application/strategic-merge-patch+json"
    body = patch.json()
    template = body["spec"]["template"]
    env = {e["name"]: e["value"] for e in template["spec"]["containers"][0]["env"]}
    assert template["spec"]["containers"][0]["name"] == "examiner"
    assert env["SERVER_ERROR_RATE"] == "10"
    assert env["ECHO_VALUE"].startswith("Go Flagger go! (")
    assert template["metadata"]["annotations"]["canaryscope.io/release"].endswith("-r1-faulty")
    stored = apiserver.get("apps/v1/deployments", "examiner", "test")
    stored_env = {e["name"]: e["value"] for e in stored["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert stored_env == env, "merged by name into the existing env"
    assert "SERVER_ERROR_RATE='10'" in outcome.message and "patched Deployment test/examiner" in outcome.message


def test_release_of_a_flux_managed_target_merge_patches_its_helmrelease(apiserver: ApiServer, kubeconfig: Path) -> None:
    seeded(apiserver)
    flux = {"helm.toolkit.fluxcd.io/name": "examiner", "helm.toolkit.fluxcd.io/namespace": "test"}
    apiserver.put(objects.deployment("examiner", echo="v1", labels=flux))
    apiserver.put(
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "examiner", "namespace": "test"},
            "spec": {
                "interval": "1m",
                "chart": {"spec": {"chart": "./charts/examiner"}},
                "values": {"configuration": {"ECHO_VALUE": "old", "REQUEST_DELAY": "100..250"}},
            },
        }
    )
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h)
        assert "Flux puts git's value back" in actions.describe(ActionKind.RELEASE, KEY)
        outcome = actions.perform(ActionKind.RELEASE, KEY)
    assert outcome.ok and "Flux puts git's value back" in outcome.message
    [patch] = writes(apiserver)
    assert patch.path.endswith("/namespaces/test/helmreleases/examiner")
    assert patch.content_type == "application/merge-patch+json"
    values = patch.json()["spec"]["values"]["configuration"]
    assert values["SERVER_ERROR_RATE"] == "0" and values["ECHO_VALUE"].startswith("Go Flagger go!")
    stored = apiserver.get("helmreleases.helm.toolkit.fluxcd.io", "examiner", "test")
    assert stored["spec"]["values"]["configuration"]["REQUEST_DELAY"] == "100..250", "other values stay"


def test_release_through_git_commits_and_pushes(apiserver: ApiServer, kubeconfig: Path, tmp_path: Path) -> None:
    seeded(apiserver)
    bare, work = tmp_path / "gitops.git", tmp_path / "work"
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}

    def git(*args: str, cwd: Path = work) -> str:
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout

    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True, env=env)
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, env=env)
    git("config", "user.name", "Presenter")
    git("config", "user.email", "presenter@example.com")
    source_file = Path(__file__).parents[2] / "manifests" / "cluster" / "apps" / "examiner.yaml"
    (work / "apps").mkdir()
    (work / "apps" / "examiner.yaml").write_text(source_file.read_text())
    git("add", ".")
    git("commit", "-q", "-m", "initial")
    git("push", "-q", "origin", "main")
    release = ReleaseConfig(strategy="git", git_repo=str(work), git_file="apps/examiner.yaml")
    with Harness(kubeconfig) as h:
        ready(h)
        outcome = actions_for(h, release=release).perform(ActionKind.FAULTY_RELEASE, KEY)
    assert outcome.ok, outcome.message
    assert "pushed to origin/main" in outcome.message
    log = git("log", "--format=%s", "main", cwd=bare)
    assert log.splitlines()[0].startswith("Release examiner: ECHO_VALUE=")
    assert writes(apiserver) == [], "the git strategy never writes to the cluster"


def with_config(api: ApiServer, env_from: bool = False, **annotations: str) -> None:
    """The target reads ECHO_VALUE from the ConfigMap examiner-config (a key ref, or envFrom the whole map)."""
    deployment = objects.deployment("examiner", echo="v1")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    if env_from:
        container["env"] = []
        container["envFrom"] = [{"configMapRef": {"name": "examiner-config"}}]
    else:
        ref = {"configMapKeyRef": {"name": "examiner-config", "key": "echo"}}
        container["env"] = [{"name": "ECHO_VALUE", "valueFrom": ref}]
    api.put(deployment)
    meta = {"name": "examiner-config", "namespace": "test", "annotations": annotations}
    api.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"echo": "v1", "other": "kept"}})


@pytest.mark.parametrize(("env_from", "key"), [(False, "echo"), (True, "ECHO_VALUE")])
def test_change_config_merge_patches_the_config_map_the_target_reads(
    apiserver: ApiServer, kubeconfig: Path, env_from: bool, key: str
) -> None:
    seeded(apiserver)
    with_config(apiserver, env_from=env_from)
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h)
        assert "Patch the ConfigMap Deployment test/examiner reads" in actions.describe(ActionKind.CHANGE_CONFIG, KEY)
        outcome = actions.perform(ActionKind.CHANGE_CONFIG, KEY)
    assert outcome.ok, outcome.message
    [patch] = writes(apiserver)
    assert (patch.method, patch.path) == ("PATCH", "/api/v1/namespaces/test/configmaps/examiner-config")
    assert patch.content_type == "application/merge-patch+json"
    assert list(patch.json()) == ["data"] and list(patch.json()["data"]) == [key]
    stored = apiserver.get("v1/configmaps", "examiner-config", "test")["data"]
    assert stored[key].startswith("Go Flagger go! (") and stored["other"] == "kept"
    assert outcome.message.startswith("Changed ConfigMap test/examiner-config (") and f"{key}='" in outcome.message
    template = apiserver.get("apps/v1/deployments", "examiner", "test")["spec"]["template"]
    assert "canaryscope.io/release" not in (template.get("metadata") or {}).get("annotations", {})


def test_change_config_is_refused_without_a_config_map_or_one_flagger_does_not_track(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    seeded(apiserver)
    with Harness(kubeconfig) as h:
        ready(h)
        outcome = actions_for(h).perform(ActionKind.CHANGE_CONFIG, KEY)
        assert outcome == Outcome(False, "Nothing changed: Deployment test/examiner reads no ConfigMap")
        with_config(apiserver, **{"flagger.app/config-tracking": "disabled"})
        outcome = actions_for(h).perform(ActionKind.CHANGE_CONFIG, KEY)
        assert not outcome.ok and "opts out of Flagger's tracking (flagger.app/config-tracking)" in outcome.message
    assert writes(apiserver) == []


def test_promote_without_a_gate_sets_skip_analysis_and_unsets_it_once_promoted(
    apiserver: ApiServer, kubeconfig: Path
) -> None:
    seeded(apiserver)
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h)
        assert "skipAnalysis" in actions.describe(ActionKind.PROMOTE, KEY)
        assert actions.perform(ActionKind.PROMOTE, KEY).ok
        [patch] = writes(apiserver)
        assert patch.path.endswith("/apis/flagger.app/v1beta1/namespaces/test/canaries/examiner")
        assert patch.content_type == "application/merge-patch+json"
        assert patch.json() == {"spec": {"skipAnalysis": True}}
        actions.after_state(h.state)
        assert len(writes(apiserver)) == 1, "nothing is undone before the promotion"
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"phase": "Succeeded", "canaryWeight": 0})
        h.wait_for(lambda s: s.canaries[KEY].info.phase == "Succeeded", what="Succeeded")
        actions.after_state(h.state)
        h.wait_for(lambda s: len(writes(apiserver)) == 2, what="the follow-up patch")
    assert writes(apiserver)[1].json() == {"spec": {"skipAnalysis": None}}
    assert "skipAnalysis" not in apiserver.get("canaries.flagger.app", "examiner", "test")["spec"]


def test_promote_and_abort_use_the_loadtester_gates_and_close_them_again(
    apiserver: ApiServer, kubeconfig: Path, loadtester: FakeLoadtester
) -> None:
    seeded(apiserver, hooks=GATES)
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h)
        assert "POST /gate/open" in actions.describe(ActionKind.PROMOTE, KEY)
        assert "service flagger-loadtester:80 in namespace test" in actions.describe(ActionKind.PROMOTE, KEY)
        assert actions.perform(ActionKind.PROMOTE, KEY).ok
        assert actions.perform(ActionKind.ABORT, KEY).ok
        assert loadtester.open == {"examiner.test", "rollback.examiner.test"}
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"phase": "Failed", "canaryWeight": 0})
        h.wait_for(lambda s: s.canaries[KEY].info.phase == "Failed", what="Failed")
        actions.after_state(h.state)
        deadline = time.monotonic() + 10
        while loadtester.open and time.monotonic() < deadline:
            time.sleep(0.05)
    assert loadtester.open == set(), "left open, the next release would be promoted or rolled back unasked"
    paths = loadtester.paths()
    assert paths[:2] == ["/gate/open", "/rollback/open"]
    assert sorted(paths[2:]) == ["/gate/close", "/rollback/close"], "the follow-ups run in their own threads"
    assert all(payload == {"name": "examiner", "namespace": "test"} for _, payload in loadtester.calls)
    proxied = [r for r in apiserver.requests() if "/services/flagger-loadtester:80/proxy/" in r.path]
    assert len(proxied) == 4 and all(r.method == "POST" for r in proxied)
    assert [r for r in writes(apiserver) if "/proxy/" not in r.path] == [], "gates change nothing in the cluster"


ELSEWHERE = "http://payments-admin.prod:9000/gate/check"


def test_a_gate_hook_in_another_namespace_is_refused_and_named(apiserver: ApiServer, kubeconfig: Path) -> None:
    elsewhere = FakeLoadtester().start()
    apiserver.proxy_service("prod", "payments-admin:9000", elsewhere.url)
    seeded(apiserver, hooks=[{"name": "promote", "type": "confirm-promotion", "url": ELSEWHERE}])
    try:
        with Harness(kubeconfig) as h:
            ready(h)
            actions = actions_for(h)
            question = actions.describe(ActionKind.PROMOTE, KEY)
            outcome = actions.perform(ActionKind.PROMOTE, KEY)
    finally:
        elsewhere.stop()
    assert "service payments-admin:9000 in namespace prod" in question and "Refused, nothing will be sent" in question
    assert "flagger-loadtester" not in question
    assert not outcome.ok and "outside the canary's namespace test" in outcome.message
    assert "--loadtester svc/prod/payments-admin:9000" in outcome.message
    assert elsewhere.calls == [], "nothing was posted with the presenter's rights"
    assert [r for r in apiserver.requests() if "/proxy" in r.path] == []


def test_loadtester_option_naming_the_service_allows_it(apiserver: ApiServer, kubeconfig: Path) -> None:
    elsewhere = FakeLoadtester().start()
    apiserver.proxy_service("prod", "payments-admin:9000", elsewhere.url)
    seeded(apiserver, hooks=[{"name": "promote", "type": "confirm-promotion", "url": ELSEWHERE}])
    try:
        with Harness(kubeconfig) as h:
            ready(h)
            actions = actions_for(h, loadtester_url="svc/prod/payments-admin:9000")
            question = actions.describe(ActionKind.PROMOTE, KEY)
            outcome = actions.perform(ActionKind.PROMOTE, KEY)
    finally:
        elsewhere.stop()
    assert "on service payments-admin:9000 in namespace prod (through the API server" in question
    assert outcome.ok, outcome.message
    assert [path for path, _ in elsewhere.calls] == ["/gate/open"]


def test_abort_posts_to_the_rollback_hooks_own_service(
    apiserver: ApiServer, kubeconfig: Path, loadtester: FakeLoadtester
) -> None:
    rollbacker = FakeLoadtester().start()
    apiserver.proxy_service("test", "rollbacker:8080", rollbacker.url)
    hooks = [GATES[0], {"name": "rollback", "type": "rollback", "url": "http://rollbacker.test:8080/rollback/check"}]
    seeded(apiserver, hooks=hooks)
    try:
        with Harness(kubeconfig) as h:
            ready(h)
            actions = actions_for(h)
            question = actions.describe(ActionKind.ABORT, KEY)
            outcome = actions.perform(ActionKind.ABORT, KEY)
    finally:
        rollbacker.stop()
    assert "on service rollbacker:8080 in namespace test" in question
    assert outcome.ok, outcome.message
    assert [path for path, _ in rollbacker.calls] == ["/rollback/open"]
    assert loadtester.calls == [], "the first gate hook's service gets nothing"


def test_abort_without_a_rollback_hook_says_what_is_needed(apiserver: ApiServer, kubeconfig: Path) -> None:
    seeded(apiserver)
    with Harness(kubeconfig) as h:
        ready(h)
        outcome = actions_for(h).perform(ActionKind.ABORT, KEY)
    assert not outcome.ok
    assert "needs a rollback webhook" in outcome.message and "/rollback/check" in outcome.message
    assert writes(apiserver) == []


def test_suspend_toggles_spec_suspend(apiserver: ApiServer, kubeconfig: Path) -> None:
    seeded(apiserver)
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h)
        assert actions.perform(ActionKind.TOGGLE_SUSPEND, KEY).ok
        h.wait_for(lambda s: s.canaries[KEY].info.suspend, what="suspended")
        assert actions.perform(ActionKind.TOGGLE_SUSPEND, KEY).ok
        h.wait_for(lambda s: not s.canaries[KEY].info.suspend, what="resumed")
    assert [w.json() for w in writes(apiserver)] == [{"spec": {"suspend": True}}, {"spec": {"suspend": None}}]


def test_suspend_holds_the_traffic_increase_gate_when_the_canary_has_one(
    apiserver: ApiServer, kubeconfig: Path, loadtester: FakeLoadtester
) -> None:
    hook = {"name": "hold", "type": "confirm-traffic-increase", "url": "http://flagger-loadtester.test/gate/check"}
    seeded(apiserver, hooks=[hook])
    loadtester.open.add("examiner.test")
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h)
        first = actions.perform(ActionKind.TOGGLE_SUSPEND, KEY)
        second = actions.perform(ActionKind.TOGGLE_SUSPEND, KEY)
    assert first.message.startswith("Paused") and second.message.startswith("Resumed")
    assert loadtester.paths() == ["/gate/check", "/gate/close", "/gate/check", "/gate/open"]


def test_load_and_error_injection_reach_the_target_and_show_up(
    apiserver: ApiServer, kubeconfig: Path, examiner: ExaminerServer
) -> None:
    seeded(apiserver)
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h, target=examiner.url())
        assert actions.perform(ActionKind.TOGGLE_LOAD, KEY).ok
        assert actions.perform(ActionKind.INJECT_ERRORS, KEY).ok
        h.wait_for(
            lambda s: len(s.loads) == 2 and all(x.requests > 3 for x in s.loads.values()),
            timeout=10,
            what="two generators with traffic",
        )
        labels = {x.label: x for x in h.state.loads.values()}
        assert dict(labels["error injection"].status_counts).keys() == {500}
        # A second injection while the first runs is refused, and says so.
        again = actions.perform(ActionKind.INJECT_ERRORS, KEY)
        assert not again.ok and again.message.startswith("Errors are already being injected (")
        assert len(h.state.loads) == 2
        assert labels["background load"].concurrency == 5
        assert actions.perform(ActionKind.TOGGLE_LOAD, KEY).message == "Background load stopped"
        actions.stop()
        h.wait_for(lambda s: not any(x.running for x in s.loads.values()), timeout=5, what="everything stopped")
    statuses = {a.status for a in examiner.arrivals()}
    assert statuses == {200, 500}, "the background load's 200s and the injected 500s"


def test_a_target_outside_the_allowed_host_is_refused(apiserver: ApiServer, kubeconfig: Path) -> None:
    seeded(apiserver)
    with Harness(kubeconfig) as h:
        ready(h)
        actions = actions_for(h)
        actions.target_url = "http://example.com/examine"
        outcome = actions.perform(ActionKind.TOGGLE_LOAD, KEY)
    assert not outcome.ok and "example.com" in outcome.message


async def test_the_config_map_key_asks_first_naming_the_change(apiserver: ApiServer, kubeconfig: Path) -> None:
    seeded(apiserver)
    with_config(apiserver)
    h = Harness(kubeconfig)
    holder: list[CanaryscopeApp] = []
    app = CanaryscopeApp(h.source, actions_for(h, confirm=True, state=lambda: holder[0].state))
    holder.append(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(
            pilot,
            lambda: KEY in app.state.canaries and len(app.state.deployments) == 2 and h.source.served,
            "the canary, its Deployments and the watches",
        )
        await pilot.press("C")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#confirm-question").render())
        assert "Patch the ConfigMap Deployment test/examiner reads" in question and "ECHO_VALUE" in question
        await pilot.press("n")
        await settle(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the question closing")
        assert writes(apiserver) == []  # and the list after "y" below holds one write: "n" sent nothing
        await pilot.press("C")
        await pilot.press("y")
        await settle(pilot, lambda: bool(writes(apiserver)), "the write")
        assert [w.path for w in writes(apiserver)] == ["/api/v1/namespaces/test/configmaps/examiner-config"]
        await pilot.press("q")
    h.source.stop()


async def test_every_change_asks_first_and_no_means_nothing_is_sent(apiserver: ApiServer, kubeconfig: Path) -> None:
    seeded(apiserver)
    h = Harness(kubeconfig)
    holder: list[CanaryscopeApp] = []
    actions = actions_for(h, confirm=True, state=lambda: holder[0].state)
    app = CanaryscopeApp(h.source, actions)
    holder.append(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(
            pilot,
            lambda: KEY in app.state.canaries and len(app.state.deployments) == 2 and h.source.served,
            "the canary, its Deployments and the watches",
        )
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#confirm-question").render())
        assert "Patch Deployment test/examiner" in question and "ECHO_VALUE" in question
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)
        assert writes(apiserver) == []  # and the list after "y" below holds one write: "n" sent nothing
        await pilot.press("r")
        await pilot.press("y")
        await settle(pilot, lambda: bool(writes(apiserver)), "the write")
        assert [w.path for w in writes(apiserver)] == ["/apis/apps/v1/namespaces/test/deployments/examiner"]
        await pilot.press("q")
    h.source.stop()


async def test_read_only_sends_nothing_but_gets_and_watches_for_every_key_and_command(
    apiserver: ApiServer, kubeconfig: Path, examiner: ExaminerServer, loadtester: FakeLoadtester
) -> None:
    seeded(apiserver, hooks=GATES)
    h = Harness(
        kubeconfig, options=ClusterOptions(prometheus=None, logger=("monitoring", "app=logger"), read_timeout_s=5.0)
    )
    app = CanaryscopeApp(h.source, ReadOnlyActions())
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: KEY in app.state.canaries, "the canary")
        for key in ["r", "R", "l", "e", "p", "a", "s", "C"]:
            await pilot.press(key)
        for command in app.get_system_commands(app.screen):
            if "canaryscope action" in (command.help or ""):
                command.callback()
        read_only = lambda: len([n for n in notes if n.startswith("Read-only")])  # noqa: E731
        await settle(pilot, lambda: read_only() >= 16, "a read-only notice for every key and command")
        await pilot.press("q")
    h.source.stop()
    assert len([n for n in notes if n.startswith("Read-only")]) == 16
    assert {r.method for r in apiserver.requests()} == {"GET"}
    assert loadtester.calls == [] and examiner.arrivals() == []


@pytest.mark.parametrize("value", ["svc/prod", "svc/prod/payments-admin", "svc//x:1", "payments-admin.prod:9000"])
def test_a_malformed_loadtester_option_is_one_line_and_exit_2(
    kubeconfig: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui import cli

    assert cli.main(["--kubeconfig", str(kubeconfig), "--loadtester", value]) == 2
    assert capsys.readouterr().err == (
        f"canaryscope: --loadtester: expected a URL or svc/NAMESPACE/NAME:PORT, got {value!r}\n"
    )
