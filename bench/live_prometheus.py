"""A Prometheus HTTP API answering canaryscope's three queries with live values, counting what it is asked.

It reuses the replay tests' recorded Prometheus (tests/cluster/recorded_prometheus.py) for the answer format and
stamps each answer with the current time, so every refresh brings new samples as a scraping Prometheus would.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from tests.cluster.recorded_prometheus import RecordedPrometheus


class LivePrometheus(RecordedPrometheus):
    def __init__(self, deployments: list[tuple[str, str]], seed: int = 1) -> None:
        super().__init__()
        self.deployments = deployments
        self.rng = random.Random(seed)
        self.queries = 0
        self.answered_series = 0
        self.answered_bytes = 0
        self._count_lock = threading.Lock()

    def answer(self, query: str) -> dict[str, Any]:
        now = time.time()
        self.set_samples(
            now,
            [
                {
                    "namespace": ns,
                    "deployment": dep,
                    "success_rate": 100.0 - self.rng.random() * 0.5,
                    "rps": 5.0 + self.rng.random(),
                    "p99_ms": 200.0 + self.rng.random() * 50,
                }
                for ns, dep in self.deployments
            ],
        )
        answer = super().answer(query)
        with self._count_lock:
            self.queries += 1
            self.answered_series += len(answer["data"]["result"])
        return answer
