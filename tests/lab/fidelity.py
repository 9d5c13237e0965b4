"""The same release in canaryscope's simulation and on the lab's real Flagger, reduced to comparable sequences.

A run becomes three sequences, from the detection of the new revision to the end of the analysis:

* events: (type, phase sent with the webhook, message), in Flagger's order;
* statuses: the Canary's (phase, canaryWeight, failedChecks) each time it changed;
* router: the TrafficSplit's canary weight each time it changed.

Timestamps and checksums are left out, and so is what is measured rather than decided: the success rate or
latency printed in a `Halt` message depends on the random traffic of that run and becomes `<measured>`.

One kind of event may be dropped, and only when it shows up: readiness warnings (`... not ready: waiting for
rollout to finish: ...`). Whether Flagger sees a pod not yet ready depends on how long kwok takes to make it
Ready relative to Flagger's tick (the simulation gives pods a fixed 4 s against a 10 s interval). Such a tick
changes nothing else (Flagger stops the tick before any other step), so dropping the warning leaves the rest
of the sequence comparable. Every dropped message is returned so a test can show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.model import CanaryKey
from tui.sim.engine import Simulation
from tui.sim.scenario import load_scenario

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
    statuses: list[Status]
    router: list[int]
    dropped: list[str]


def normalise(message: str) -> str:
    for pattern, replacement in _MEASURED:
        message = pattern.sub(replacement, message)
    return message


def reduce(events: list[Event], statuses: list[Status], router: list[int]) -> Sequences:
    """Cut each sequence to the release (detection to the final event) and normalise what is measured."""
    start = next((i for i, e in enumerate(events) if e[2].startswith(DETECTED)), None)
    if start is None:
        raise AssertionError(f"no new revision was detected; events: {events}")
    end = next((i for i in range(start, len(events)) if events[i][2].startswith(FINAL)), None)
    if end is None:
        raise AssertionError(f"the release did not finish; events: {events[start:]}")
    kept, dropped = [], []
    for event_type, phase, message in events[start : end + 1]:
        if READINESS.search(message):
            dropped.append(message)
        else:
            kept.append((event_type, phase, normalise(message)))
    first = next((i for i, s in enumerate(statuses) if s[0] == "Progressing"), None)
    if first is None:
        raise AssertionError(f"the Canary never reached Progressing: {statuses}")
    return Sequences(kept, statuses[first:], router, dropped)


def simulate(*, faulty: bool, inject_errors: bool, seed: int = 1, limit_s: int = 900) -> Sequences:
    """The lab's Canary (the `lab` scenario) through one release in the simulation."""
    sim = Simulation(load_scenario("lab"), seed=seed)
    start = len(sim.flagger.history)

    def status() -> Status:
        st = sim.store.get("Canary", KEY.namespace, KEY.name)["status"]
        return st["phase"], int(st["canaryWeight"]), int(st["failedChecks"])

    def canary_weight() -> int:
        weights = sim.weights(KEY)
        return weights[1] if weights else 0

    statuses, router = [status()], [canary_weight()]
    sim.release(KEY, faulty=faulty)
    if inject_errors:
        sim.inject_errors(KEY)
    for _ in range(limit_s):
        sim.advance(1)
        if status() != statuses[-1]:
            statuses.append(status())
        if canary_weight() != router[-1]:
            router.append(canary_weight())
        if statuses[-1][0] in ("Succeeded", "Failed"):
            break
    events = [(r.type, r.phase, r.message) for r in list(sim.flagger.history)[start:]]
    return reduce(events, statuses, router)


def initialisation(events: list[Event]) -> list[Event]:
    """Events up to `Initialization done!`, with readiness reasons as `<reason>`: that a tick stops on a primary
    not yet ready is decided by Flagger's order of steps; which of the not-ready reasons it reads depends on
    whether the Deployment controller has already observed the new primary (it has not, on every lab run so
    far; tests/sim pins that text)."""
    end = next((i for i, e in enumerate(events) if e[2].startswith(INITIALIZED)), None)
    if end is None:
        raise AssertionError(f"the canary was not initialised; events: {events}")
    return [(t, phase, READINESS_REASON.sub(r"\1<reason>", m)) for t, phase, m in events[: end + 1]]


def simulated_initialisation(seed: int = 1) -> list[Event]:
    sim = Simulation(load_scenario("lab"), seed=seed)
    return initialisation([(r.type, r.phase, r.message) for r in sim.flagger.history])
