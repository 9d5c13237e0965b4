"""The simulation against what real Flagger v1.44 did in the lab, without a lab: tests/lab/recorded/strategies.json
holds the reduced sequences of a lab run of tests/lab/strategies.py (`CANARYSCOPE_RECORD_LAB=DIR pytest -m lab
tests/lab/test_strategies.py` writes DIR/strategies.json; the router objects Flagger wrote are kept beside them).
The lab test compares the same on every lab run; this one keeps the comparison in the fast suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.lab.strategies import CASES
from tests.lab.strategy_fidelity import simulate_strategy

RECORDED = Path(__file__).parent / "recorded" / "strategies.json"
# A/B both ways, the mirrored blue/green, and blue/green on the kubernetes provider and with a DaemonSet target (their
# load test a loadtester hook): the Gateway API blue/green case's second load goes straight to the canary Service,
# which the simulation does not send (its canary would get no traffic and halt on "no values found").
COMPARED = ("lab-ab-istio", "lab-ab-gatewayapi", "lab-bg-mirror", "lab-rest-bg-kubernetes", "lab-rest-bg-daemonset")


def _tuples(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("namespace", COMPARED)
def test_simulation_decides_as_the_recorded_real_flagger(namespace: str) -> None:
    recorded = json.loads(RECORDED.read_text())[namespace]
    case = next(c for c in CASES if c.namespace == namespace)
    assert [r["kind"] for r in recorded["releases"]] == list(case.releases)
    for real, simulated in zip(recorded["releases"], simulate_strategy(case, case.releases), strict=True):
        assert _tuples(real["events"]) == simulated.events, real["kind"]
        assert real["releases"] == simulated.releases, real["kind"]
        assert _tuples(real["statuses"]) == simulated.statuses, real["kind"]
        assert _tuples(real["router"]) == simulated.router, real["kind"]


def test_the_recorded_ab_router_sends_only_matched_users_to_the_canary() -> None:
    """The VirtualService Flagger wrote during the A/B iterations, routed by the mesh emulator."""
    import random

    from tui.lab.provider_routes import Request, parse_virtual_service

    recorded = json.loads(RECORDED.read_text())["lab-ab-istio"]["releases"][0]["routers"]
    during = next(spec for spec in recorded if spec["http"][0]["route"][1]["weight"] == 100)
    vs = parse_virtual_service({"metadata": {"namespace": "lab-ab-istio"}, "spec": during})
    rng = random.Random(1)

    def pick(choices: Any) -> str:
        return str(rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0])

    assert vs.choose(Request("/examine", {"x-canary": "insider"}), pick) == "examiner-canary"
    assert vs.choose(Request("/examine", {"cookie": "session=7;canary=always"}), pick) == "examiner-canary"
    assert vs.choose(Request("/examine", {}), pick) == "examiner-primary"
