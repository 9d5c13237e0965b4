"""The same release in canaryscope's simulation and on the lab's real Flagger, reduced to comparable sequences.

A run becomes four sequences, from the detection of the new revision to the end of the analysis:

* events: (type, phase sent with the webhook, message) of each webhook payload, in Flagger's order;
* releases: for each of those events, which distinct payload `checksum` it carries (0, 1, ...): the checksum
  itself is a hash of Flagger's own making, but where it changes tells which revision an event speaks for;
* statuses: the Canary's (phase, canaryWeight, failedChecks) each time it changed;
* router: the router's canary weight each time it changed, as Flagger's GetRoutes reads it (the TrafficSplit for
  Linkerd, the VirtualService for Istio, the HTTPRoute for Gateway API; tests/lab/trace.py reads the real ones).

Timestamps are left out, and so is what is measured rather than decided: the success rate or latency printed in
a `Halt` message depends on the random traffic of that run and becomes `<measured>`.

One kind of event may be dropped, and only when it shows up: readiness warnings (`... not ready: waiting for
rollout to finish: ...`). Whether Flagger sees a pod not yet ready depends on how long kwok takes to make it
Ready relative to Flagger's tick (the simulation gives pods a fixed 4 s against a 10 s interval). Such a tick
changes nothing else (Flagger stops the tick before any other step), so dropping the warning leaves the rest
of the sequence comparable. Every dropped message is returned so a test can show it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from tui.domain.flagger.logger_stream import parse_lines
from tui.domain.flagger.payload import EventPayload
from tui.domain.model import CanaryKey
from tui.sim.engine import Simulation
from tui.sim.logger_pod import LOG_LINES_LIMIT
from tui.sim.scenario import BUILTIN, Scenario, from_mapping

KEY = CanaryKey("apps", "examiner")
DETECTED = "New revision detected! "
FINAL = ("Promotion completed! ", "Canary failed! ")
READINESS = re.compile(r"not ready: waiting for rollout to finish: ")
_MEASURED = (
    (re.compile(r"success rate \d+(?:\.\d+)?% "), "success rate <measured>% "),
    (re.compile(r"request duration \S+ "), "request duration <measured> "),
)

INITIALIZED = "Initialization done! "
READINESS_REASON = re.compile(r"(not ready: waiting for rollout to finish: ).*$")

Event = tuple[str, str, str]
Status = tuple[str, int, int]


@dataclass(frozen=True)
class Sequences:
    events: list[Event]
    releases: list[int]
    statuses: list[Status]
    router: list[int]
    dropped: list[str]


def normalise(message: str) -> str:
    for pattern, replacement in _MEASURED:
        message = pattern.sub(replacement, message)
    return message


def reduce(
    payloads: list[EventPayload], statuses: list[Status], router: list[int], *, readiness: bool = False
) -> Sequences:
    """Cut each sequence to the release (detection to the final event) and normalise what is measured; with
    ``readiness`` the readiness warnings are kept (where the test decides how many ticks wait, not kwok)."""
    start = next((i for i, p in enumerate(payloads) if p.message.startswith(DETECTED)), None)
    if start is None:
        raise AssertionError(f"no new revision was detected; events: {[p.message for p in payloads]}")
    end = next((i for i in range(start, len(payloads)) if payloads[i].message.startswith(FINAL)), None)
    if end is None:
        raise AssertionError(f"the release did not finish; events: {[p.message for p in payloads[start:]]}")
    kept: list[Event] = []
    checksums: list[str | None] = []
    dropped: list[str] = []
    for p in payloads[start : end + 1]:
        if READINESS.search(p.message) and not readiness:
            dropped.append(p.message)
        else:
            kept.append((p.event_type, p.phase, normalise(p.message)))
            checksums.append(p.checksum)
    order = list(dict.fromkeys(checksums))
    first = next((i for i, s in enumerate(statuses) if s[0] == "Progressing"), None)
    if first is None:
        raise AssertionError(f"the Canary never reached Progressing: {statuses}")
    return Sequences(kept, [order.index(c) for c in checksums], statuses[first:], router, dropped)


def lab_scenario(provider: str = "linkerd", namespace: str = KEY.namespace) -> Scenario:
    """The `lab` scenario with its Canary on ``provider`` in ``namespace`` (as tests/lab/side_by_side.py runs it)."""
    raw = copy.deepcopy(BUILTIN["lab"])
    raw["provider"] = provider
    raw["canaries"][0]["namespace"] = namespace
    return from_mapping(raw)


def _release(sim: Simulation, kind: str, key: CanaryKey = KEY, limit_s: int = 900) -> tuple[list[Status], list[int]]:
    def status() -> Status:
        st = sim.store.get("Canary", key.namespace, key.name)["status"]
        return st["phase"], int(st["canaryWeight"]), int(st["failedChecks"])

    def canary_weight() -> int:
        weights = sim.weights(key)
        return weights[1] if weights else 0

    statuses, router = [status()], [canary_weight()]
    sim.release(key, faulty=kind == "faulty")
    errors = sim.inject_errors(key) if kind == "faulty" else None
    for _ in range(limit_s):
        sim.advance(1)
        if status() != statuses[-1]:
            statuses.append(status())
            if kind == "promoted" and statuses[-1][0] == "Progressing":
                sim.promote_now(key)  # `p` as soon as the analysis shows, as the lab test presses it
        if canary_weight() != router[-1]:
            router.append(canary_weight())
        if statuses[-1][0] in ("Succeeded", "Failed") and any(st[0] == "Progressing" for st in statuses):
            break
    if errors is not None:
        sim.stop_load(errors)  # as canaryscope stops its loads when the run's app quits
    return statuses, router


def simulate(
    *, kind: str, after: str = "Initialized", seed: int = 1, provider: str = "linkerd", namespace: str = KEY.namespace
) -> Sequences:
    """The lab's Canary (the `lab` scenario) through one release in the simulation: `good`, `faulty` (with
    injected errors) or `promoted` (skipAnalysis once Progressing), starting in phase ``after`` (a release that
    failed or succeeded first, as the lab tests run them one after the other), on ``provider`` in ``namespace``."""
    sim = Simulation(lab_scenario(provider, namespace), seed=seed)
    key = CanaryKey(namespace, KEY.name)
    if after in ("Failed", "Succeeded"):
        _release(sim, "faulty" if after == "Failed" else "good", key)
        # As the lab tests do: the next release starts once the canary's metric window holds no requests.
        for _ in range(120):
            sim.advance(1)
            if sim.traffic.metrics(key.namespace, key.name).window(int(sim.now), 30).success_rate is None:
                break
    elif after != "Initialized":
        raise ValueError(f"cannot start a simulated release in phase {after}")
    before = len(sim.logger.tail(LOG_LINES_LIMIT))
    statuses, router = _release(sim, kind, key)
    lines = sim.logger.tail(LOG_LINES_LIMIT)
    assert len(lines) < LOG_LINES_LIMIT, "the simulated logger's log overflowed"
    return reduce(parse_lines(lines[before:]), statuses, router)


def initialisation(events: list[Event]) -> list[Event]:
    """Events up to `Initialization done!`, with readiness reasons as `<reason>`: that a tick stops on a primary
    not yet ready is decided by Flagger's order of steps; which of the not-ready reasons it reads depends on
    whether the Deployment controller has already observed the new primary (it has not, on every lab run so
    far; tests/sim pins that text)."""
    end = next((i for i, e in enumerate(events) if e[2].startswith(INITIALIZED)), None)
    if end is None:
        raise AssertionError(f"the canary was not initialised; events: {events}")
    return [(t, phase, READINESS_REASON.sub(r"\1<reason>", m)) for t, phase, m in events[: end + 1]]


def simulated_initialisation(seed: int = 1, provider: str = "linkerd", namespace: str = KEY.namespace) -> list[Event]:
    sim = Simulation(lab_scenario(provider, namespace), seed=seed)
    return initialisation([(r.type, r.phase, r.message) for r in sim.flagger.history])


LOADTESTER_URL = re.compile(r"POST \S+ giving up")


def same_loadtester(message: str) -> str:
    """The loadtester's address in a hook's error: the lab's loopback one, the simulation's in-cluster Service."""
    return LOADTESTER_URL.sub("POST <loadtester> giving up", message)


def collapse(events: list[Event]) -> list[Event]:
    """Consecutive repeats as one: how many ticks a canary waits for a key press is the presser's timing."""
    return [e for i, e in enumerate(events) if i == 0 or events[i - 1] != e]


