"""One decision per action key: from a canary's facts, the steps to take, what to undo later, and the wording.

The same planner serves the simulation and a cluster. Where the two differ, the difference is named here
(see _Rules) rather than hidden in two implementations; the wording differs too, each voice keeping its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.actions.base import ActionKind, Outcome, errors_already_running
from tui.actions.plan import (
    CanaryFacts,
    ChangeConfig,
    CloseGate,
    FollowUp,
    Gate,
    Load,
    OpenGate,
    Plan,
    Release,
    SetSkipAnalysis,
    SetSuspend,
    StartLoad,
    StopLoad,
    ToggleGate,
    Voice,
)
from tui.domain.model import CanaryKey, Phase

SKIP_ANALYSIS_WARNING = (
    "Flagger promotes at its next tick without checking any metric; canaryscope unsets skipAnalysis after the "
    "promotion (a GitOps tool may also revert it)"
)

# Once promotion has started (or the canary is done), an open promotion gate has done its work.
PROMOTION_GATE_CLOSED_WHEN = frozenset(
    str(p) for p in (Phase.PROMOTING, Phase.FINALISING, Phase.SUCCEEDED, Phase.FAILED)
)
# An opened rollback gate is closed once the rollout is over, whichever way: left open, the next release would be
# rolled back on its first tick (a promotion can win the race: Flagger checks skipAnalysis before the gate).
ROLLBACK_GATE_CLOSED_WHEN = frozenset(str(p) for p in (Phase.SUCCEEDED, Phase.FAILED))
# skipAnalysis left set would wave the next release through unanalysed.
SKIP_ANALYSIS_UNSET_WHEN = frozenset(str(p) for p in (Phase.SUCCEEDED, Phase.FAILED))


@dataclass(frozen=True)
class _Rules:
    # Gates that `p` opens, the first one the canary has. The simulation opens only a confirm-promotion gate;
    # on a cluster a confirm-traffic-increase hook also shares the loadtester's gate, so it promotes too.
    promotion_gates: tuple[Gate, ...]
    # The gate `s` toggles instead of spec.suspend when the canary has it; the simulation always uses spec.suspend.
    pause_gate: Gate | None
    # The simulation aims load at the canary's own host, so even l and e need the canary; on a cluster they
    # go to --target whatever is in view.
    load_needs_canary: bool


_RULES: dict[Voice, _Rules] = {
    Voice.SIMULATION: _Rules(
        promotion_gates=(Gate.PROMOTION,),
        pause_gate=None,
        load_needs_canary=True,
    ),
    Voice.CLUSTER: _Rules(
        promotion_gates=(Gate.PROMOTION, Gate.TRAFFIC),
        pause_gate=Gate.TRAFFIC,
        load_needs_canary=False,
    ),
}


def plan(kind: ActionKind, facts: CanaryFacts) -> Plan:
    voice, key = facts.voice, facts.key
    rules = _RULES[voice]
    is_load = kind in (ActionKind.TOGGLE_LOAD, ActionKind.INJECT_ERRORS)
    if not facts.present and (rules.load_needs_canary or not is_load):
        return _refuse(_not_there(voice, key))
    if kind is ActionKind.TOGGLE_LOAD:
        return toggle_load(facts)
    if kind is ActionKind.INJECT_ERRORS:
        return inject_errors(facts)
    if kind in (ActionKind.RELEASE, ActionKind.FAULTY_RELEASE):
        # The effector words a release: only it knows the mechanism (values, patched object, git commit).
        return Plan(steps=(Release(faulty=kind is ActionKind.FAULTY_RELEASE),), outcome=_as_outcome)
    if kind is ActionKind.CHANGE_CONFIG:
        return Plan(steps=(ChangeConfig(),), outcome=_as_outcome)
    if kind is ActionKind.PROMOTE:
        gate = promotion_gate(facts)
        return open_promotion_gate(key, gate, voice) if gate is not None else skip_analysis(key, voice)
    if kind is ActionKind.ABORT:
        if Gate.ROLLBACK not in facts.gates:
            return _refuse(_no_rollback_hook(voice, key))
        return open_rollback_gate(key, voice)
    if kind is ActionKind.TOGGLE_SUSPEND:
        return toggle_suspend(facts)
    return _refuse(f"Unknown action {kind}")


def promotion_gate(facts: CanaryFacts) -> Gate | None:
    """The gate `p` opens on this canary, or None: then `p` sets spec.skipAnalysis."""
    return next((g for g in _RULES[facts.voice].promotion_gates if g in facts.gates), None)


def pause_gate(facts: CanaryFacts) -> Gate | None:
    """The gate `s` toggles on this canary, or None: then `s` toggles spec.suspend."""
    gate = _RULES[facts.voice].pause_gate
    return gate if gate is not None and gate in facts.gates else None


def open_promotion_gate(key: CanaryKey, gate: Gate, voice: Voice) -> Plan:
    follow_up = FollowUp(key, CloseGate(gate), PROMOTION_GATE_CLOSED_WHEN, "close the promotion gate")
    if voice is Voice.SIMULATION:
        said = f"Promotion gate opened for {key}: promotes at the next tick once at max weight"
    else:
        said = f"Promotion gate opened for {key}; closed again once promotion starts"
    return Plan(steps=(OpenGate(gate),), follow_ups=(follow_up,), outcome=Outcome(True, said))


def skip_analysis(key: CanaryKey, voice: Voice) -> Plan:
    follow_up = FollowUp(key, SetSkipAnalysis(False), SKIP_ANALYSIS_UNSET_WHEN, "unset spec.skipAnalysis")
    if voice is Voice.SIMULATION:
        said = (
            f"Promoting {key} now: spec.skipAnalysis=true skips the rest of the analysis "
            "(unset again after the promotion)"
        )
    else:
        said = f"Promoting {key}: spec.skipAnalysis=true. {SKIP_ANALYSIS_WARNING}"
    return Plan(steps=(SetSkipAnalysis(True),), follow_ups=(follow_up,), outcome=Outcome(True, said))


def open_rollback_gate(key: CanaryKey, voice: Voice) -> Plan:
    follow_up = FollowUp(key, CloseGate(Gate.ROLLBACK), ROLLBACK_GATE_CLOSED_WHEN, "close the rollback gate")
    tick = "next analysis tick" if voice is Voice.SIMULATION else "next tick"
    said = f"Rollback gate opened: Flagger rolls back {key} at its {tick}"
    return Plan(steps=(OpenGate(Gate.ROLLBACK),), follow_ups=(follow_up,), outcome=Outcome(True, said))


def toggle_suspend(facts: CanaryFacts) -> Plan:
    key = facts.key
    gate = pause_gate(facts)
    if gate is not None:

        def said(now_open: bool) -> Outcome:
            if now_open:
                return Outcome(True, f"Resumed {key}: the traffic-increase gate is open")
            return Outcome(True, f"Paused {key}: the traffic-increase gate is closed, weights stay as they are")

        return Plan(steps=(ToggleGate(gate),), outcome=said)
    suspend = not facts.suspended
    if facts.voice is Voice.SIMULATION:
        text = f"Suspended {key}: Flagger skips it every tick, routing stays as it is" if suspend else f"Resumed {key}"
    elif suspend:
        text = f"Suspended {key} (spec.suspend=true): Flagger skips it, routing stays as it is"
    else:
        text = f"Resumed {key} (spec.suspend unset)"
    return Plan(steps=(SetSuspend(suspend),), outcome=Outcome(True, text))


def toggle_load(facts: CanaryFacts) -> Plan:
    sim = facts.voice is Voice.SIMULATION
    if facts.background_on:
        if sim:
            text = "Background load off: without traffic Flagger halts with 'no values found'"
        else:
            text = "Background load stopped"
        return Plan(steps=(StopLoad(Load.BACKGROUND),), outcome=Outcome(True, text))
    load = facts.background
    assert load is not None, "the effector describes the background load it would start"
    where = f"delay {load.delay}" if sim else f"against {load.url}"
    text = f"Background load on: -c {load.concurrency} -q {load.rate:g} {where}"
    return Plan(steps=(StartLoad(Load.BACKGROUND),), outcome=Outcome(True, text))


def inject_errors(facts: CanaryFacts) -> Plan:
    # Two injections at once would double the error rate.
    if facts.errors_running:
        return Plan(outcome=errors_already_running(facts.errors_left_s))
    load = facts.errors
    assert load is not None, "the effector describes the error injection it would start"
    if facts.voice is Voice.SIMULATION:
        duration = f" -z {load.duration_s:g}s" if load.duration_s else ""
        where = f"status={load.status} delay {load.delay}"
    else:
        duration = f" -z {int(load.duration_s)}s" if load.duration_s else ""
        where = f"against {load.url}"
    text = f"Injecting errors: -c {load.concurrency} -q {load.rate:g}{duration} {where}"
    return Plan(steps=(StartLoad(Load.ERRORS),), outcome=Outcome(True, text))


def _not_there(voice: Voice, key: CanaryKey) -> str:
    if voice is Voice.SIMULATION:
        return f"{key} is not part of this simulation"
    return f"{key} is not in view any more"


def _no_rollback_hook(voice: Voice, key: CanaryKey) -> str:
    if voice is Voice.SIMULATION:
        return (
            f"Abort needs a rollback webhook (flagger-loadtester /rollback/check) on {key}; "
            "this scenario has none (the 'demo' and 'gated' scenarios do)"
        )
    return (
        f"Abort needs a rollback webhook on {key} pointing at a flagger-loadtester's "
        "/rollback/check (the demo chart's loadtester.enabled adds one)"
    )


def _refuse(message: str) -> Plan:
    return Plan(outcome=Outcome(False, message))


def _as_outcome(result: Outcome) -> Outcome:
    return result
