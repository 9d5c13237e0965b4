"""Debian's prometheus binary run by the tests: own config, temp storage, 127.0.0.1, 1 s scrapes."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
import yaml

DEFAULT_BINARY = "/usr/bin/prometheus"


def find_prometheus() -> str | None:
    """$PROMETHEUS_BIN, else Debian's /usr/bin/prometheus, else `prometheus` on PATH."""
    for candidate in (os.environ.get("PROMETHEUS_BIN"), DEFAULT_BINARY, shutil.which("prometheus")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrometheusError(RuntimeError):
    pass


class PrometheusServer:
    def __init__(
        self,
        binary: str,
        workdir: Path,
        targets: Iterable[str],
        *,
        scrape_interval: str = "1s",
        port: int | None = None,
        job: str = "linkerd-proxy",
    ) -> None:
        self.binary = binary
        self.workdir = workdir
        self.targets = list(targets)
        self.scrape_interval = scrape_interval
        self.job = job
        self.port = port or free_port()
        self.config_path = workdir / "prometheus.yml"
        self.data_dir = workdir / "data"
        self.log_path = workdir / "prometheus.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None
        self._http = httpx.Client(timeout=5.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def write_config(self) -> None:
        doc = {
            "global": {
                "scrape_interval": self.scrape_interval,
                "scrape_timeout": self.scrape_interval,
                "evaluation_interval": self.scrape_interval,
            },
            "scrape_configs": [{"job_name": self.job, "static_configs": [{"targets": self.targets}]}],
        }
        self.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def start(self, ready_timeout: float = 20.0) -> PrometheusServer:
        """Start (or restart) on the same port and storage; returns once /-/ready answers 200."""
        if self.running:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.write_config()
        started = time.perf_counter()
        log = self.log_path.open("ab")
        try:
            self._proc = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={self.data_dir}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--web.enable-lifecycle",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=info",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + ready_timeout
        while True:
            if self._proc.poll() is not None:
                raise PrometheusError(f"prometheus exited with {self._proc.returncode}: {self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if self._http.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200:
                    break
            if time.monotonic() > deadline:
                self.stop()
                raise PrometheusError(f"prometheus not ready after {ready_timeout}s: {self.log_tail()}")
            time.sleep(0.02)
        self.startup_seconds = time.perf_counter() - started
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop (SIGTERM), as a restart or a shutdown of the real service would do."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def kill(self) -> None:
        """Crash: SIGKILL, no clean shutdown (the next start replays the WAL)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def restart(self) -> PrometheusServer:
        self.stop()
        return self.start()

    def reload(self) -> None:
        self.write_config()
        self._http.post(f"{self.url}/-/reload").raise_for_status()

    def close(self) -> None:
        self.stop()
        self._http.close()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # --- queries --------------------------------------------------------------------------------------------------

    def query(self, expr: str, timeout: float = 5.0) -> list[tuple[dict[str, str], float]]:
        """Instant query -> [(labels, value)]; raises PrometheusError on an API error."""
        resp = self._http.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=timeout)
        body = resp.json()
        if resp.status_code != 200 or body.get("status") != "success":
            raise PrometheusError(f"query failed ({resp.status_code}): {body.get('error')}")
        return [(r["metric"], float(r["value"][1])) for r in body["data"]["result"]]

    def scalar(self, expr: str) -> float | None:
        """The single value of a one-series result; None for no series or NaN (Flagger's "no values found")."""
        result = self.query(expr)
        if not result:
            return None
        if len(result) != 1:
            raise PrometheusError(f"expected one series, got {len(result)}: {result}")
        value = result[0][1]
        return None if math.isnan(value) else value

    def targets_up(self) -> bool:
        body = self._http.get(f"{self.url}/api/v1/targets").json()
        active = body["data"]["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)
