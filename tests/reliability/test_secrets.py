"""No token, client key or password from the kubeconfig or a Prometheus URL on screen, in an exported screenshot, in a
notification, on the health line, in a recording or in any log record, including on every error path: refusals, an
unreachable Prometheus behind the API server's service proxy, failing actions, a load to a closed port, and a proxy
that echoes the credential it was sent in a 401 (for a kubeconfig token, a token file, an exec plugin's token and a
Prometheus password)."""

from __future__ import annotations

import base64
import io
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.app import App

from tests.cluster import objects
from tests.reliability.apps import STARTED, cluster_app, wait_state
from tests.reliability.echo_proxy import EchoProxy
from tests.reliability.report import Report
from tests.standin.apiserver import ApiServer
from tests.standin.kubeconfig import FAKE_TOKEN
from tui.app import CanaryscopeApp
from tui.app.recording import CastRecorder
from tui.base import redact
from tui.cluster.actions import ClusterActions
from tui.cluster.kubeconfig import ClusterTarget, connect
from tui.cluster.prometheus import parse_prometheus_option
from tui.cluster.release import ReleaseConfig
from tui.cluster.source import ClusterOptions, ClusterSource
from tui.domain.model import CanaryKey, Health
from tui.domain.observations import HealthObserved, NoticeObserved
from tui.load.policy import LoadPolicy
from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION
from tui.load.registry import LoadRegistry
from tui.screens.confirm import ConfirmScreen
from tui.wait.cli import main as wait_main

KEY = CanaryKey("test", "examiner")
PASSWORD = "standin-password-NEVER-SHOW-3b9d0c"
CLIENT_KEY = "-----BEGIN EC PRIVATE KEY-----\nstandin-client-key-NEVER-SHOW-51ae\n-----END EC PRIVATE KEY-----\n"
CLIENT_CERT = "-----BEGIN CERTIFICATE-----\nstandin-client-cert-5f1e\n-----END CERTIFICATE-----\n"
FILE_TOKEN = "token-file-bearer-NEVER-SHOW-0e77a1"
EXEC_TOKEN = "exec-plugin-token-NEVER-SHOW-c4d2b8"
PROM_PASSWORD = "prometheus-password-NEVER-SHOW-9a6e"


def secrets() -> dict[str, str]:
    """Every secret in the kubeconfig, and the forms it could leak in."""
    encoded_key = base64.b64encode(CLIENT_KEY.encode()).decode()
    return {
        "token": FAKE_TOKEN,
        "token (middle part)": FAKE_TOKEN[8:30],
        "password": PASSWORD,
        "client key": "standin-client-key-NEVER-SHOW-51ae",
        "client key (base64)": encoded_key[8:40],
        "basic auth header": base64.b64encode(f"admin:{PASSWORD}".encode()).decode()[4:30],
        "token file": FILE_TOKEN,
        "exec plugin token": EXEC_TOKEN,
        "prometheus password": PROM_PASSWORD,
        "prometheus basic auth header": base64.b64encode(f"admin:{PROM_PASSWORD}".encode()).decode()[4:30],
    }


@pytest.fixture(autouse=True)
def only_this_tests_credentials() -> Iterator[None]:
    """Each test starts with no registered credential (so one test cannot pass on another's registrations) and
    with the log scrubbing the CLI installs for every command."""
    redact.forget_all()
    redact.scrub_logs()
    try:
        yield
    finally:
        logging.setLogRecordFactory(logging.LogRecord)
        redact.forget_all()


def exec_plugin(directory: Path, token: str) -> Path:
    """A client-go credential plugin printing an ExecCredential with `token`."""
    script = directory / "credential-plugin"
    credential = (
        '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",'
        f'"status":{{"token":"{token}"}}}}'
    )
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{credential}'\n")
    script.chmod(0o700)
    return script


def user_entry(kind: str, directory: Path) -> dict[str, Any]:
    if kind == "token":
        return {"token": FAKE_TOKEN}
    if kind == "token file":
        path = directory / "bearer-token"
        path.write_text(FILE_TOKEN)  # the Kubernetes client sends a trailing newline as part of the header
        return {"tokenFile": str(path)}
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": str(exec_plugin(directory, EXEC_TOKEN)),
            "interactiveMode": "Never",
        }
    }


