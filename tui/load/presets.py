"""The seed demo's two loads, as the TUI's `l` and `e` keys start them (configurable)."""

from __future__ import annotations

from dataclasses import dataclass

from tui.load.spec import LoadSpec, with_query


@dataclass(frozen=True)
class LoadPreset:
    label: str
    query: str
    """Appended to the target URL's query, e.g. `delay=100..250`."""
    concurrency: int
    rate_per_worker: float
    duration_s: float | None

    def spec(self, target_url: str, timeout_s: float = 20.0) -> LoadSpec:
        return LoadSpec(
            url=with_query(target_url, self.query),
            concurrency=self.concurrency,
            rate_per_worker=self.rate_per_worker,
            duration_s=self.duration_s,
            timeout_s=timeout_s,
        )


# `hey -c 5 -q 5 -z 60m "http://localhost/examine?delay=100..250"` (older seed READMEs).
BACKGROUND_LOAD = LoadPreset("background load", "delay=100..250", 5, 5.0, 3600.0)
# `hey -c 2 -q 2 -z 4m "http://localhost/examine?delay=100..500&status=500"`.
ERROR_INJECTION = LoadPreset("error injection", "delay=100..500&status=500", 2, 2.0, 240.0)
