"""Scale over mixed providers: the scale figure with a quarter each of linkerd, istio, gatewayapi:v1 and kubernetes
canaries, so every router kind Flagger writes is watched and Prometheus is asked once per observer family."""

from __future__ import annotations

from bench import scale
from bench.result import Result

NAME = "scale-mixed"
TITLE = "scale, mixed providers"
BUDGET = scale.BUDGET


def run(quick: bool = False, runs: int | None = None) -> Result:
    return scale.measure(NAME, TITLE, "mixed", quick, runs)
