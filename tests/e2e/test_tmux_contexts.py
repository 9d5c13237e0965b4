"""`canaryscope watch --context east,west` in a real terminal against two API stand-ins: both contexts listed, Enter
opens a row in its context, and one context's outage shows on its own mark while the other stays connected."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.e2e.test_tmux import TMUX, Terminal, canaryscope_command
from tests.standin.apiserver import ApiServer
from tests.standin.kubeconfig import write_kubeconfig
from tests.standin.resources import DEMO_CRDS

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_clusters() -> Iterator[tuple[ApiServer, ApiServer]]:
    east, west = (ApiServer(crds=DEMO_CRDS, bookmark_interval=0.5).start() for _ in range(2))
    east.put(objects.canary(phase="Progressing", weight=20))
    west.put(objects.canary("checkout", phase="Failed"))
    try:
        yield east, west
    finally:
        east.stop()
        west.stop()


def test_two_contexts_in_one_terminal(two_clusters: tuple[ApiServer, ApiServer], tmp_path: Path) -> None:
    if TMUX is None:
        pytest.skip("tmux is not installed")
    east, west = two_clusters
    kubeconfig = write_kubeconfig(
        tmp_path / "kubeconfig", east.url, namespace="test", context="east", extra_contexts={"west": west.url}
    )
    session = f"canaryscope-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC"}
    command = (
        f"{canaryscope_command()} watch --kubeconfig {kubeconfig} --context east,west "
        "--prometheus none --logger none --read-only"
    )
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True, env=env)
    terminal = Terminal(session)
    try:
        # The failed canary needs a human first: its row leads, and the first screen starts on it. The context
        # column is as wide as its title, the longest name being shorter.
        screen = terminal.wait_for("FAIL west    test       checkout")
        assert "east    test       examiner" in screen
        terminal.wait_for("east ● connected  west ● connected")
        terminal.wait_for("canaryscope · west · test/checkout")
        terminal.keys("Enter")
        terminal.wait_for("test/checkout   ✖ Failed")
        terminal.keys("Escape")
        terminal.wait_for("context namespace")
        terminal.keys("Down")
        terminal.wait_for("canaryscope · east · test/examiner")
        east.refuse_connections(None)
        screen = terminal.wait_for("east ◌")
        assert "west ●" in screen
        east.resume_listening()
        terminal.wait_for("east ● connected  west ● connected")
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)
