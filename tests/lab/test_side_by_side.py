"""Real Flagger v1.44 drives Istio and Gateway API canaries on the lab, beside the seed's Linkerd one.

Each provider's canary (its own namespace, `spec.provider` istio or gatewayapi:v1) goes through a good release and
then a faulty one (tests/lab/side_by_side.py runs them from the start of the session). Flagger writes that
provider's router (a VirtualService, an HTTPRoute), the mesh emulator routes by its weights, and Flagger's builtin
checks for that provider read the emulator's series through Prometheus: the good release is promoted with no
"no values found" halt, the faulty one halts twice on the success rate and is rolled back. The simulation, given
the same Canary on the same provider, decides every step as real Flagger did (tests/lab/fidelity.py): the same
events, revisions, statuses and router weights, from the initialisation on.
"""

from __future__ import annotations

import pytest

from tests.lab.fidelity import initialisation, reduce, simulate, simulated_initialisation
from tests.lab.side_by_side import PROVIDERS, SideBySide, namespace_of
from tests.lab.trace import payloads, read_log
from tui.lab.apps import FLAGGER_PROVIDERS

pytestmark = pytest.mark.lab

# Both releases of both providers, from the lab's start; they run while the seed's rollouts do.
WAIT_S = 900.0


def good_release(ns: str) -> list[str]:
    target = f"examiner.{ns}"
    return [
        f"New revision detected! Scaling up {target}",
        f"Starting canary analysis for {target}",
        f"Advance {target} canary weight 25",
        f"Advance {target} canary weight 50",
        f"Copying {target} template spec to examiner-primary.{ns}",
        f"Advance {target} primary weight 75",
        f"Advance {target} primary weight 100",
        f"Promotion completed! Scaling down {target}",
    ]


def phases(statuses: list[tuple[str, int, int]]) -> list[str]:
    return [phase for i, (phase, _, _) in enumerate(statuses) if i == 0 or statuses[i - 1][0] != phase]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_flagger_initialises_the_canary_with_that_providers_router(side_by_side: SideBySide, provider: str) -> None:
    run = side_by_side.wait(provider, WAIT_S)
    ns = namespace_of(provider)
    logged = [p for p in payloads(read_log(side_by_side.log_file, run.initial_log_offset)) if p.namespace == ns]
    assert f"Initialization done! examiner.{ns}" in [p.message for p in logged], [p.message for p in logged]
    first = run.releases[0].trace
    kind = first.router_kind
    routers = [o for o in first.initial if o.get("kind") == kind and o["metadata"]["name"] == "examiner"]
    assert routers, f"Flagger wrote no {kind} examiner in {ns}"
    if provider == "istio":
        hosts = [r["destination"]["host"] for r in routers[0]["spec"]["http"][0]["route"]]
        assert hosts == ["examiner-primary", "examiner-canary"]
    else:
        refs = [r["name"] for r in routers[0]["spec"]["rules"][0]["backendRefs"]]
        assert refs == ["examiner-primary", "examiner-canary"]
        assert routers[0]["spec"]["parentRefs"][0]["kind"] == "Service"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_good_release_is_promoted(side_by_side: SideBySide, provider: str) -> None:
    run = side_by_side.wait(provider, WAIT_S)
    release = next(r for r in run.releases if r.kind == "good")
    real = reduce(release.trace.events(), release.trace.statuses(), release.trace.router())
    assert [m for _, _, m in real.events] == good_release(run.namespace)
    assert real.router == [0, 25, 50, 25, 0]
    assert phases(real.statuses) == ["Progressing", "Promoting", "Finalising", "Succeeded"]
    assert [s[1] for s in real.statuses if s[0] == "Progressing"] == [0, 25, 50]
    assert run.load_answers.get(200, 0) > 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_faulty_release_halts_on_the_success_rate_and_rolls_back(side_by_side: SideBySide, provider: str) -> None:
    run = side_by_side.wait(provider, WAIT_S)
    release = next(r for r in run.releases if r.kind == "faulty")
    assert release.after == "Succeeded"
    real = reduce(release.trace.events(), release.trace.statuses(), release.trace.router())
    messages = [m for _, _, m in real.events]
    target = f"examiner.{run.namespace}"
    halts = [m for m in messages if m.startswith(f"Halt {target} advancement success rate ")]
    assert len(halts) == 2 and all(m.endswith("% < 99%") for m in halts), messages
    assert messages[-2:] == [
        f"Rolling back {target} failed checks threshold reached 2",
        f"Canary failed! Scaling down {target}",
    ]
    assert not any("no values found" in m for m in messages), messages
    assert real.router == [0, 25, 0]
    assert phases(real.statuses) == ["Progressing", "Failed"]
    # (phase, canaryWeight, failedChecks): the first step, then one failed check per tick until the threshold.
    assert [s for s in real.statuses if s[0] == "Progressing"] == [
        ("Progressing", 0, 0),
        ("Progressing", 25, 0),
        ("Progressing", 25, 1),
        ("Progressing", 25, 2),
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_initialisation_simulation_matches_real_flagger(side_by_side: SideBySide, provider: str) -> None:
    run = side_by_side.wait(provider, WAIT_S)
    logged = payloads(read_log(side_by_side.log_file, run.initial_log_offset))
    real = initialisation([(p.event_type, p.phase, p.message) for p in logged if p.namespace == run.namespace])
    assert real == simulated_initialisation(provider=FLAGGER_PROVIDERS[provider], namespace=run.namespace)


@pytest.mark.parametrize("kind", ["good", "faulty"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_release_simulation_matches_real_flagger(side_by_side: SideBySide, provider: str, kind: str) -> None:
    run = side_by_side.wait(provider, WAIT_S)
    release = next(r for r in run.releases if r.kind == kind)
    real = reduce(release.trace.events(), release.trace.statuses(), release.trace.router())
    simulated = simulate(kind=kind, after=release.after, provider=FLAGGER_PROVIDERS[provider], namespace=run.namespace)
    assert real.events == simulated.events
    assert real.releases == simulated.releases
    assert real.statuses == simulated.statuses
    assert real.router == simulated.router
