"""Who `canaryscope serve` answers on a shared machine: only the holder of this start's token, at most
--max-sessions tabs at once, and the credentials of the served command never in a child's argv."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.cluster import objects
from tests.serve.served import Served, alive, descendants, free_port
from tests.standin.apiserver import ApiServer

PASSWORD = "prom-password-NEVER-SHOW-8c1f"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def sessions(served: Served) -> list[int]:
    """The canaryscope processes the server started (one per tab)."""
    found = []
    for pid in descendants(served.process.pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # A child between fork and exec still shows serve's own argv.
        if b"tui" in argv and argv[argv.index(b"tui") + 1 :][:1] != [b"serve"] and alive(pid):
            found.append(pid)
    return found


def wait_until(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s")
        time.sleep(0.05)


def open_tab(port: int, token: str) -> ClientConnection:
    return connect(f"ws://127.0.0.1:{port}/ws/{token}?width=120&height=40", proxy=None, open_timeout=15)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Served, int]]:
    port = free_port()
    served = Served(["--port", str(port), "--max-sessions", "1", "--", "demo", "--seed", "1"], tmp_path)
    try:
        served.wait_listening(port)
        yield served, port
    finally:
        served.stop()


def test_without_the_token_every_request_gets_403_and_nothing_starts(demo: tuple[Served, int]) -> None:
    served, port = demo
    token = served.token
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(trust_env=False, timeout=10) as client:
        assert client.get(f"{base}/").status_code == 403
        assert client.get(f"{base}/", params={"token": token[:-1]}).status_code == 403
        refused = client.get(f"{base}/", params={"token": "x" * len(token)})
        assert refused.status_code == 403 and "needs the URL with its token" in refused.text
        page = client.get(f"{base}/", params={"token": token})
        assert page.status_code == 200
        assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    # No Origin header: what a local process (not a browser) sends.
    for path in ("/ws", f"/ws/{token[:-1]}", "/ws/", f"/ws/{token.upper()}"):
        with pytest.raises(InvalidStatus) as refused_ws:
            connect(f"ws://127.0.0.1:{port}{path}", proxy=None, open_timeout=10)
        assert refused_ws.value.response.status_code in (403, 404), path
    assert sessions(served) == [], "a refused request starts no canaryscope"
    assert served.stdout.count(token) == 1, "the token is printed once"
    assert token not in Path(f"/proc/{served.process.pid}/cmdline").read_text()


def test_sessions_are_capped_and_one_more_tab_is_told_so(demo: tuple[Served, int]) -> None:
    served, port = demo
    token = served.token
    with open_tab(port, token):
        wait_until(lambda: len(sessions(served)) == 1, "the first tab's canaryscope started")
        with open_tab(port, token) as second:
            said = second.recv(timeout=15)
            assert isinstance(said, bytes)
            assert "all 1 sessions are in use (--max-sessions 1)" in said.decode()
        with httpx.Client(trust_env=False, timeout=10) as client:
            page = client.get(f"http://127.0.0.1:{port}/", params={"token": token})
        assert page.status_code == 503 and "close another canaryscope tab" in page.text
        assert len(sessions(served)) == 1, "over the cap, nothing starts"
        assert served.stdout.count("a tab was turned away: 1 sessions are in use") == 2, "the one running serve sees it"
    wait_until(lambda: sessions(served) == [], "the closed tab's canaryscope ended")
    with httpx.Client(trust_env=False, timeout=10) as client:
        assert client.get(f"http://127.0.0.1:{port}/", params={"token": token}).status_code == 200
    assert "Traceback" not in served.stderr


# Run as another account with the standard library only: what `nobody` can do against a root-run server.
OTHER_ACCOUNT = r"""
import http.client, json, os, sys
port, pid = int(sys.argv[1]), int(sys.argv[2])
def status(path, upgrade):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} if upgrade else {}
    conn.request("GET", path, headers=headers)
    code = conn.getresponse().status
    conn.close()
    return code
seen = ""
for proc in os.listdir("/proc"):
    if proc.isdigit():
        for name in ("cmdline", "environ"):
            try:
                seen += open(f"/proc/{proc}/{name}", "rb").read().decode("utf-8", "replace")
            except OSError:
                pass
print(json.dumps({
    "uid": os.getuid(),
    "page": status("/", False),
    "ws": status("/ws", True),
    "ws-guess": status("/ws/guess", True),
    "ws-guess-query": status("/ws?token=guess", True),
    "seen": seen,
}))
"""


def as_nobody() -> None:
    account = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)


def test_another_local_account_cannot_drive_a_cluster_session(apiserver: ApiServer, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to run the client as another local account (nobody)")
    # This interpreter may live where nobody cannot read (e.g. under /root); the system one is enough.
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3 for the other account's client")
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
    port = free_port()
    served = Served(
        ["--port", str(port), "--", "--kubeconfig", str(kubeconfig), "-n", "test", "--prometheus", "none"], tmp_path
    )
    try:
        served.wait_listening(port)
        token = served.token
        result = subprocess.run(
            [python, "-I", "-S", "-c", OTHER_ACCOUNT, str(port), str(served.process.pid)],
            preexec_fn=as_nobody,
            cwd="/",
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        found = json.loads(result.stdout)
        assert found["uid"] == pwd.getpwnam("nobody").pw_uid
        assert (found["page"], found["ws"], found["ws-guess"], found["ws-guess-query"]) == (403, 403, 403, 403)
        assert token not in found["seen"], "another account can read the token from a process"
        assert sessions(served) == []
        assert not [r for r in apiserver.requests() if r.method not in ("GET",)], "nothing reached the API server"
    finally:
        served.stop()


def test_a_prometheus_password_reaches_the_tab_in_its_environment_only(apiserver: ApiServer, tmp_path: Path) -> None:
    apiserver.put(objects.canary(phase="Progressing", weight=20, hooks=[]))
    kubeconfig = apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="test")
    port = free_port()
    prometheus = f"http://admin:{PASSWORD}@127.0.0.1:9"
    served_command = [
        "--kubeconfig",
        str(kubeconfig),
        "-n",
        "test",
        "--read-only",
        "examiner",
        "--prometheus",
        prometheus,
    ]
    served = Served(
        ["--port", str(port), "--", *served_command],
        tmp_path,
    )
    try:
        served.wait_listening(port)
        with open_tab(port, served.token) as tab:
            wait_until(lambda: len(sessions(served)) == 1, "the tab's canaryscope started")
            (child,) = sessions(served)
            argv = Path(f"/proc/{child}/cmdline").read_bytes().decode()
            environ = Path(f"/proc/{child}/environ").read_bytes().decode().split("\0")
            shown = ""
            deadline = time.monotonic() + 30
            while "Progressing" not in ANSI.sub("", shown) and time.monotonic() < deadline:
                data = tab.recv(timeout=max(0.1, deadline - time.monotonic()))
                shown += data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        assert PASSWORD not in argv and "admin" not in argv
        assert "http://127.0.0.1:9" in argv.split("\0")
        assert f"CANARYSCOPE_PROMETHEUS_PASSWORD={PASSWORD}" in environ
        assert "CANARYSCOPE_PROMETHEUS_USER=admin" in environ
        assert "Progressing" in ANSI.sub("", shown), "the tab drew the canary"
        assert PASSWORD not in shown
        for text in (served.stdout, served.stderr):
            assert PASSWORD not in text
        assert "on http://" in served.stdout and "--prometheus http://127.0.0.1:9" in served.stdout
    finally:
        served.stop()
