"""The cluster source with exec-plugin tokens that expire: canaries, the logger's log and Prometheus through the
API server's proxy keep coming across renewals; a plugin that fails or hangs is one health line that names the
context and the command, never what the plugin printed."""

from __future__ import annotations

import time
from pathlib import Path

from tests.cluster import objects
from tests.cluster.harness import StateSink
from tests.creds.plugin import Plugin, write_plugin
from tests.prom.front import PromFront
from tests.standin.apiserver import ApiServer
from tests.standin.tokens import TokenBook
from tests.waiting import wait_until
from tui.actions.base import ActionKind
from tui.cluster.credentials import CredentialsProblem, credentials_of
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import HealthObserved
from tui.domain.state import AppState

LEAK = "plugin-output-SECRET-0d9e"
KEY = CanaryKey("test", "examiner")
LOGGER = ("monitoring", "app.kubernetes.io/name=logger")
PROMETHEUS = ("monitoring", "prometheus:9090")
EXPIRED = "refused (HTTP 401): the credentials had expired; they are renewed, try again"


class Run:
    def __init__(self, api: ApiServer, plugin: Plugin, tmp_path: Path, options: ClusterOptions, **connect_kw: float):
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
        connection = connect(str(kubeconfig), None, **connect_kw)  # type: ignore[arg-type]
        self.connection = connection
        self.source = ClusterSource(
            connection, ClusterTarget(str(kubeconfig), connection.context, "test", None), options
        )
        self.sink = StateSink()

    def __enter__(self) -> Run:
        self.source.start(self.sink)
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.stop()
        self.source.join(5.0)

    def until(self, predicate: object, what: str, timeout: float = 30.0) -> None:
        def check() -> bool:
            self.source.pump()
            return bool(predicate(self.sink.state))  # type: ignore[operator]

        wait_until(check, what, timeout)

    def health_notes(self) -> list[tuple[str, Health, str]]:
        return [
            (o.health.source, o.health.state, o.health.detail)
            for o in self.sink.observations
            if isinstance(o, HealthObserved)
        ]


def weight(state: AppState) -> int | None:
    view = state.canaries.get(KEY)
    return view.info.canary_weight if view else None


def test_canaries_logs_and_prometheus_keep_coming_across_renewals(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=2.0, claim_s=None)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    apiserver.put(objects.canary(phase="Progressing", weight=0))
    apiserver.put(objects.pod("logger-0"))
    front = PromFront(None).start()
    front.set_mode("nan")
    apiserver.proxy_service(*PROMETHEUS, front.url)
    options = ClusterOptions(prometheus=PROMETHEUS, logger=LOGGER, read_timeout_s=5.0, refresh_s=0.5)
    try:
        with Run(apiserver, plugin, tmp_path, options) as run:
            run.until(lambda s: weight(s) == 0, "the first list")
            step = 0
            while book.expired < 4 or step < 6:
                step += 1
                apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": step})
                line = objects.logger_lines(
                    f"Advance examiner.test canary weight {step}", t_ms=1_772_625_630_000 + step
                )
                apiserver.append_log("monitoring", "logger-0", *line)
                run.until(
                    lambda s, step=step: weight(s) == step and len(s.events) == step,
                    f"weight {step} and its event",
                )
            refreshes = run.source.poller.refreshes if run.source.poller else 0
            run.until(
                lambda s: run.source.poller is not None and run.source.poller.refreshes > refreshes + 4,
                "Prometheus asked again after the renewals",
            )
            messages = [e.event.message for e in run.sink.state.events]
            assert messages == [f"Advance examiner.test canary weight {i}" for i in range(1, step + 1)]
            assert run.source.loops["canaries"].relists == 1
            assert not [n for n in run.health_notes() if n[1] is Health.FORBIDDEN]
            credentials = credentials_of(run.connection.api_client)
            assert credentials is not None and credentials.runs == plugin.runs()
            assert plugin.runs() <= 1 + book.expired
            proxied = [r for r in apiserver.requests() if "/services/prometheus:9090/proxy/" in r.path]
            assert proxied and {r.status for r in proxied} <= {200, 401}
            assert any(r.status == 401 for r in proxied), "a Prometheus query was refused and asked again"
    finally:
        front.stop()


def test_a_failing_plugin_is_one_line_naming_context_and_command(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=2.0, claim_s=None)
    plugin.set(leak=LEAK)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    apiserver.put(objects.canary(phase="Progressing", weight=0))
    options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0)
    with Run(apiserver, plugin, tmp_path, options) as run:
        run.until(lambda s: weight(s) == 0, "the first list")
        plugin.set(mode="fail")
        run.until(lambda s: "credentials" in s.health, "the credentials' note", timeout=40)
        note = run.sink.state.health["credentials"]
        assert note.state is Health.FORBIDDEN
        assert note.detail == ("context standin: exec plugin `get-token --cluster standin` failed (exit status 3)")
        plugin.set(mode="garbage")
        run.until(lambda s: "did not print an ExecCredential" in s.health["credentials"].detail, "garbage noted", 40)
        # Back to work: the note clears and the watch goes on from where it was.
        plugin.set(mode="ok")
        apiserver.patch_status("canaries.flagger.app", "examiner", "test", {"canaryWeight": 7})
        run.until(lambda s: weight(s) == 7, "a change after the plugin recovered", timeout=60)
        run.until(lambda s: s.health["credentials"].state is Health.CONNECTED, "the note cleared")
        assert run.source.loops["canaries"].relists == 1
        for source, _, detail in run.health_notes():
            assert LEAK not in detail and "Traceback" not in detail, (source, detail)


