"""Real Flagger v1.44 runs A/B testing and blue/green canaries on the lab (tests/lab/strategies.py runs them).

What is checked against Flagger's own objects and webhooks (tests/lab/trace.py):
* A/B on Istio and on Gateway API: the router's first rule carries the analysis `match` (header, cookie regex; as
  HTTPRoute header matches on Gateway API) and sends the matched users to the canary from the first iteration,
  everyone else keeps the primary; the mesh emulator routes by it, so matched users get the new version and
  others the old one; status.iterations counts 1..3 while status.canaryWeight stays 0; on Istio a faulty release
  halts twice on the matched users' success rate and rolls back.
* Blue/green on Gateway API: the canary gets no user until all traffic is routed to it after the last iteration
  (status.iterations 4 = N+1), then the promotion.
* Blue/green with `mirror: true` on Istio: the VirtualService mirrors to the canary during the iterations, the
  users keep the primary's answers, and the mirrored copies are what the analysis measures.

* Blue/green on the kubernetes provider (no router object), measured on a load test the loadtester runs.

The simulation, given the same scenario (tests/lab/strategy_fidelity.py), decides every step of the A/B releases, of
the mirrored blue/green release and of the kubernetes one as real Flagger did: events, revisions, statuses with
iterations, router states.
"""

from __future__ import annotations

import pytest

from tests.lab.fidelity import initialisation, reduce
from tests.lab.side_by_side import Release
from tests.lab.strategies import AB_MATCH, COOKIE_REGEX, ITERATIONS, CaseRun, StrategyRuns, strategy_scenario
from tests.lab.strategy_fidelity import analysed, reduce_strategy, simulate_strategy
from tests.lab.trace import payloads, read_log
from tui.sim.engine import Simulation

pytestmark = pytest.mark.lab

WAIT_S = 900.0
AB, AB_GATEWAY, BG, MIRROR = "lab-ab-istio", "lab-ab-gatewayapi", "lab-bg-gatewayapi", "lab-bg-mirror"
BG_KUBERNETES = "lab-rest-bg-kubernetes"
BG_DAEMONSET = "lab-rest-bg-daemonset"


def good_release(ns: str, strategy: str) -> list[str]:
    target = f"examiner.{ns}"
    to_canary = {
        "ab": [],
        "bg": ["Routing all traffic to canary"],
        "mirror": ["Stop traffic mirroring and route all traffic to canary"],
    }[strategy]
    return [
        f"New revision detected! Scaling up {target}",
        f"Starting canary analysis for {target}",
        *[f"Advance {target} canary iteration {i}/{ITERATIONS}" for i in range(1, ITERATIONS + 1)],
        *to_canary,
        f"Copying {target} template spec to examiner-primary.{ns}",
        "Routing all traffic to primary",
        f"Promotion completed! Scaling down {target}",
    ]


def phases(rows: list[tuple[str, int, int, int]]) -> list[str]:
    rows = analysed(rows)
    return [row[0] for i, row in enumerate(rows) if i == 0 or rows[i - 1][0] != row[0]]


def release(run: CaseRun, kind: str) -> Release:
    return next(r for r in run.releases if r.kind == kind)


def event_time(run: CaseRun, kind: str, message: str) -> float:
    trace = release(run, kind).trace
    parsed = [(line.t, p) for line in trace.log_lines() for p in payloads([line])]
    return next(t for t, p in parsed if p.message == message and p.namespace == run.case.namespace)


def test_ab_router_routes_matched_users_to_the_canary(strategies: StrategyRuns) -> None:
    run = strategies.wait(AB, WAIT_S)
    trace = release(run, "good").trace
    vs = trace.routers()[0]["spec"]["http"]
    assert [rule.get("match") for rule in vs] == [AB_MATCH, None]
    assert [[d["destination"]["host"] for d in rule["route"]] for rule in vs] == [
        ["examiner-primary", "examiner-canary"],
        ["examiner-primary"],
    ]
    # During the iterations Flagger writes the matched rule 0/100 and the fallback's primary at weight 0.
    during = [r["spec"]["http"] for r in trace.routers() if r["spec"]["http"][0]["route"][1]["weight"] == 100]
    assert during and during[0][1]["route"] == [{"destination": {"host": "examiner-primary"}, "weight": 0}]


