"""One sentence in plain words: what Flagger is doing with the canary, and why. Derived from state only.

Every claim about a value and its threshold is the comparison Flagger makes (tui/domain/flagger/checks.py): after a halt
the sentence quotes the value Flagger compared (from its own message); otherwise it speaks of the latest sample,
computed over the metric interval as Flagger does, as what the next check would find. Each sentence comes in
forms from long to short, so that a narrow line shows a whole sentence rather than a cut one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.cells import cell_len

from tui.domain import facts, wording
from tui.domain.current_warning import current_warning, from_last_tick
from tui.domain.flagger.checks import duration_fails, success_rate_fails
from tui.domain.flagger.messages import classify, no_values_check
from tui.domain.flagger.strategy import Strategy
from tui.domain.model import FlaggerEvent, MetricSample, Phase
from tui.domain.names import primary_name
from tui.domain.progress import about, eta_s, progress
from tui.domain.state import AppState, CanaryView

# Samples older than this many analysis intervals no longer stand for now (as on the metrics panel).
STALE_INTERVALS = 3
# How far back the cause of a rollback is looked for among the canary's own events.
CAUSE_LOOKBACK = 64
# Events of one tick are recorded within this many seconds of each other (ticks are at least 10 s apart).
SAME_TICK_S = 3.0


@dataclass(frozen=True)
class Narration:
    """One sentence in forms from longest to shortest; `keep` leading characters of the shortest carry its claim."""

    forms: tuple[str, ...]
    keep: int = 0
    # Cells a countdown in the sentence may still grow by before the next tick: a form is chosen as if it had,
    # so the line does not switch forms as the countdown shrinks from 30s to 9s.
    slack: int = 0

    @property
    def text(self) -> str:
        return self.forms[0]

    def fitted(self, width: int) -> str:
        """The longest form that fits `width` cells; else the shortest, cut at a word and ended with `…`."""
        for form in self.forms:
            if cell_len(form) + self.slack <= width:
                return form
        if cell_len(self.forms[-1]) <= width:
            return self.forms[-1]
        if width <= 1:
            return wording.ELLIPSIS[:width]
        shortest = self.forms[-1]
        limit = width - 1
        space = shortest.rfind(" ", self.keep, limit + 1)
        cut = space if space > 0 and space >= self.keep else limit
        return shortest[:cut].rstrip(" ,;:—") + wording.ELLIPSIS


def _one(*forms: str, keep: int = 0) -> Narration:
    unique = tuple(dict.fromkeys(forms))
    return Narration(unique, keep)


# --- facts ------------------------------------------------------------------------------------------------


def _latest_sample(state: AppState, view: CanaryView) -> MetricSample | None:
    """The canary's newest sample, if it was taken since Flagger's latest tick (before it, the weight differed)."""
    series = facts.canary_series(state, view)
    if not series or state.now - series[-1].t > STALE_INTERVALS * view.interval_s:
        return None
    if view.last_tick_at is not None and series[-1].t < view.last_tick_at:
        return None
    return series[-1]


# --- what Flagger said -------------------------------------------------------------------------------------


def halt_reason(event: FlaggerEvent) -> str | None:
    """The failed check a Halt names, with the value Flagger compared and its bound."""
    kind = classify(event.message)
    values = kind.values
    if kind.kind == "success-rate-halt":
        below = values.get("op") == "<"
        try:
            printed, bound = float(values["value"]), float(values["bound"])
        except ValueError:
            return f"success rate {values['value']} % is {'below' if below else 'above'} {values['bound']} %"
        # Flagger compared the unrounded value and printed it rounded: 98.996 < 99 reads "99.00% < 99%".
        if below and printed >= bound:
            printed -= 0.01
        elif not below and printed <= bound:
            printed += 0.01
        return f"success rate {wording.success_rate(printed)} is {'below' if below else 'above'} {values['bound']} %"
    if kind.kind == "duration-halt":
        word = "above" if values.get("op") == ">" else "below"
        return f"p99 latency {values['value']} is {word} {values['bound']}"
    if kind.kind == "metric-halt":
        word = "below" if values.get("op") == "<" else "above"
        return f"{values['check']} {values['value']} is {word} {values['bound']}"
    if kind.kind == "no-values":
        custom = no_values_check(kind)
        if custom is not None:
            return f"{custom}: no values found"
        return "no traffic reached the canary (Flagger found no metric values)"
    if kind.kind in HOOK_HALT_KINDS:
        return f"{HOOK_HALT_KINDS[kind.kind]} check {values.get('hook', '?')} failed"
    return None


# The hooks whose failure counts as a failed check (scheduler.go:455, 462), by how Flagger names them.
HOOK_HALT_KINDS = {"pre-rollout-halt": "pre-rollout", "external-check-halt": "rollout"}


def _rollback_cause(state: AppState, view: CanaryView) -> str:
    """`threshold`, `manual`, `deadline` or `` from the canary's events since the release began."""
    seen = 0
    failed_at: float | None = None
    for logged in reversed(state.events):
        event = logged.event
        if event.name != view.key.name or event.namespace != view.key.namespace:
            continue
        seen += 1
        if seen > CAUSE_LOOKBACK:
            break
        kind = classify(event.message)
        if kind.kind == "threshold-rollback":
            return "threshold"
        if kind.kind == "manual-rollback":
            return "manual"
        if kind.kind == "canary-failed" and failed_at is None:
            failed_at = event.t
        if kind.kind == "canary-not-ready" and "progress deadline" in kind.values.get("reason", ""):
            return "deadline"
        # Flagger never says "progress deadline exceeded" (its branch is unreachable): a deadline is the readiness
        # warning in the very tick of `Canary failed!`, with no threshold reached (scheduler.go:354-361, 432-437).
        if kind.kind == "canary-not-ready" and failed_at is not None and failed_at - event.t <= SAME_TICK_S:
            return "deadline"
        if kind.kind in ("new-revision", "restart"):
            break
    return ""