def simulate_canary(
    namespace: str,
    fields: dict[str, object],
    *,
    press: str | None = None,
    seed: int = 1,
    readiness: bool = False,
    load: dict[str, object] | None = None,
) -> Sequences:
    """One good release of the lab's Canary in ``namespace`` with scenario ``fields`` (webhooks, gates,
    neverReady, ...) and the scenario's ``load``, from Initialized; ``press`` `p` or `a` opens the promotion or
    rollback gate as soon as the canary waits for promotion, as canaryscope's key does."""
    raw = copy.deepcopy(BUILTIN["lab"])
    raw["canaries"][0]["namespace"] = namespace
    raw["canaries"][0].update(copy.deepcopy(fields))
    if load is not None:
        raw["load"] = copy.deepcopy(load)
    sim = Simulation(from_mapping(raw), seed=seed)
    key = CanaryKey(namespace, KEY.name)

    def status() -> Status:
        st = sim.store.get("Canary", key.namespace, key.name)["status"]
        return st["phase"], int(st["canaryWeight"]), int(st["failedChecks"])

    def canary_weight() -> int:
        weights = sim.weights(key)
        return weights[1] if weights else 0

    before = len(sim.logger.tail(LOG_LINES_LIMIT))
    statuses, router = [status()], [canary_weight()]
    sim.release(key, faulty=False)
    pressed = False
    for _ in range(900):
        sim.advance(1)
        if status() != statuses[-1]:
            statuses.append(status())
        if canary_weight() != router[-1]:
            router.append(canary_weight())
        if press and not pressed and statuses[-1][0] == "WaitingPromotion":
            (sim.open_promotion_gate if press == "p" else sim.open_rollback_gate)(key)
            pressed = True
        if statuses[-1][0] in ("Succeeded", "Failed") and any(st[0] == "Progressing" for st in statuses):
            break
    lines = sim.logger.tail(LOG_LINES_LIMIT)
    return reduce(parse_lines(lines[before:]), statuses, router, readiness=readiness)