def test_ab_http_route_carries_the_match_as_header_matches(strategies: StrategyRuns) -> None:
    run = strategies.wait(AB_GATEWAY, WAIT_S)
    rules = release(run, "good").trace.routers()[0]["spec"]["rules"]
    prefix = {"type": "PathPrefix", "value": "/"}
    assert [m.get("headers") for m in rules[0]["matches"]] == [
        [{"name": "x-canary", "type": "Exact", "value": "insider"}],
        [{"name": "cookie", "type": "RegularExpression", "value": COOKIE_REGEX}],
    ]
    assert all(m["path"] == prefix for m in rules[0]["matches"]) and rules[1]["matches"] == [{"path": prefix}]
    assert [[b["name"] for b in rule["backendRefs"]] for rule in rules] == [
        ["examiner-primary", "examiner-canary"],
        ["examiner-primary"],
    ]


@pytest.mark.parametrize("namespace", [AB, AB_GATEWAY])
def test_ab_good_release_iterates_with_matched_users_only(strategies: StrategyRuns, namespace: str) -> None:
    run = strategies.wait(namespace, WAIT_S)
    trace = release(run, "good").trace
    real = reduce(trace.events(), trace.statuses(), trace.router())
    assert [m for _, _, m in real.events] == good_release(namespace, "ab")
    rows = trace.iterations()
    assert phases(rows) == ["Progressing", "Promoting", "Finalising", "Succeeded"]
    # (phase, canaryWeight, failedChecks, iterations): canaryWeight stays 0 under A/B, Promoting keeps iterations.
    assert analysed(rows) == [
        *[("Progressing", 0, 0, i) for i in range(ITERATIONS + 1)],
        ("Promoting", 0, 0, ITERATIONS),
        ("Finalising", 0, 0, 0),
        ("Succeeded", 0, 0, 0),
    ]
    assert trace.router_states() == [(0, False), (100, False), (0, False)]
    # Between the first and the last iteration: matched users (header, cookie) see the new version, others the old.
    target = f"examiner.{namespace}"
    since = event_time(run, "good", f"Advance {target} canary iteration 1/{ITERATIONS}") + 2
    until = event_time(run, "good", f"Advance {target} canary iteration {ITERATIONS}/{ITERATIONS}")
    seen = strategies.answers(run, since, until)
    bodies = {user: {body for (u, body), n in seen.items() if u == user} for user in ("header", "cookie", "plain")}
    assert len(bodies["header"]) == len(bodies["cookie"]) == len(bodies["plain"]) == 1, seen
    assert bodies["header"] == bodies["cookie"] != bodies["plain"], seen
    assert next(iter(bodies["header"])).endswith("#2")


def test_ab_faulty_release_halts_on_matched_users_and_rolls_back(strategies: StrategyRuns) -> None:
    run = strategies.wait(AB, WAIT_S)
    trace = release(run, "faulty").trace
    real = reduce(trace.events(), trace.statuses(), trace.router())
    target = f"examiner.{AB}"
    messages = [m for _, _, m in real.events]
    assert messages == [
        f"New revision detected! Scaling up {target}",
        f"Starting canary analysis for {target}",
        f"Advance {target} canary iteration 1/{ITERATIONS}",
        f"Halt {target} advancement success rate <measured>% < 99%",
        f"Halt {target} advancement success rate <measured>% < 99%",
        f"Rolling back {target} failed checks threshold reached 2",
        f"Canary failed! Scaling down {target}",
    ]
    assert trace.iterations()[-1] == ("Failed", 0, 0, 0)  # a rollback resets failedChecks
    assert [r for r in trace.iterations() if r[0] == "Progressing"] == [
        ("Progressing", 0, 0, 0),
        ("Progressing", 0, 0, 1),
        ("Progressing", 0, 1, 1),
        ("Progressing", 0, 2, 1),
    ]
    assert trace.router_states() == [(0, False), (100, False), (0, False)]


