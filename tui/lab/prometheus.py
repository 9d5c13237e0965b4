"""The lab's Prometheus: Debian's `prometheus` binary scraping the mesh emulator's Linkerd metrics every second.

Flagger's builtin Linkerd queries and canaryscope's --prometheus both point at it. The job is named after the
seed's PodMonitor (`linkerd-proxy`); the metrics already carry `namespace`, `deployment` and `pod`, as they do
there after relabelling.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from tui.lab import processes

DEBIAN_BINARY = "/usr/bin/prometheus"
SCRAPE_INTERVAL = "1s"
JOB = "linkerd-proxy"


def find_prometheus() -> str | None:
    """$PROMETHEUS_BIN, else Debian's /usr/bin/prometheus, else `prometheus` on PATH."""
    for candidate in (os.environ.get("PROMETHEUS_BIN"), DEBIAN_BINARY, shutil.which("prometheus")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def write_config(path: Path, targets: list[str], interval: str = SCRAPE_INTERVAL) -> None:
    doc = {
        "global": {"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval},
        "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": targets}]}],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def argv(binary: str, config: Path, data_dir: Path, port: int) -> list[str]:
    return [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={data_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1d",
        "--log.level=warn",
    ]


def start(lab_dir: Path, binary: str, port: int, targets: list[str]) -> str:
    """Start Prometheus with fresh storage under ``lab_dir/prometheus``; returns its URL (not yet ready)."""
    workdir = lab_dir / "prometheus"
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "data").mkdir(parents=True)
    config = workdir / "prometheus.yml"
    write_config(config, targets)
    processes.start(lab_dir, "prometheus", argv(binary, config, workdir / "data", port))
    return f"http://127.0.0.1:{port}"
