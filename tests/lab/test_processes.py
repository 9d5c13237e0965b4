"""Lab process bookkeeping with real processes (no Go toolchain needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tui.lab import processes


def _sleeper(lab_dir: Path, name: str, ignore_term: bool = False) -> processes.Record:
    code = "import signal, time\n"
    if ignore_term:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "print('started', flush=True)\ntime.sleep(120)\n"
    return processes.start(lab_dir, name, [sys.executable, "-c", code])


def test_start_records_and_stop_from_records_only(tmp_path: Path) -> None:
    a = _sleeper(tmp_path, "a")
    b = _sleeper(tmp_path, "b")
    assert processes.wait_until(lambda: "started" in a.log.read_text(), 10)
    assert {r.name for r in processes.records(tmp_path)} == {"a", "b"}
    assert all(processes.is_alive(r) for r in processes.records(tmp_path))

    # A second process (as `lab down` would be) stops them using only the pid files.
    code = (
        "import sys; from pathlib import Path; from tui.lab import processes; "
        "print(processes.stop(Path(sys.argv[1]), ['b']))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['b', 'a']"
    assert not processes.records(tmp_path)
    time.sleep(0.1)
    assert not processes.is_alive(a) and not processes.is_alive(b)


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    rec = _sleeper(tmp_path, "stubborn", ignore_term=True)
    assert processes.wait_until(lambda: "started" in rec.log.read_text(), 10)
    t = time.monotonic()
    assert processes.stop(tmp_path, [], grace=1.0) == ["stubborn"]
    assert time.monotonic() - t < 5
    assert not processes.is_alive(rec)


def test_recycled_pid_is_not_signalled(tmp_path: Path) -> None:
    # A record whose pid now belongs to another program (here: this test process) must be left alone.
    run = tmp_path / "run"
    run.mkdir()
    record = {"name": "etcd", "pid": os.getpid(), "exe": "/nonexistent/etcd", "log": str(tmp_path / "x.log")}
    (run / "etcd.json").write_text(json.dumps(record))
    assert not processes.is_alive(processes.records(tmp_path)[0])
    assert processes.stop(tmp_path, ["etcd"]) == []
    assert not (run / "etcd.json").exists()


def test_free_ports_are_distinct_and_bindable() -> None:
    import socket

    ports = processes.free_ports(8)
    assert len(set(ports)) == 8
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