def kubeconfig_with_secrets(api: ApiServer, path: Path) -> Path:
    """The stand-in's kubeconfig (bearer token) plus a second, unused user with a password and a client key."""
    api.write_kubeconfig(path, namespace="test")
    doc = yaml.safe_load(path.read_text())
    doc["users"].append(
        {
            "name": "other-admin",
            "user": {
                "username": "admin",
                "password": PASSWORD,
                "client-certificate-data": base64.b64encode(CLIENT_CERT.encode()).decode(),
                "client-key-data": base64.b64encode(CLIENT_KEY.encode()).decode(),
            },
        }
    )
    doc["contexts"].append({"name": "other", "context": {"cluster": "standin", "user": "other-admin"}})
    for kind in ("token file", "exec plugin"):
        doc["users"].append({"name": kind.replace(" ", "-"), "user": user_entry(kind, path.parent)})
    path.write_text(yaml.safe_dump(doc))
    return path


class Everything(logging.Handler):
    """Every log record of every logger, formatted with its arguments and any traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@pytest.fixture
def everything_logged() -> Any:
    handler = Everything()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def capture_shown(app: CanaryscopeApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every toast as Textual receives it, every notice and every health detail as the app applies them."""
    shown: list[str] = []
    textual_notify = App.notify

    def notify(self: App[Any], message: str, *, title: str = "", **kw: Any) -> None:
        shown.append(f"{title}: {message}")
        textual_notify(self, message, title=title, **kw)

    monkeypatch.setattr(App, "notify", notify)
    original_apply = app.apply

    def apply(observations: list[Any]) -> None:
        shown.extend(o.health.detail for o in observations if isinstance(o, HealthObserved))
        shown.extend(o.text for o in observations if isinstance(o, NoticeObserved))
        original_apply(observations)

    app.apply = apply  # type: ignore[method-assign]
    return shown


