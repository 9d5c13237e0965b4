"""The one sentence at the top of the analysis view that answers "why": why the canary is halted, waiting, promoted
or rolled back, in terms of its own checks and webhooks and Flagger's own events of the current release.

Rollback times come from the source's forecast when it has one, else from the interval: Flagger counts a failed
check at each tick and rolls back at the first tick that finds the count at the threshold (scheduler.go:430-440).
"""

from __future__ import annotations

from tui.domain import facts, wording
from tui.domain.check_failures import HOOK, CheckFailure, counts_by_check, counts_text, release_log
from tui.domain.current_warning import current_warning, from_last_tick
from tui.domain.flagger.messages import classify
from tui.domain.forecast import forecast_line
from tui.domain.model import CanaryKey, Check, FlaggerEvent, Phase
from tui.domain.state import AppState, CanaryView

_GATES = {
    "approval-halt": "confirm-rollout",
    "traffic-increase-halt": "confirm-traffic-increase",
    "promotion-halt": "confirm-promotion",
}


def why(state: AppState, key: CanaryKey | None) -> str:
    """The sentence for canary `key` (the followed one, usually)."""
    if key is None:
        return "No canary selected."
    view = state.canaries.get(key)
    if view is None:
        if state.deleted is not None and state.deleted[0] == key:
            return f"Deleted at {wording.clock(state.deleted[1])}: Flagger no longer analyses {key}."
        return f"{key} is not in scope."
    return _Why(state, view).sentence()


def times(n: int) -> str:
    return "time" if n == 1 else "times"


