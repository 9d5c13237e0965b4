"""Debian's real Prometheus scraping bench/check_exporter.py, with its query log on, for the scale-checks figure.

Started and stopped with the figure, in the figure's temp dir, on a free port (tests/prom/server.py runs the
process). The query log (`global.query_log_file`) has one JSON line per query Prometheus evaluated, with its
expression: what the Prometheus side received, counted by reading the lines a window added.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml

from bench.check_exporter import CheckExporter
from bench.cluster import CanaryRef
from tests.prom.server import PrometheusServer, find_prometheus

SCRAPE_INTERVAL = "2s"


class LoggedPrometheus(PrometheusServer):
    @property
    def query_log(self) -> Path:
        return self.workdir / "queries.log"

    def write_config(self) -> None:
        super().write_config()
        doc = yaml.safe_load(self.config_path.read_text())
        doc["global"]["query_log_file"] = str(self.query_log)
        self.config_path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def log_offset(self) -> int:
        return self.query_log.stat().st_size if self.query_log.exists() else 0

    def queries_since(self, offset: int) -> list[str]:
        """The expressions of the queries logged after byte `offset` (a line still being written is left out)."""
        if not self.query_log.exists():
            return []
        with self.query_log.open("rb") as log:
            log.seek(offset)
            data = log.read()
        queries = []
        for line in data.split(b"\n")[:-1]:
            try:
                queries.append(str(json.loads(line)["params"]["query"]))
            except (ValueError, KeyError, TypeError):
                continue
        return queries


class CheckBackend:
    """The exporter and the Prometheus scraping it; `url` is the Prometheus to query."""

    def __init__(self, refs: list[CanaryRef], workdir: Path) -> None:
        binary = find_prometheus()
        if binary is None:
            raise RuntimeError("Debian's prometheus binary is missing (apt-get install prometheus, or PROMETHEUS_BIN)")
        self.exporter = CheckExporter(refs)
        workdir.mkdir(parents=True, exist_ok=True)
        self.prometheus = LoggedPrometheus(binary, workdir, [], scrape_interval=SCRAPE_INTERVAL, job="bench-checks")

    @property
    def url(self) -> str:
        return self.prometheus.url

    def start(self, timeout: float = 60.0) -> CheckBackend:
        """Returns once a rate over the app's counters has an answer (two scrapes in)."""
        self.exporter.start()
        self.prometheus.targets = [self.exporter.target]
        self.prometheus.start()
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Prometheus had no rate of the exporter's series after {timeout:g} s")
            time.sleep(0.2)
        return self

    def _answers(self) -> bool:
        try:
            return bool(self.prometheus.query("count(rate(http_requests_total[10s]))"))
        except Exception:  # not ready yet: asked again until the deadline
            return False

    def stop(self) -> None:
        self.prometheus.close()
        self.exporter.stop()

    def __enter__(self) -> CheckBackend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