async def test_no_credential_is_ever_shown_logged_or_exported(
    apiserver: ApiServer,
    tmp_path: Path,
    everything_logged: Everything,
    report: Report,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apiserver.put(objects.canary(phase="Progressing", weight=20, hooks=[]))
    apiserver.put(objects.deployment("examiner", echo="v2"))
    apiserver.put(objects.deployment("examiner-primary", echo="v1"))
    apiserver.put(objects.traffic_split(primary=80, canary_weight=20))
    apiserver.forbid("apps/v1/deployments", verbs=["patch"])  # releases are refused
    apiserver.forbid("v1/events", namespace="test")
    apiserver.forbid("pods/log", namespace="monitoring")
    apiserver.put(objects.pod("logger-1"))
    # Prometheus through the API server's service proxy, with nothing behind it: errors that carry the URL.
    apiserver.proxy_service("monitoring", "prometheus-operated:9090", "http://127.0.0.1:9")
    kubeconfig = kubeconfig_with_secrets(apiserver, tmp_path / "kubeconfig")
    options = ClusterOptions(
        prometheus=("monitoring", "prometheus-operated:9090"),
        logger=("monitoring", "app.kubernetes.io/name=logger"),
        read_timeout_s=5.0,
        refresh_s=1.0,
    )
    holder: list[Any] = []
    app, source = cluster_app(kubeconfig, options, actions=None)
    target = "http://127.0.0.1:9/examine"  # a closed port: the load's requests all fail
    actions = ClusterActions(
        source.connection,
        lambda: holder[0].state,
        served=lambda: source.served,
        release=ReleaseConfig(),
        target_url=target,
        loads=LoadRegistry(LoadPolicy.for_target(target)),
        background=BACKGROUND_LOAD,
        errors=ERROR_INJECTION,
        confirm=True,
    )
    app.actions = actions
    holder.append(app)
    shown = capture_shown(app, monkeypatch)
    screenshots: dict[str, str] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(
            pilot,
            app,
            lambda s: (
                KEY in s.canaries
                and "prometheus" in s.health
                and s.health["prometheus"].state is Health.UNREACHABLE
                and s.health.get("events") is not None
                and s.health["events"].state is Health.FORBIDDEN
            ),
            "the canary, the refusals and Prometheus unreachable",
        )
        for key in ("r", "R"):
            await pilot.press(key)
            assert isinstance(app.screen, ConfirmScreen)
            screenshots[f"confirm {key}"] = app.export_screenshot()
            await pilot.press("y")
        await pilot.press("l")
        await pilot.press("y")
        await pilot.press("a")  # no rollback hook: refused with a reason
        await pilot.press("p")
        await pilot.press("y")
        await wait_state(
            pilot,
            app,
            lambda s: (
                any(not x.running or x.transport_errors for x in s.loads.values())
                and sum("failed" in t.lower() or "forbidden" in t.lower() for t in shown) >= 2
            ),
            "failed actions and a failing load",
        )
        screenshots["rollout"] = app.export_screenshot()
        await pilot.press("d")
        screenshots["detail"] = app.export_screenshot()
        await pilot.press("escape", "question_mark")
        screenshots["help"] = app.export_screenshot()
        await pilot.press("escape", "o")
        overview = app.overview_screen
        deadline = time.monotonic() + 30
        # The overview refreshes its table at most twice a second: wait for the refresh with the current state.
        while app.screen is not overview or overview._pending is not None or overview._flush_alarm.pending:
            assert time.monotonic() < deadline, "the overview did not refresh within 30 s"
            await pilot.pause(0.02)
        await pilot.pause()
        screenshots["overview"] = app.export_screenshot()
        await pilot.press("q")
    source.stop()
    actions.stop()
    haystacks = {
        "notifications and health details": "\n".join(shown),
        "log records": "\n".join(everything_logged.texts),
        **{f"screenshot ({name})": svg for name, svg in screenshots.items()},
    }
    leaks = [f"{what} in {where}" for where, text in haystacks.items() for what, s in secrets().items() if s in text]
    failures = [t for t in shown if "forbidden" in t.lower() or "failed" in t.lower() or "refused" in t.lower()]
    ok = report.outcome(
        "Security",
        "no-secrets",
        "a bearer token (in use), a password and a client key (of a second user), a token file and an exec plugin "
        "(of two more users) planted in the kubeconfig",
        "searched for in every notification and health detail, every log record of every logger at DEBUG, and "
        f"{len(screenshots)} exported screenshots (rollout, detail, help, overview, confirmations), after 403s, "
        "an unreachable Prometheus behind the service proxy, refused releases and a load to a closed port",
        f"{len(leaks)} found in {len(shown)} messages, {len(everything_logged.texts)} log records, "
        f"{len(screenshots)} screenshots",
        not leaks and len(failures) >= 3,
    )
    assert len(failures) >= 3, shown  # the error paths were really taken
    assert not leaks, leaks
    assert ok


def echo_kubeconfig(proxy: EchoProxy, kind: str, directory: Path) -> Path:
    """A kubeconfig whose API server is the echoing proxy, with a user of the given kind."""
    path = directory / f"echo-{kind.replace(' ', '-')}.kubeconfig"
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "echo", "cluster": {"server": proxy.url}}],
        "users": [{"name": "user", "user": user_entry(kind, directory)}],
        "contexts": [{"name": "echo", "context": {"cluster": "echo", "user": "user", "namespace": "test"}}],
        "current-context": "echo",
    }
    path.write_text(yaml.safe_dump(doc))
    return path


SECRET_OF = {"token": FAKE_TOKEN, "token file": FILE_TOKEN, "exec plugin": EXEC_TOKEN}