# --- the sentences -----------------------------------------------------------------------------------------


def narrate(state: AppState, *, read_only: bool = False) -> str:
    """The full sentence."""
    return narration(state, read_only=read_only).text


def narration(state: AppState, *, read_only: bool = False) -> Narration:
    view = state.selected_view
    if view is None and state.deleted is not None and state.deleted[0] == state.selected:
        key, at = state.deleted
        pick = " (n or o picks another)" if state.canaries else ""
        return _one(
            f"{key.name} was deleted at {wording.clock(at)[:5]}: {key} is gone from the cluster{pick}.",
            f"{key.name} was deleted at {wording.clock(at)[:5]}{pick}.",
            f"{key.name} was deleted at {wording.clock(at)[:5]}.",
            keep=len(key.name),
        )
    if view is None:
        return _one("No canary in scope yet." if not state.canaries else "Choose a canary to follow.")
    return _Narrator(state, view, read_only).sentence()


class _Narrator:
    def __init__(self, state: AppState, view: CanaryView, read_only: bool) -> None:
        self.state = state
        self.view = view
        self.read_only = read_only
        info = view.info
        self.key = info.target
        self.primary = primary_name(info.target)
        self.router = state.router_for(view)
        self.weight = facts.canary_weight(state, view)[0] or 0
        self.progress = progress(state, view)
        next_tick = view.next_tick_in(state.now)
        self.countdown = wording.duration(next_tick) if next_tick is not None else None
        self.soon = f" in {self.countdown}" if self.countdown else ""

    def sentence(self) -> Narration:
        sentence = self._sentence()
        if not self.countdown or not any(self.countdown in form for form in sentence.forms):
            return sentence
        widest = wording.duration(self.view.interval_s)
        return replace(sentence, slack=max(0, len(widest) - len(self.countdown)))

    def _sentence(self) -> Narration:
        info = self.view.info
        phase = info.phase
        if phase == Phase.TERMINATING or phase == Phase.TERMINATED or info.deleting:
            return self._deleting()
        if info.suspend:
            return self._suspended()
        if phase is None:
            return self._no_phase()
        if phase in facts.STARTING_PHASES:
            return _one(
                f"Flagger is creating {self.primary} and taking over the traffic for {self.key}.",
                f"Flagger is creating {self.primary}.",
            )
        pending = self._revision_pending()
        if pending and facts.is_resting(phase):
            return _one(
                f"{self.key}'s pod template changed: Flagger picks up the new revision at its next tick{self.soon}.",
                f"New revision of {self.key}: Flagger picks it up at its next tick{self.soon}.",
                f"New revision: Flagger picks it up{self.soon}.",
            )
        if pending and facts.is_analysing(phase):
            return _one(
                f"A newer revision of {self.key} was applied: Flagger restarts the analysis at its next tick"
                f"{self.soon}, with all traffic back on {self.primary}.",
                f"A newer revision of {self.key} was applied: Flagger restarts the analysis{self.soon}.",
                f"Newer revision: Flagger restarts the analysis{self.soon}.",
            )
        if phase == Phase.INITIALIZED:
            press = "" if self.read_only else " (press r)"
            return _one(
                f"{self.primary} serves all traffic. A change to {self.key}'s pod template starts a canary "
                f"analysis{press}.",
                f"{self.primary} serves all traffic{press}.",
                f"{self.primary} serves all traffic.",
            )
        if phase == Phase.WAITING:
            return _one(
                f"A new revision of {self.key} waits for approval before the analysis starts (confirm-rollout gate).",
                f"{self.key} waits for confirm-rollout approval.",
            )
        if facts.is_analysing(phase):
            halt = self._current_halt()
            if halt is not None:
                return halt
            if phase == Phase.WAITING_PROMOTION:
                return self._waiting_promotion()
            return self._progressing()
        if phase == Phase.PROMOTING:
            # An A/B route's weights are those of its match rule, not a share of all traffic.
            known = self._primary_known() and self.progress.strategy is not Strategy.AB
            share = f" (primary at {self.router.primary_weight} %)" if known else ""
            return _one(
                f"Analysis passed: the new version is copied to {self.primary} and traffic moves back to it{share}.",
                f"Analysis passed: traffic moves back to {self.primary}{share}.",
                f"Promoting{share}.",
            )
        if phase == Phase.FINALISING:
            return _one(
                f"All traffic is back on {self.primary}; Flagger scales {self.key} down at its next tick{self.soon}.",
                f"All traffic is on {self.primary}; {self.key} scales down{self.soon}.",
            )
        if phase == Phase.SUCCEEDED:
            return _one(f"Promoted: {self.primary} now runs the new version.", "Promoted.")
        if phase == Phase.FAILED:
            return self._failed()
        return _one(f"{self.key} is {phase}.")

    # --- facts -----------------------------------------------------------------------------------------------

    def _primary_known(self) -> bool:
        return self.router is not None and self.router.primary_weight is not None

    def _revision_pending(self) -> bool:
        """The target changed after Flagger took up its revision, and Flagger's next tick has not come yet."""
        changed = self.view.revision_changed_at
        if changed is None:
            return False
        # A change Flagger ignores (a revert to the promoted spec) must not be announced for ever.
        wait = self.view.next_tick_in(changed)
        deadline = changed + (wait if wait is not None else self.view.interval_s) + self.view.interval_s / 2
        return self.state.now <= deadline

    def _current_halt(self) -> Narration | None:
        """A check failed at Flagger's latest tick: name it, with the value Flagger compared."""
        failed = self.view.info.failed_checks or 0
        halt = self.view.last_halt
        if not failed or halt is None:
            return None
        kind = classify(halt.message).kind
        # A failing pre-rollout hook holds the canary at 0 % tick after tick; the Events API may show its repeated
        # halt with the time of the first one, so it still explains the count while nothing has moved.
        holding = kind == "pre-rollout-halt" and self.weight == 0
        if not holding and not from_last_tick(self.view, halt):
            return None
        reason = halt_reason(halt)
        if reason is None:
            return None
        threshold = self.view.threshold or 1
        left = threshold - failed
        if kind in HOOK_HALT_KINDS:
            return self._hook_halt(reason, failed, threshold, left)
        if left <= 0:
            tail, short = f"Flagger rolls back at its next tick{self.soon}.", f"Flagger rolls back{self.soon}."
        elif left == 1:
            tail, short = "one more and Flagger rolls back.", "one more rolls back."
        else:
            tail, short = f"{left} more and Flagger rolls back.", f"{left} more roll back."
        where, brief = self._where()
        head = f"{where}: {reason}"
        shortest = f"{brief}: {reason} ({failed}/{threshold} failed)"
        return _one(
            f"{head}, failed check {failed} of {threshold} — {tail}",
            f"{head}, failed check {failed} of {threshold} — {short}",
            f"{head} ({failed}/{threshold} failed).",
            shortest,
            keep=len(f"{brief}: {reason}"),
        )

    def _hook_halt(self, reason: str, failed: int, threshold: int, left: int) -> Narration:
        """A webhook failed: counted like any check, at any weight, so the next failures roll back."""
        if left <= 0:
            tail, short = f"Flagger rolls back at its next tick{self.soon}.", f"rolls back{self.soon}."
        elif left == 1:
            tail, short = "one more failure rolls back.", "one more rolls back."
        else:
            tail, short = f"{left} more failures roll back.", f"{left} more roll back."
        where, brief = self._where()
        head = f"{where}: {reason}"
        return _one(
            f"{head} {failed} of {threshold}; {tail}",
            f"{head} {failed}/{threshold}; {short}",
            f"{brief}: {reason} {failed}/{threshold}; {short}",
            f"{reason} {failed}/{threshold}.",
            keep=len(reason),
        )

    def _where(self) -> tuple[str, str]:
        """Where the analysis stands, long and short: `Canary at 20 %`, or `A/B test, iteration 4/10`."""
        if not self.progress.by_iterations:
            return f"Canary at {self.weight} %", f"{self.weight} %"
        return f"{_TEST_NAMES[self.progress.strategy]}, iteration {self.progress.counter}", self.progress.counter

    def _forecast(self) -> tuple[str, str, bool] | None:
        """(claim, short claim, passes) about the latest sample, as the next check would judge it."""
        analysis = self.view.info.analysis
        sample = _latest_sample(self.state, self.view)
        if sample is None or (analysis.success_rate_min is None and analysis.duration_max_ms is None):
            return None
        if sample.success_rate is None and analysis.success_rate_min is not None:
            return f"no requests reached {self.key} lately", "no traffic to the canary", False
        rate_min, latency_max = analysis.success_rate_min, analysis.duration_max_ms
        rate = sample.success_rate
        if rate is not None and rate_min is not None and success_rate_fails(rate, rate_min):
            claim = f"success rate {wording.failing_rate(rate, rate_min)} is below {wording.bound(rate_min)}"
            return f"{claim} now", claim, False
        if sample.p99_ms is not None and latency_max is not None and duration_fails(sample.p99_ms, latency_max):
            claim = f"p99 latency {wording.latency(sample.p99_ms)} is above {wording.latency(latency_max)}"
            return f"{claim} now", claim, False
        if sample.success_rate is not None and rate_min is not None:
            claim = f"success rate {wording.success_rate(sample.success_rate)} meets {wording.bound(rate_min)}"
            return f"{claim} now", claim, True
        if sample.p99_ms is not None and latency_max is not None:
            claim = f"p99 latency {wording.latency(sample.p99_ms)} is within {wording.latency(latency_max)}"
            return f"{claim} now", claim, True
        return None

    def _held_at_last_tick(self) -> FlaggerEvent | None:
        """A Warning from Flagger's latest tick that no sentence names (a query that failed, a message of another
        version): that tick did not advance, so no next step may be promised."""
        warning = current_warning(self.view)
        if warning is None or not from_last_tick(self.view, warning):
            return None
        if classify(warning.message).kind in ("traffic-increase-halt", "canary-not-ready"):
            return None
        return warning

    def _held(self, warning: FlaggerEvent, where: str, brief: str, so_far: str) -> Narration:
        said = wording.short_message(" ".join(warning.message.split()), 72)  # one line, whatever it carried
        return _one(
            f"{where}: Flagger did not advance at its last tick ({said}); it tries again at the next tick"
            f"{self.soon}{so_far}.",
            f"{where}: not advanced at the last tick ({said}).",
            f"{where}: not advanced at the last tick.",
            f"{brief}: held at the last tick.",
        )

    def _progressing(self) -> Narration:
        view = self.view
        if self.progress.by_iterations:
            return self._iterating()
        if not self.weight:
            return self._starting()
        warning = current_warning(view)
        kind = classify(warning.message).kind if warning is not None else ""
        if warning is not None and kind == "traffic-increase-halt":
            return _one(
                f"Canary at {self.weight} %: the confirm-traffic-increase gate is closed, so the weight stays; "
                f"Flagger asks again at its next tick{self.soon}.",
                f"Canary at {self.weight} %: the traffic-increase gate holds the weight.",
                f"{self.weight} %: weight held by a gate.",
            )
        if warning is not None and kind == "canary-not-ready":
            return self._not_ready(warning)
        failed = view.info.failed_checks or 0
        so_far = f" ({wording.checks(failed)} of {view.threshold or 1} so far)" if failed else ""
        held = self._held_at_last_tick()
        if held is not None:
            return self._held(held, f"Canary at {self.weight} %", f"{self.weight} %", so_far)
        forecast = self._forecast()
        if forecast is not None and not forecast[2]:
            claim, short, _ = forecast
            return _one(
                f"Canary at {self.weight} %: {claim}, so the check at the next tick{self.soon} fails unless it "
                f"recovers{so_far}.",
                f"Canary at {self.weight} %: {claim}; next check{self.soon}.",
                f"{self.weight} %: {short}.",
                keep=len(f"{self.weight} %: {short}"),
            )
        if self.weight >= view.max_weight or not view.rungs:
            step, brief = f"promotion follows at the next tick{self.soon}", f"promotion{self.soon}"
        else:
            upcoming = next((w for w in view.rungs if w > self.weight), None)
            step = f"next step to {upcoming} %{self.soon}" if upcoming else f"next tick{self.soon}"
            brief = f"next {upcoming} %{self.soon}" if upcoming else f"next tick{self.soon}"
        if forecast is None:
            return _one(
                f"Canary at {self.weight} %: {step} if the checks pass{so_far}.",
                f"Canary at {self.weight} %: {step}.",
                f"{self.weight} %: {brief}.",
            )
        claim, short, _ = forecast
        return _one(
            f"Canary at {self.weight} %: {claim}; {step} if it holds{so_far}.",
            f"Canary at {self.weight} %: {claim}; {step}.",
            f"Canary at {self.weight} %: {short}; {step}.",
            f"Canary at {self.weight} %: {short}; {brief}.",
            f"{self.weight} %: {short}; {brief}.",
        )

    def _starting(self) -> Narration:
        warning = current_warning(self.view)
        if warning is not None and classify(warning.message).kind == "canary-not-ready":
            return self._not_ready(warning)
        if self.view.restarted:
            return _one(
                f"Flagger restarted the analysis for a newer revision of {self.key}: all traffic is on "
                f"{self.primary}, and the analysis starts again at its next tick{self.soon}.",
                f"Analysis restarted for a newer revision of {self.key}; it starts again{self.soon}.",
                f"Analysis restarted; it starts again{self.soon}.",
            )
        return _one(
            f"New revision detected: Flagger has scaled up {self.key} and starts the analysis at its next tick"
            f"{self.soon}.",
            f"New revision: Flagger starts the analysis of {self.key}{self.soon}.",
            f"New revision: analysis starts{self.soon}.",
        )

    def _not_ready(self, warning: FlaggerEvent) -> Narration:
        reason = classify(warning.message).values.get("reason", "")
        return _one(
            f"{self.key} is not ready yet ({reason}); Flagger checks again at its next tick{self.soon}.",
            f"{self.key} is not ready yet; Flagger checks again{self.soon}.",
            f"{self.key} not ready yet.",
        )

    def _waiting_promotion(self) -> Narration:
        w = self.weight
        if self.read_only:
            ask, ask_short = " (its confirm-promotion gate must be opened)", ""
        else:
            ask, ask_short = ": press p", ": press p"
        if self.progress.by_iterations:
            return self._iterations_waiting(ask, ask_short)
        return _one(
            f"Canary at {w} % passed its checks and waits for promotion approval{ask}. Flagger reports weight 0 "
            "meanwhile, but traffic still flows.",
            f"Canary at {w} % waits for promotion approval{ask_short} (status reads weight 0).",
            f"Canary at {w} % waits for promotion approval{ask_short}.",
            f"{w} %: waits for promotion approval.",
        )

    def _deleting(self) -> Narration:
        """The Canary is being deleted: with revertOnDeletion Flagger's finalizer undoes the takeover, once."""
        info = self.view.info
        if info.phase == Phase.TERMINATED:
            return _one(
                f"Terminated: Flagger restored {self.key} and its traffic, and lets the Canary go.",
                "Terminated: the Canary is deleted.",
            )
        if info.phase == Phase.TERMINATING or info.revert_on_deletion:
            return _one(
                f"Terminating (revertOnDeletion): Flagger restores {self.key} as it was and routes all traffic to "
                "it, then removes the Canary; no analysis runs.",
                f"Terminating: Flagger restores {self.key} and routes all traffic to it.",
                f"Terminating: {self.key} gets all traffic back.",
            )
        return _one(
            f"Being deleted: {self.primary} and Flagger's routing go with the Canary; {self.key} stays as it is "
            "(revertOnDeletion is off).",
            f"Being deleted: {self.primary} goes with the Canary.",
        )

    def _no_phase(self) -> Narration:
        """No status.phase: the Promoted condition may still say where Flagger is; without it Flagger has not
        synced the Canary (not running, not watching the namespace, or an invalid spec it only logs)."""
        info = self.view.info
        if info.condition_reason:
            said = f": {info.condition_message}" if info.condition_message else ""
            return _one(
                f"No phase in {self.view.key.name}'s status; its Promoted condition reads "
                f"{info.condition_reason}{said}",
                f"No phase yet; Promoted condition: {info.condition_reason}{said}",
                f"No phase; condition {info.condition_reason}.",
                keep=len("No phase; condition ") + len(info.condition_reason),
            )
        return _one(
            f"Flagger has not synced {self.view.key.name} yet (no status): it may not be running or watching "
            f"{self.view.key.namespace}, or it rejected the spec (only Flagger's log says why).",
            f"Flagger has not synced {self.view.key.name} yet (no status).",
            "No status from Flagger yet.",
        )

    def _suspended(self) -> Narration:
        split = f"{self.router.primary_weight}/{self.router.canary_weight}" if self.router else "as it is"
        if self.progress.strategy is Strategy.AB:
            split = "its A/B routes (matched users on the canary)"
        resume = " until spec.suspend is unset" if self.read_only else " (press s to resume)"
        short = "" if self.read_only else " (s resumes)"
        return _one(
            f"Suspended: Flagger skips {self.key} every tick and traffic stays at {split}{resume}.",
            f"Suspended: Flagger skips {self.key}; traffic stays at {split}{short}.",
            f"Suspended: traffic stays at {split}.",
        )

    def _failed(self) -> Narration:
        view = self.view
        keeps = f": {self.primary} keeps serving the previous version."
        cause = _rollback_cause(self.state, view)
        if cause == "manual":
            return _one(f"Rolled back by the rollback webhook{keeps}", "Rolled back by the rollback webhook.")
        if cause == "deadline":
            return _one(
                f"Rolled back: {self.key} did not become ready within its progress deadline{keeps}",
                f"Rolled back: {self.key} missed its progress deadline.",
            )
        checks = view.sticky_failed_checks
        if not checks:
            return _one(f"Rolled back{keeps}", "Rolled back.")
        halt = view.last_halt
        reason = halt_reason(halt) if halt is not None else None
        head = f"Rolled back after {wording.checks(checks)}"
        if reason is None:
            return _one(f"{head}{keeps}", f"{head}.")
        return _one(f"{head} ({reason}){keeps}", f"{head} ({reason}).", f"Rolled back: {reason}.")

    # --- A/B testing and blue/green: iterations, not weights --------------------------------------------------

    def _audience(self) -> tuple[str, str]:
        """Who the canary serves meanwhile, long and short."""
        p = self.progress
        if p.strategy is Strategy.AB:
            return ", matched users on the canary", ", matched users on the canary"
        if p.on_canary:
            return "all traffic on the canary", "all traffic on the canary"
        if p.mirrored:
            share = f" ({p.mirror_weight} %)" if p.mirror_weight else ""
            return (
                f", the canary gets mirrored copies of requests{share}, {self.primary} still serves everyone",
                ", mirrored to the canary",
            )
        return f" on the canary's own Service, {self.primary} still serves everyone", ", primary serves everyone"

    def _iterating(self) -> Narration:
        p = self.progress
        if not p.iteration and not p.on_canary:
            return self._starting()
        name = _TEST_NAMES[p.strategy]
        audience, audience_short = self._audience()
        counter = p.counter
        lead = f"{name}: iteration {counter}{audience}" if not p.on_canary else f"{name}: {audience}"
        short_lead = f"{name}: {counter}{audience_short}" if not p.on_canary else f"{name}: {audience_short}"
        failed = self.view.info.failed_checks or 0
        so_far = f" ({wording.checks(failed)} of {self.view.threshold or 1} so far)" if failed else ""
        held = self._held_at_last_tick()
        if held is not None:
            return self._held(held, f"{name}, iteration {counter}", counter, so_far)
        forecast = self._forecast()
        if forecast is not None and not forecast[2]:
            claim, short, _ = forecast
            return _one(
                f"{lead}; {claim}, so the check at the next tick{self.soon} fails unless it recovers{so_far}.",
                f"{short_lead}; {claim}; next check{self.soon}.",
                f"{counter}: {short}.",
                keep=len(f"{counter}: {short}"),
            )
        step, brief = self._next_move()
        claims = [f"; {forecast[0]}"] if forecast is not None else []
        return _one(
            *(f"{lead}{claim}; {step}{so_far}." for claim in claims),
            f"{lead}; {step}{so_far}.",
            f"{lead}; {step}.",
            f"{short_lead}; {brief}.",
            f"{counter}: {brief}.",
        )

    def _next_move(self) -> tuple[str, str]:
        """What the next ticks bring, with an estimate: promotion (A/B, provider kubernetes), or all traffic moved
        to the canary first (blue/green on a mesh)."""
        p = self.progress
        remaining = p.remaining or 0
        if p.on_canary:
            return f"promotion follows at the next tick{self.soon}", f"promotion{self.soon}"
        kubernetes = self.router is None and not self.state.router_kinds_for(self.view)
        routes_first = p.strategy is Strategy.BLUE_GREEN and not kubernetes
        # Blue/green on provider kubernetes spends one silent tick where a mesh routes to the canary.
        checks = remaining + 1 if p.strategy is Strategy.BLUE_GREEN and kubernetes else remaining
        if checks <= 0:
            if routes_first:
                return f"all traffic moves to the canary at the next tick{self.soon}", f"canary next{self.soon}"
            return f"promotion follows at the next tick{self.soon}", f"promotion{self.soon}"
        what = "all traffic moves to the canary" if routes_first else "promotion"
        more = f"{what} after {checks} more check{'' if checks == 1 else 's'}"
        # The forecast (the scheduler run forward) is the one estimate: the panels show the same time.
        ahead = self.state.forecasts.get(self.view.key)
        if ahead is not None and ahead.waits_for is not None:
            return f"{more}, then it waits for approval ({ahead.waits_for})", "then waits for approval"
        if ahead is not None and ahead.promotion_at is not None:
            left = about(max(0.0, ahead.promotion_at - self.state.now))
            return f"{more}; promoted ≈ {wording.clock(ahead.promotion_at)} ({left})", f"promoted {_tilde(left)}"
        estimate = about(eta_s(self.view, checks, self.state.now))
        return (
            f"{what} after {checks} more check{'' if checks == 1 else 's'} ({estimate})",
            f"{'all to the canary' if routes_first else 'promotion'} {estimate.replace('about ', '~')}",
        )

    def _iterations_waiting(self, ask: str, ask_short: str) -> Narration:
        p = self.progress
        name = _TEST_NAMES[p.strategy]
        if p.strategy is Strategy.AB:
            meanwhile, brief = "Matched users stay on the canary meanwhile.", "matched users on the canary"
        elif p.on_canary:
            meanwhile, brief = "All traffic stays on the canary meanwhile.", "all traffic on the canary"
        else:
            meanwhile, brief = f"{self.primary} still serves everyone.", "primary serves everyone"
        return _one(
            f"{name} passed {p.counter} iterations and waits for promotion approval{ask}. {meanwhile}",
            f"{name} passed {p.counter} iterations and waits for promotion approval{ask_short} ({brief}).",
            f"{name} passed {p.counter}, waits for promotion approval{ask_short}.",
            f"{p.counter}: waits for promotion approval.",
        )


def _tilde(estimate: str) -> str:
    return estimate.replace("about ", "~")


_TEST_NAMES = {Strategy.AB: "A/B test", Strategy.BLUE_GREEN: "Blue/green", Strategy.CANARY: "Canary"}
