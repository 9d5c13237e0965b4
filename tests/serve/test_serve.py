"""`canaryscope serve` without a browser: options, the address it listens on, and who it answers."""

from __future__ import annotations

import io
import shlex
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.serve.served import Served, free_port, listening_addresses
from tui import cli, serve


def run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = serve.main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_defaults_are_loopback_port_8000_and_the_demo() -> None:
    options = serve.parse_options([])
    assert (options.host, options.port, options.args, options.loopback) == ("127.0.0.1", 8000, ("demo",), True)
    assert shlex.split(options.command) == [sys.executable, "-m", "tui", "demo"]


def test_everything_after_the_double_dash_is_the_served_command() -> None:
    options = serve.parse_options(["--port", "9000", "--", "--context", "kind kind", "-n", "apps", "examiner"])
    assert options.port == 9000
    assert options.args == ("--context", "kind kind", "-n", "apps", "examiner")
    # The shell textual-serve runs must see the same words, spaces included.
    assert shlex.split(options.command)[3:] == ["--context", "kind kind", "-n", "apps", "examiner"]
    assert options.cluster_mode
    assert not serve.parse_options(["--", "demo", "--speed", "10"]).cluster_mode


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "--port: must be between 1 and 65535, got 0"),
        (["--port", "http"], "--port: expected a whole number, got 'http'"),
        (["--port", "70000"], "--port: must be between 1 and 65535, got 70000"),
        (["--host", ""], "--host: must not be empty"),
        (["--host", "256.1.1.1"], "--host: '256.1.1.1' is neither an IP address nor a host name"),
        (["--host", "my host"], "--host: 'my host' is neither an IP address nor a host name"),
        (["--", "demo", "--speed", "fast"], "served command: --speed: expected a number, got 'fast'"),
        (["--", "wait", "test/examiner"], "only the TUI can be served (demo or watch), not 'wait'"),
        (["--", "--help"], "the served command cannot be --help or --version"),
        (["--verbose"], "unrecognized arguments: --verbose"),
        (["--max-sessions", "0"], "--max-sessions: must be between 1 and 64, got 0"),
        (["--max-sessions", "many"], "--max-sessions: expected a whole number, got 'many'"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(argv: list[str], message: str) -> None:
    code, out, err = run_main(argv)
    assert code == 2
    assert err.startswith(f"canaryscope serve: {message}")
    assert err.count("\n") == 1 and out == ""


def test_serve_is_a_subcommand_of_canaryscope(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--port", "nope"]) == 2
    assert capsys.readouterr().err == "canaryscope serve: --port: expected a whole number, got 'nope'\n"
    assert cli.main(["serve", "--help"]) == 0
    assert "--host HOST" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("::", False)],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert serve.is_loopback(host) is loopback


def test_host_and_origin_checks() -> None:
    local = serve.parse_options([])
    assert serve.host_allowed("127.0.0.1:8000", local)
    assert serve.host_allowed("localhost:8000", local)
    assert serve.host_allowed("[::1]:8000", local)
    assert not serve.host_allowed("rebound.example:8000", local)
    assert not serve.host_allowed(None, local)
    assert serve.origin_allowed("http://localhost:8000", "localhost:8000")
    assert serve.origin_allowed(None, "localhost:8000")
    assert not serve.origin_allowed("http://evil.example", "localhost:8000")
    assert not serve.origin_allowed("http://127.0.0.1:8000", "localhost:8000")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, int]]:
    port = free_port()
    process = Served(["--port", str(port)], tmp_path)
    try:
        process.wait_listening(port)
        yield process, port
    finally:
        process.stop()


def test_listens_on_127_0_0_1_only_by_default(served: tuple[Served, int]) -> None:
    process, port = served
    assert listening_addresses(port) == {"127.0.0.1"}
    assert process.stderr == "", "no warning on loopback"
    assert process.stdout.startswith(
        f"canaryscope serve: serving `canaryscope demo` on http://127.0.0.1:{port}/?token={process.token} "
    )


def test_listens_on_exactly_the_host_given(tmp_path: Path) -> None:
    port = free_port("127.0.0.2")
    process = Served(["--host", "127.0.0.2", "--port", str(port)], tmp_path)
    try:
        process.wait_listening(port)
        assert listening_addresses(port) == {"127.0.0.2"}
        assert process.stderr == ""
    finally:
        assert process.stop() == 0


def test_pages_and_websockets_only_for_this_origin(served: tuple[Served, int]) -> None:
    process, port = served
    token = process.token
    with httpx.Client(trust_env=False, timeout=10) as client:
        page = client.get(f"http://127.0.0.1:{port}/", params={"token": token})
        assert page.status_code == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws/{token}"' in page.text
        by_name = client.get(
            f"http://127.0.0.1:{port}/", params={"token": token}, headers={"Host": f"localhost:{port}"}
        )
        assert f'data-session-websocket-url="ws://localhost:{port}/ws/{token}"' in by_name.text
        rebound = client.get(
            f"http://127.0.0.1:{port}/", params={"token": token}, headers={"Host": f"rebound.example:{port}"}
        )
        assert rebound.status_code == 403
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{port}/ws/{token}", origin="http://evil.example", proxy=None, open_timeout=10)
    assert refused.value.response.status_code == 403


def test_a_non_loopback_host_is_announced(tmp_path: Path) -> None:
    # The port is held on 127.0.0.1, so binding the wildcard fails: the warning is checked without ever
    # listening beyond loopback.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code, out, err = run_main(
            ["--host", "0.0.0.0", "--port", str(port), "--", "--context", "kind-kind", "examiner"]
        )
    lines = err.splitlines()
    assert code == 2 and out == ""
    assert lines[0] == (
        f"canaryscope serve: warning: listening on 0.0.0.0:{port}, not loopback: the UI (and this kubeconfig's "
        "access to the cluster) is reachable from the network and anyone who can connect can drive it"
    )
    assert lines[1].startswith(f"canaryscope serve: cannot listen on 0.0.0.0:{port}: ")
    assert len(lines) == 2


def test_the_demo_warning_does_not_mention_a_cluster() -> None:
    options = serve.parse_options(["--host", "0.0.0.0"])
    assert "kubeconfig" not in serve.exposure_warning(options)
    assert "the UI is reachable from the network" in serve.exposure_warning(options)
