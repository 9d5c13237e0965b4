"""Which kind of analysis Flagger runs for a Canary, decided as Flagger's DeploymentStrategy does (v1.44 canary.go).

`match` with `iterations` is A/B testing, `iterations` alone is blue/green, anything else is the progressive canary.
`mirror` only changes how a canary or blue/green analysis routes (runAB ignores it), and provider `kubernetes` has no
router, so Flagger runs it as blue/green whatever the spec says (it drops `match`, and 0 iterations become 10).
"""

from __future__ import annotations

from enum import StrEnum

from tui.domain.flagger.providers import router_family

# Flagger sets these iterations in memory for provider kubernetes when the spec has none.
KUBERNETES_ITERATIONS = 10


class Strategy(StrEnum):
    CANARY = "canary"
    AB = "ab-testing"
    BLUE_GREEN = "blue-green"

    @property
    def label(self) -> str:
        return {"canary": "canary", "ab-testing": "A/B testing", "blue-green": "blue/green"}[self.value]


def strategy_of(iterations: int | None, has_match: bool, provider: str | None = None) -> Strategy:
    """The strategy Flagger's scheduler runs for these analysis settings under the effective `provider`."""
    if provider is not None and router_family(provider).family == "kubernetes":
        return Strategy.BLUE_GREEN
    if (iterations or 0) > 0:
        return Strategy.AB if has_match else Strategy.BLUE_GREEN
    return Strategy.CANARY


def planned_iterations(iterations: int | None, provider: str | None = None) -> int:
    """The iterations the analysis will run: the spec's, or Flagger's in-memory 10 for provider kubernetes."""
    if (iterations or 0) > 0:
        return int(iterations or 0)
    if provider is not None and router_family(provider).family == "kubernetes":
        return KUBERNETES_ITERATIONS
    return 0