def test_a_hanging_plugin_is_bounded_by_its_timeout(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=60.0)
    apiserver.require_tokens(TokenBook(plugin.secret))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    connection = connect(str(kubeconfig), None, plugin_timeout_s=1.0)
    credentials = credentials_of(connection.api_client)
    assert credentials is not None and credentials.has_token()
    plugin.set(mode="hang")
    started = time.monotonic()
    try:
        credentials.renew_refused(credentials.generation)
    except CredentialsProblem as problem:
        assert str(problem) == (
            "context standin: exec plugin `get-token --cluster standin` gave no credentials within 1 s"
        )
    else:
        raise AssertionError("a hanging plugin gave credentials")
    assert time.monotonic() - started < 10, "the hang was cut at the timeout"
    # Within the retry pause the plugin is not run again: the same line, at once.
    runs = plugin.runs()
    try:
        credentials.renew_refused(credentials.generation)
    except CredentialsProblem as problem:
        assert "gave no credentials within 1 s" in str(problem)
    assert plugin.runs() == runs


def test_a_plugin_that_fails_at_start_connects_and_reports(apiserver: ApiServer, tmp_path: Path) -> None:
    """No token at start is not a usage error: the UI opens and the health line names the plugin."""
    plugin = write_plugin(tmp_path / "plugin", mode="fail")
    apiserver.require_tokens(TokenBook(plugin.secret))
    options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=5.0)
    with Run(apiserver, plugin, tmp_path, options) as run:
        run.until(lambda s: "credentials" in s.health, "the credentials' note")
        assert "failed (exit status 3)" in run.sink.state.health["credentials"].detail
        plugin.set(mode="ok")
        apiserver.put(objects.canary(phase="Progressing", weight=3))
        run.until(lambda s: weight(s) == 3, "the canaries once the plugin works", timeout=60)


def test_an_action_refused_with_an_expired_token_renews_it(apiserver: ApiServer, tmp_path: Path) -> None:
    """A 401 on an action: said once, the token renewed, and the same action then goes through."""
    from tests.cluster.test_actions import actions_for

    plugin = write_plugin(tmp_path / "plugin", lifetime_s=2.0, claim_s=None)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    apiserver.put(objects.canary(phase="Progressing", weight=0))
    options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=30.0)
    with Run(apiserver, plugin, tmp_path, options) as run:
        run.until(lambda s: weight(s) == 0 and run.source.served is not None, "the first list")
        actions = actions_for(run, state=lambda: run.sink.state)  # type: ignore[arg-type]
        wait_until(book.outlived, "the token expires", 10)
        refused = actions.perform(ActionKind.TOGGLE_SUSPEND, KEY)
        assert not refused.ok
        assert refused.message == f"toggle_suspend {EXPIRED}"
        assert actions.perform(ActionKind.TOGGLE_SUSPEND, KEY).ok
        patches = apiserver.requests(method="PATCH")
        assert [r.status for r in patches] == [401, 200]
        assert apiserver.get("canaries.flagger.app", "examiner", "test")["spec"]["suspend"] is True


def test_a_gate_opened_through_the_proxy_with_an_expired_token(apiserver: ApiServer, tmp_path: Path) -> None:
    from tests.cluster.fake_loadtester import FakeLoadtester
    from tests.cluster.test_actions import GATES, actions_for

    plugin = write_plugin(tmp_path / "plugin", lifetime_s=2.0, claim_s=None)
    book = TokenBook(plugin.secret)
    apiserver.require_tokens(book)
    apiserver.put(objects.canary(phase="Progressing", weight=0, hooks=GATES))
    fake = FakeLoadtester().start()
    apiserver.proxy_service("test", "flagger-loadtester:80", fake.url)
    try:
        options = ClusterOptions(prometheus=None, logger=None, read_timeout_s=30.0)
        with Run(apiserver, plugin, tmp_path, options) as run:
            run.until(lambda s: weight(s) == 0 and run.source.served is not None, "the first list")
            actions = actions_for(run, state=lambda: run.sink.state)  # type: ignore[arg-type]
            wait_until(book.outlived, "the token expires", 10)
            refused = actions.perform(ActionKind.PROMOTE, KEY)
            assert refused.message == f"promote {EXPIRED}"
            assert fake.open == set()
            assert actions.perform(ActionKind.PROMOTE, KEY).ok
            assert fake.open == {"examiner.test"}
    finally:
        fake.stop()