def test_blue_green_routes_all_traffic_to_the_canary_after_the_last_iteration(strategies: StrategyRuns) -> None:
    run = strategies.wait(BG, WAIT_S)
    trace = release(run, "good").trace
    real = reduce(trace.events(), trace.statuses(), trace.router())
    assert [m for _, _, m in real.events] == good_release(BG, "bg")
    assert not any("no values found" in m for _, _, m in real.events)
    # The tick after the last iteration routes all traffic to the canary and counts one more (N+1).
    assert analysed(trace.iterations()) == [
        *[("Progressing", 0, 0, i) for i in range(ITERATIONS + 2)],
        ("Promoting", 0, 0, ITERATIONS + 1),
        ("Finalising", 0, 0, 0),
        ("Succeeded", 0, 0, 0),
    ]
    assert trace.router_states() == [(0, False), (100, False), (0, False)]
    # Before then no user reaches the canary.
    target = f"examiner.{BG}"
    since = event_time(run, "good", f"New revision detected! Scaling up {target}")
    until = event_time(run, "good", f"Advance {target} canary iteration {ITERATIONS}/{ITERATIONS}")
    seen = strategies.answers(run, since, until)
    assert seen and not any(body.endswith("#2") for (_, body) in seen), seen


def test_blue_green_mirrors_to_the_canary_during_the_iterations(strategies: StrategyRuns) -> None:
    run = strategies.wait(MIRROR, WAIT_S)
    trace = release(run, "good").trace
    real = reduce(trace.events(), trace.statuses(), trace.router())
    assert [m for _, _, m in real.events] == good_release(MIRROR, "mirror")
    assert not any("no values found" in m for _, _, m in real.events)  # the mirrored copies were measured
    assert [r[3] for r in analysed(trace.iterations())] == [0, 1, 2, 3, 4, 4, 0, 0]
    assert trace.router_states() == [(0, False), (0, True), (100, False), (0, False)]
    target = f"examiner.{MIRROR}"
    since = event_time(run, "good", f"Advance {target} canary iteration 1/{ITERATIONS}")
    until = event_time(run, "good", f"Advance {target} canary iteration {ITERATIONS}/{ITERATIONS}")
    seen = strategies.answers(run, since, until)
    assert seen and not any(body.endswith("#2") for (_, body) in seen), seen  # users keep the primary's answers


def test_blue_green_on_the_kubernetes_provider_iterates_on_the_load_tests_traffic_only(
    strategies: StrategyRuns,
) -> None:
    run = strategies.wait(BG_KUBERNETES, WAIT_S)
    trace = release(run, "good").trace
    real = reduce(trace.events(), trace.statuses(), trace.router())
    target = f"examiner.{BG_KUBERNETES}"
    # No router: nothing is routed to the canary or back, and the promotion goes from Promoting to Finalising
    # without an event; the load test's curl loop (pre-rollout and rollout hooks) is what the analysis measures.
    assert [m for _, _, m in real.events] == [
        f"New revision detected! Scaling up {target}",
        f"Starting canary analysis for {target}",
        "Pre-rollout check load-test passed",
        *[f"Advance {target} canary iteration {i}/{ITERATIONS}" for i in range(1, ITERATIONS + 1)],
        f"Copying {target} template spec to examiner-primary.{BG_KUBERNETES}",
        f"Promotion completed! Scaling down {target}",
    ]
    assert [r[3] for r in analysed(trace.iterations())] == [0, 1, 2, 3, 4, 4, 0, 0]
    since = event_time(run, "good", f"New revision detected! Scaling up {target}")
    until = event_time(run, "good", f"Copying {target} template spec to examiner-primary.{BG_KUBERNETES}")
    seen = strategies.answers(run, since, until)
    assert seen and not any(body.endswith("#2") for (_, body) in seen), seen  # the apex kept the primary