class _Why:
    def __init__(self, state: AppState, view: CanaryView) -> None:
        self.state = state
        self.view = view
        self.now = state.now
        self.log = release_log(state, view)
        self.found = self.log.failures
        self.checks = {check.name: check for check in view.info.analysis.checks}

    def check(self, name: str) -> Check | None:
        return self.checks.get(name)

    def sentence(self) -> str:
        view, phase = self.view, self.view.info.phase
        if view.info.deleting:
            return "Being deleted: Flagger runs its finalizer and stops analysing it."
        if view.info.suspend:
            return "Suspended: Flagger skips every tick until spec.suspend is unset."
        if phase == Phase.FAILED:
            return self._failed()
        if phase == Phase.SUCCEEDED:
            return self._succeeded()
        gate = self._gate()
        if gate is not None:
            return gate
        if phase == Phase.PROGRESSING:
            return self._progressing()
        if phase in (Phase.PROMOTING, Phase.FINALISING):
            return f"{phase}: every check passed; Flagger copies the canary's spec to the primary."
        if phase == Phase.WAITING:
            return "Waiting: Flagger starts the analysis at its next tick."
        if phase == Phase.INITIALIZED:
            return "Initialized: no analysis runs until the target changes."
        if phase in (Phase.TERMINATING, Phase.TERMINATED):
            return f"{phase}: Flagger no longer analyses it."
        return "Initializing: Flagger is creating the primary; no check runs yet."

    # --- rolled back, promoted ------------------------------------------------------------------------------

    def _cause(self) -> str:
        """`threshold`, `manual`, `deadline` or `` from the release's events, newest first."""
        failed_at: float | None = None
        for event, kind in reversed(self.log.events):
            if kind.kind == "threshold-rollback":
                return "threshold"
            if kind.kind == "manual-rollback":
                return "manual"
            if kind.kind == "canary-failed" and failed_at is None:
                failed_at = event.t
            if kind.kind == "canary-not-ready" and failed_at is not None and failed_at - event.t <= 1.0:
                return "deadline"  # the readiness warning in the very tick of the rollback (scheduler.go:354-361)
        return ""

    def _finished_at(self, kind: str) -> str:
        """` at 12:05:30`: when the release ended, from Flagger's last event of that kind (else the phase's)."""
        at = next((e.t for e, found in reversed(self.log.events) if found.kind == kind), None)
        at = at if at is not None else self.view.phase_since
        return f" at {wording.clock(at)}" if at is not None else ""

    def _failed(self) -> str:
        when = self._finished_at("canary-failed")
        cause = self._cause()
        if cause == "manual":
            return f"Failed{when}: rolled back by the rollback webhook."
        if cause == "deadline":
            return f"Failed{when}: the canary was not ready within its progress deadline."
        failed = self.view.sticky_failed_checks or len(self.found)
        if not failed:
            return f"Failed{when}: rolled back."
        counts = counts_text(self._counts())
        by = f" ({counts})" if counts else ""
        return f"Failed{when}: rolled back after {wording.checks(failed)}{by}."

    def _succeeded(self) -> str:
        when = self._finished_at("promotion-completed")
        if not self.log.events:
            return f"Succeeded{when}: the primary runs the promoted revision."  # no event of the release was seen
        if not self.found:
            return f"Succeeded{when}: every check passed; the primary runs the new revision."
        on_the_way = f"{wording.checks(len(self.found))} on the way ({counts_text(self._counts())})"
        return f"Succeeded{when}: promoted with {on_the_way}."

    def _counts(self) -> dict[str, int]:
        return counts_by_check(self.found)

    # --- waiting at a gate ----------------------------------------------------------------------------------

    def _gate(self) -> str | None:
        warning = current_warning(self.view)
        if warning is None:
            return None
        kind = classify(warning.message)
        gate = _GATES.get(kind.kind)
        if gate is None:
            return None
        hook = kind.values.get("hook", "").strip()
        return f"Waiting for approval ({gate} {hook})." if hook else f"Waiting for approval ({gate})."

    # --- analysing ------------------------------------------------------------------------------------------

    def _next_tick(self) -> float | None:
        wait = self.view.next_tick_in(self.now)
        return None if wait is None else self.now + wait

    def _halted_now(self) -> tuple[FlaggerEvent, CheckFailure] | None:
        """The failure Flagger reported at its latest tick, if any."""
        if not self.found or not self.view.info.failed_checks:
            return None
        event, failure = self.found[-1]
        return (event, failure) if from_last_tick(self.view, event) else None

    def _rollback_at(self, failed: int, threshold: int) -> float | None:
        forecast = self.state.forecasts.get(self.view.key)
        if forecast is not None and forecast.rollback_at is not None:
            return forecast.rollback_at
        next_tick = self._next_tick()
        if next_tick is None:
            return None
        return next_tick + max(0, threshold - failed) * self.view.interval_s

    def _progressing(self) -> str:
        view = self.view
        failed = max(view.info.failed_checks or 0, len(self.found))
        threshold = view.threshold or 1
        next_tick = self._next_tick()
        halted = self._halted_now()
        if halted is not None:
            _event, failure = halted
            by = sum(1 for _e, f in self.found if f.check == failure.check)
            what = failure.comparison(self.check(failure.check))
            name = failure.check
            if failure.what == HOOK:
                name, what = f"the {failure.hook_label} {failure.check}", failure.detail or "failed"
            head = f"Halted {by} of {failed} {times(failed)} by {name}: {what}."
            left = threshold - failed
            at = self._rollback_at(failed, threshold)
            when = f" at {wording.clock(at)}" if at is not None else ""
            if left <= 0:
                return f"{head} Flagger rolls back at its next tick{when.replace(' at', ',')}."
            more = "One more" if left == 1 else f"{left} more"
            return f"{head} {more} and Flagger rolls back{when}."
        passed = f"every check passed at {wording.clock(view.last_tick_at)}" if view.last_tick_at else "no tick seen"
        parts = [f"Progressing: {passed}"]
        if next_tick is not None:
            parts.append(f"next tick {wording.clock(next_tick)}")
        if failed:
            parts.append(f"{failed} of {threshold} failed checks so far")
        forecast = forecast_line(self.state.forecasts.get(view.key))
        if forecast and facts.is_analysing(view.info.phase):
            parts.append(forecast)
        return "; ".join(parts) + "."
