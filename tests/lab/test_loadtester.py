"""The lab's loadtester, built from the pinned Flagger module, over real sockets (no lab needed, only Go).

It is Flagger's pkg/loadtester with a main that listens on loopback only: the gate and rollback routes, the
blocking `bash` tasks (500 on failure, which a pre-rollout hook turns into a failed check) and the queued `cmd`
tasks (202 before they run) answer as in Flagger's image.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tui.lab import binaries, processes

pytestmark = pytest.mark.skipif(binaries.find_go() is None, reason="needs a Go toolchain (>= 1.26)")


@pytest.fixture(scope="module")
def loadtester(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cache = tmp_path_factory.mktemp("cache")
    binary = binaries.ensure_loadtester(cache, log=lambda _msg: None)
    assert binary == binaries.ensure_loadtester(cache, log=lambda _msg: None)  # cached: found, not rebuilt
    (port,) = processes.free_ports(1)
    workdir = tmp_path_factory.mktemp("loadtester")
    with open(workdir / "loadtester.log", "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "-listen", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    url = f"http://127.0.0.1:{port}"
    try:
        assert processes.wait_until(lambda: httpx.get(f"{url}/healthz").text == "OK", 30), (
            workdir / "loadtester.log"
        ).read_text()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _post(url: str, path: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=30)


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if address.startswith("127.") else address


def test_gates_open_and_close_per_canary(loadtester: str) -> None:
    canary = {"name": "examiner", "namespace": "lab-gate-x"}
    assert _post(loadtester, "/gate/check", canary).status_code == 403
    assert _post(loadtester, "/gate/open", canary).status_code == 202
    assert (_post(loadtester, "/gate/check", canary).status_code, _post(loadtester, "/gate/check", canary).text) == (
        200,
        "Approved",
    )
    assert _post(loadtester, "/gate/check", {**canary, "namespace": "other"}).status_code == 403
    assert _post(loadtester, "/gate/close", canary).status_code == 202
    assert _post(loadtester, "/gate/check", canary).status_code == 403
    assert _post(loadtester, "/rollback/check", canary).status_code == 403
    assert _post(loadtester, "/rollback/open", canary).status_code == 202
    assert _post(loadtester, "/rollback/check", canary).status_code == 200


def test_a_failing_bash_task_answers_500_and_a_cmd_task_is_queued(loadtester: str, tmp_path: Path) -> None:
    canary = {"name": "examiner", "namespace": "lab-hooks-x"}
    failed = _post(loadtester, "/", {**canary, "metadata": {"type": "bash", "cmd": "exit 3"}})
    assert failed.status_code == 500 and "exit status 3" in failed.text
    assert _post(loadtester, "/", {**canary, "metadata": {"type": "bash", "cmd": "true"}}).status_code == 200
    marker = tmp_path / "ran"
    queued = _post(loadtester, "/", {**canary, "metadata": {"cmd": f"touch {marker}"}})
    assert queued.status_code == 202 and queued.text == ""
    assert processes.wait_until(marker.exists, 10)
    assert _post(loadtester, "/", canary).status_code == 400  # no metadata


def test_it_listens_on_loopback_only(loadtester: str) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    port = int(loadtester.rsplit(":", 1)[1])
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(2)
        s.connect((address, port))


def test_a_build_failure_carries_gos_error_on_its_first_line(tmp_path: Path) -> None:
    go = binaries.find_go()
    assert go is not None
    with pytest.raises(binaries.BuildError) as caught:
        binaries._build(go, "./no-such-package", tmp_path / "loadtester")
    first = str(caught.value).splitlines()[0]
    assert first.startswith("building loadtester (./no-such-package) failed: ")
    assert "no-such-package" in first.split("failed: ", 1)[1]
    assert not (tmp_path / "loadtester").exists()