def test_a_daemonset_target_is_parked_on_no_node_and_rolled_out_on_its_node(
    strategies: StrategyRuns, kube_api: object
) -> None:
    from kubernetes import client

    run = strategies.wait(BG_DAEMONSET, WAIT_S)
    trace = release(run, "good").trace
    real = reduce(trace.events(), trace.statuses(), trace.router())
    assert [m for _, _, m in real.events] == [
        f"New revision detected! Scaling up examiner.{BG_DAEMONSET}",
        f"Starting canary analysis for examiner.{BG_DAEMONSET}",
        "Pre-rollout check load-test passed",
        *[f"Advance examiner.{BG_DAEMONSET} canary iteration {i}/{ITERATIONS}" for i in range(1, ITERATIONS + 1)],
        "Routing all traffic to canary",
        f"Copying examiner.{BG_DAEMONSET} template spec to examiner-primary.{BG_DAEMONSET}",
        "Routing all traffic to primary",
        f"Promotion completed! Scaling down examiner.{BG_DAEMONSET}",
    ]
    apps = client.AppsV1Api(kube_api)
    canary = apps.read_namespaced_daemon_set("examiner", BG_DAEMONSET)
    primary = apps.read_namespaced_daemon_set("examiner-primary", BG_DAEMONSET)
    assert canary.spec.template.spec.node_selector == {"flagger.app/scale-to-zero": "true"}
    assert canary.status.desired_number_scheduled == 0
    assert not primary.spec.template.spec.node_selector and primary.status.desired_number_scheduled == 1
    env = {e.name: e.value for e in primary.spec.template.spec.containers[0].env}
    assert env["ECHO_VALUE"].endswith("#2")


def test_a_daemonset_target_is_initialised_as_the_simulation_initialises_it(strategies: StrategyRuns) -> None:
    run = strategies.wait(BG_DAEMONSET, WAIT_S)
    logged = [
        (p.event_type, p.phase, p.message)
        for p in payloads(read_log(strategies.log_file, run.initial_log_offset))
        if p.namespace == BG_DAEMONSET
    ]
    simulated = Simulation(strategy_scenario(run.case)).flagger.history
    assert initialisation(logged) == initialisation([(r.type, r.phase, r.message) for r in simulated])


def test_each_case_logged_its_initialisation(strategies: StrategyRuns) -> None:
    for namespace in (AB, AB_GATEWAY, BG, MIRROR, BG_KUBERNETES, BG_DAEMONSET):
        run = strategies.wait(namespace, WAIT_S)
        logged = [
            p for p in payloads(read_log(strategies.log_file, run.initial_log_offset)) if p.namespace == namespace
        ]
        assert f"Initialization done! examiner.{namespace}" in [p.message for p in logged]


# The simulation has no load addressing the canary Service beside the user's, so the Gateway API blue/green case (its
# second load goes straight to the canary) halts there on "no values found"; the blue/green cases it is held to are
# the mirrored one and the kubernetes one, whose load test runs as a loadtester hook in both.
@pytest.mark.parametrize(
    ("namespace", "kind"),
    [
        (AB, "good"),
        (AB, "faulty"),
        (AB_GATEWAY, "good"),
        (MIRROR, "good"),
        (BG_KUBERNETES, "good"),
        (BG_DAEMONSET, "good"),
    ],
)
def test_simulation_matches_real_flagger(strategies: StrategyRuns, namespace: str, kind: str) -> None:
    run = strategies.wait(namespace, WAIT_S)
    index = [r.kind for r in run.releases].index(kind)
    real = reduce_strategy(run.releases[index].trace)
    simulated = simulate_strategy(run.case, run.case.releases)[index]
    assert real.events == simulated.events
    assert real.releases == simulated.releases
    assert real.statuses == simulated.statuses
    assert real.router == simulated.router
