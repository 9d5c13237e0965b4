"""Before any screen is up, an exec plugin that takes its time is said on stderr, so the terminal is not blank and
silent for up to the plugin's timeout; once it answers, canaryscope goes on as usual."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.creds.plugin import write_plugin
from tests.standin.apiserver import ApiServer
from tests.standin.tokens import TokenBook
from tests.wait.test_wait import seed
from tests.waiting import wait_until
from tui.cluster.credentials import notice_slow_plugins
from tui.cluster.kubeconfig import Connection, connect

NOTICE = "waiting for credentials from exec plugin `get-token --cluster standin` (at most 20 s)"


def test_connect_says_what_it_waits_for_while_the_plugin_is_blocked(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=600.0, mode="wait")
    apiserver.require_tokens(TokenBook(plugin.secret))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    said: list[str] = []
    connected: list[Connection] = []

    def run() -> None:
        with notice_slow_plugins(said.append):
            connected.append(connect(str(kubeconfig), None))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_until(lambda: bool(said), "the notice", 30)
    assert said == [NOTICE]
    assert plugin.runs() == 1 and not connected, "said while the plugin is still blocked"
    plugin.release()
    thread.join(30)
    assert connected and connected[0].namespace == "test"
    assert said == [NOTICE], "said once"


def test_a_quick_plugin_is_not_mentioned(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=600.0)
    apiserver.require_tokens(TokenBook(plugin.secret))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    said: list[str] = []
    with notice_slow_plugins(said.append):
        connect(str(kubeconfig), None)
    assert plugin.runs() == 1
    assert said == []


def test_wait_prints_the_notice_on_stderr_then_follows_the_canary(apiserver: ApiServer, tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=600.0, mode="wait")
    apiserver.require_tokens(TokenBook(plugin.secret))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test", user=plugin.user())
    seed(apiserver, phase="Succeeded")
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "wait", "test/examiner", "--timeout", "60s", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TZ": "UTC"},
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        first = process.stderr.readline()  # blocks until the notice, or EOF if the process ended without it
        assert first == f"canaryscope wait: {NOTICE}\n", first
        assert plugin.runs() == 1 and not (plugin.directory / "release").exists()
        plugin.release()
        line = process.stdout.readline()
        assert " start test/examiner phase Succeeded " in line, line
    finally:
        process.kill()
        process.wait(10)
