"""`canaryscope watch --context east,west` where west's exec credential plugin blocks: the first screen shows east's
canary and names west as connecting while the plugin is still blocked; west fills in once the plugin answers."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.cluster.test_hung_plugin import kubeconfig_with_plugin
from tests.creds.plugin import write_plugin
from tests.e2e.test_tmux import TMUX, Terminal, canaryscope_command
from tests.standin.apiserver import ApiServer
from tests.standin.resources import DEMO_CRDS
from tests.standin.tokens import TokenBook
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e


def wait_for_row(terminal: Terminal, context: str, name: str, timeout: float = 30.0) -> str:
    """The screen once a row of `context` shows canary test/`name` (the columns are as wide as their names need)."""
    row = re.compile(rf"\b{context}\s+test\s+{name}\b")
    wait_until(lambda: row.search(terminal.screen()), f"a row for {context} test/{name}", timeout)
    return terminal.screen()


def test_a_blocked_plugin_does_not_hold_the_first_screen(tmp_path: Path) -> None:
    if TMUX is None:
        pytest.skip("tmux is not installed")
    plugin = write_plugin(tmp_path / "plugin", lifetime_s=600.0, mode="wait")
    with ApiServer(crds=DEMO_CRDS) as east, ApiServer(crds=DEMO_CRDS) as west:
        east.put(objects.canary(phase="Progressing", weight=20))
        west.put(objects.canary("checkout", phase="Progressing", weight=40))
        west.require_tokens(TokenBook(plugin.secret))
        kubeconfig = kubeconfig_with_plugin(tmp_path / "kubeconfig", east, west, plugin)
        session = f"canaryscope-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC"}
        command = (
            f"{canaryscope_command()} watch --kubeconfig {kubeconfig} --context east,west "
            "--prometheus none --logger none --read-only"
        )
        subprocess.run(
            [TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True, env=env
        )
        terminal = Terminal(session)
        try:
            wait_until(lambda: plugin.runs() > 0, "the plugin to start", 30)
            screen = wait_for_row(terminal, "east", "examiner")
            # East is on screen while west's plugin is still blocked (not yet timed out and killed).
            os.kill(plugin.pids()[0], 0)
            assert "checkout" not in screen
            terminal.wait_for("west ◌ connecting")
            plugin.release()
            wait_for_row(terminal, "west", "checkout")
            terminal.wait_for("east ● connected  west ● connected")
        finally:
            subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)
