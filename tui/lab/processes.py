"""Long-running lab processes: each in its own process group, logged to a file, recorded in a pid file.

The pid files let `down` run from another process than `up`. A recorded pid is only signalled while
/proc still shows the recorded executable, so a recycled pid is never killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path


class LabProcessError(RuntimeError):
    pass


@dataclass(frozen=True)
class Record:
    name: str
    pid: int
    exe: str
    log: Path


def free_ports(count: int, avoid: Collection[int] = ()) -> list[int]:
    """Distinct free loopback ports (all held open together so none repeats), none of them in ``avoid``."""
    socks = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            port = s.getsockname()[1]
            if port not in avoid:
                ports.append(port)
        return ports
    finally:
        for s in socks:
            s.close()


def _run_dir(lab_dir: Path) -> Path:
    return lab_dir / "run"


def start(lab_dir: Path, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> Record:
    run_dir = _run_dir(lab_dir)
    logs = lab_dir / "logs"
    run_dir.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=lab_dir,
            env=env,
            start_new_session=True,
        )
    record = Record(name, proc.pid, os.path.realpath(argv[0]), log_path)
    (run_dir / f"{name}.json").write_text(
        json.dumps({"name": name, "pid": record.pid, "exe": record.exe, "log": str(log_path)})
    )
    return record


def records(lab_dir: Path) -> list[Record]:
    run_dir = _run_dir(lab_dir)
    if not run_dir.is_dir():
        return []
    out = []
    for path in sorted(run_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
            out.append(Record(data["name"], int(data["pid"]), data["exe"], Path(data["log"])))
        except (OSError, ValueError, KeyError):
            continue
    return out


def is_alive(record: Record) -> bool:
    try:
        exe = os.readlink(f"/proc/{record.pid}/exe")
        with open(f"/proc/{record.pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    # A zombie (our own unreaped child) has finished; a different exe means the pid was reused.
    return state != "Z" and exe.removesuffix(" (deleted)") == record.exe


def log_tail(record: Record, lines: int = 20) -> str:
    try:
        with open(record.log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def stop(lab_dir: Path, order: Sequence[str], grace: float = 10.0) -> list[str]:
    """Stop recorded processes (in ``order`` first, then any others); return the names that were running."""
    recs = {r.name: r for r in records(lab_dir)}
    names = [n for n in order if n in recs] + [n for n in recs if n not in order]
    stopped = []
    for name in names:
        rec = recs[name]
        if is_alive(rec):
            _signal_group(rec, signal.SIGTERM)
            if not wait_until(lambda rec=rec: not is_alive(rec), grace):
                _signal_group(rec, signal.SIGKILL)
                wait_until(lambda rec=rec: not is_alive(rec), 5.0)
            stopped.append(name)
        _reap(rec.pid)
        (_run_dir(lab_dir) / f"{name}.json").unlink(missing_ok=True)
    return stopped


def _signal_group(rec: Record, sig: signal.Signals) -> None:
    # Each process leads its own session, so its pgid is its pid.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(rec.pid, sig)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return True
        except Exception:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
