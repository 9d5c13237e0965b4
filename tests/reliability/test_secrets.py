"""No token, client key or password from the kubeconfig on screen, in an exported screenshot, in a notification, on
the health line or in any log record, including on every error path: refusals, an unreachable Prometheus behind the
API server's service proxy, failing actions, a load to a closed port."""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster import objects
from tests.reliability.apps import cluster_app, wait_state
from tests.reliability.report import Report
from tests.standin.apiserver import ApiServer
from tests.standin.kubeconfig import FAKE_TOKEN
from tui.cluster.actions import ClusterActions
from tui.cluster.release import ReleaseConfig
from tui.cluster.source import ClusterOptions
from tui.load.policy import LoadPolicy
from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION
from tui.load.registry import LoadRegistry
from tui.model import CanaryKey, Health
from tui.observations import HealthObserved
from tui.screens.confirm import ConfirmScreen

KEY = CanaryKey("test", "examiner")
PASSWORD = "standin-password-NEVER-SHOW-3b9d0c"
CLIENT_KEY = "-----BEGIN EC PRIVATE KEY-----\nstandin-client-key-NEVER-SHOW-51ae\n-----END EC PRIVATE KEY-----\n"
CLIENT_CERT = "-----BEGIN CERTIFICATE-----\nstandin-client-cert-5f1e\n-----END CERTIFICATE-----\n"


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


async def test_no_credential_is_ever_shown_logged_or_exported(
    apiserver: ApiServer, tmp_path: Path, everything_logged: Everything, report: Report
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
    shown: list[str] = []
    original_notify = app.notify

    def notify(message: str, *, title: str = "", **kw: Any) -> None:
        shown.append(f"{title}: {message}")
        original_notify(message, title=title, **kw)

    app.notify = notify  # type: ignore[method-assign]
    original_apply = app.apply

    def apply(observations: list[Any]) -> None:
        shown.extend(o.health.detail for o in observations if isinstance(o, HealthObserved))
        original_apply(observations)

    app.apply = apply  # type: ignore[method-assign]
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
        while app.screen is not overview or overview._pending is not None or overview._timer_armed:
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
        "a bearer token (in use), a password and a client key (of a second user) planted in the kubeconfig",
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