@pytest.mark.parametrize("kind", ["token", "token file", "exec plugin"])
async def test_a_credential_echoed_by_a_proxy_never_reaches_the_screen(
    kind: str,
    apiserver: ApiServer,
    tmp_path: Path,
    everything_logged: Everything,
    report: Report,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The actions' API server and the Prometheus are a proxy that answers 401 quoting the credential it was sent;
    with the exec plugin the session is also recorded (toasts become notices in the cast)."""
    apiserver.put(objects.canary(phase="Progressing", weight=20, hooks=[]))
    apiserver.put(objects.deployment("examiner", echo="v2"))
    apiserver.put(objects.deployment("examiner-primary", echo="v1"))
    proxy = EchoProxy().start()
    try:
        kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
        prometheus = parse_prometheus_option(f"http://admin:{PROM_PASSWORD}@{proxy.url.removeprefix('http://')}")
        options = ClusterOptions(prometheus=prometheus, logger=None, read_timeout_s=5.0, refresh_s=1.0)
        connection = connect(str(kubeconfig), None)
        source = ClusterSource(connection, ClusterTarget(str(kubeconfig), "standin", "test", "examiner"), options)
        STARTED.append(source)
        holder: list[Any] = []
        target = "http://127.0.0.1:9/examine"
        actions = ClusterActions(
            connect(str(echo_kubeconfig(proxy, kind, tmp_path)), None),
            lambda: holder[0].state,
            served=lambda: source.served,
            release=ReleaseConfig(),
            target_url=target,
            loads=LoadRegistry(LoadPolicy.for_target(target)),
            background=BACKGROUND_LOAD,
            errors=ERROR_INJECTION,
            confirm=False,
        )
        cast = tmp_path / "session.cast"
        recorder = None
        if kind == "exec plugin":
            started = time.monotonic()
            recorder = CastRecorder(cast, lambda: time.monotonic() - started, start_epoch=time.time(), title="t")
            recorder.open()
        app = CanaryscopeApp(source, actions, start_with_overview=False, recorder=recorder)
        holder.append(app)
        shown = capture_shown(app, monkeypatch)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_state(
                pilot,
                app,
                lambda s: KEY in s.canaries and "401" in (s.health.get("prometheus") or s.health["kubernetes"]).detail,
                "the canary, and Prometheus refusing with 401",
            )
            await pilot.press("r")
            await wait_state(
                pilot,
                app,
                lambda s: any("401" in t for t in shown if "Release" in t or "Nothing" in t),
                "the refused release",
            )
            screenshot = app.export_screenshot()
            await pilot.press("q")
        source.stop()
        actions.stop()
        if recorder is not None:
            recorder.close()
    finally:
        proxy.stop()
    # `wait` against the same kind of proxy: its lines and its error line.
    out, err = io.StringIO(), io.StringIO()
    wait_proxy = EchoProxy().start()
    try:
        wait_config = echo_kubeconfig(wait_proxy, kind, tmp_path)
        wait_argv = ["examiner", "--kubeconfig", str(wait_config), "--timeout", "10s", "--logger", "none"]
        wait_code = wait_main(wait_argv, stdout=out, stderr=err)
    finally:
        wait_proxy.stop()
    echoed = proxy.echoed() + wait_proxy.echoed()
    secret = SECRET_OF[kind]
    assert any(secret in e for e in echoed), "the proxy really received (and echoed) the credential"
    assert any(e.startswith("Basic ") for e in proxy.echoed()), "and the Prometheus password"
    haystacks = {
        "notifications, notices and health details": "\n".join(shown),
        "log records": "\n".join(everything_logged.texts),
        "screenshot": screenshot,
        "wait's output": out.getvalue() + err.getvalue(),
        **({"recording": cast.read_text()} if recorder is not None else {}),
    }
    leaks = [f"{what} in {where}" for where, text in haystacks.items() for what, s in secrets().items() if s in text]
    refused = [t for t in shown if "401" in t]
    ok = report.outcome(
        "Security",
        f"echoed-{kind.replace(' ', '-')}",
        f"a proxy answering 401 and quoting the credential it was sent ({kind} for the API server, basic auth "
        "for Prometheus) in its reason phrase and body",
        "searched for in toasts, notices, health details, log records, an exported screenshot, `wait`'s output"
        + (" and an asciicast recording" if recorder is not None else ""),
        f"{len(leaks)} found in {len(shown)} messages ({len(refused)} quoting the 401), "
        f"{len(everything_logged.texts)} log records; wait exited {wait_code}",
        not leaks and bool(refused),
    )
    assert refused, shown
    assert not leaks, leaks
    assert ok
