"""Canary status: phase, weight and step towards the max weight, failed checks, timing of the analysis."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.domain import facts, wording
from tui.domain.current_warning import current_warning
from tui.domain.flagger.messages import classify
from tui.domain.flagger.strategy import Strategy
from tui.domain.flagger.weights import step_position
from tui.domain.forecast import forecast_line, forecast_short
from tui.domain.model import CanaryKey, Phase
from tui.domain.progress import Progress, progress
from tui.domain.state import AppState, CanaryView
from widgets.formatting import phase_label
from widgets.hooks_view import ATTENTION, hook_halt_text, hooks_summary, results_for
from widgets.panel import StatePanel
from widgets.problems import healths, problem


def failed_checks_text(view: CanaryView, *, short: bool = False) -> tuple[str, str]:
    """Failed checks / threshold; after a rollback the last count seen, since Flagger resets it to 0."""
    threshold = wording.number(view.threshold)
    current = view.info.failed_checks
    at_rollback = facts.checks_at_rollback(view)
    if at_rollback is not None:
        if short:
            return f"{at_rollback}/{threshold} at rollback (now {wording.number(current)})", "$error"
        return f"{at_rollback}/{threshold} at rollback (status now reads {wording.number(current)})", "$error"
    if current is None:
        return f"?/{threshold}", "$text-muted"
    style = "$warning bold" if current else "$text"
    return f"{current}/{threshold}", style


def iterations_text(view: CanaryView) -> str:
    """` · iterations n` for Blue/Green and A/B; nothing for the canary strategy, whose counter means nothing (Flagger
    writes -1 there on entering WaitingPromotion). An unreadable counter still reads `?`."""
    iterations = view.info.iterations
    if iterations is not None and not view.info.analysis.iterations:
        return ""
    return f" · iterations {wording.number(iterations)}"


def halt_line(message: str, width: int) -> Content:
    """`⚠ Halt: <what failed>` on one line (the canary is named above); where that does not fit, the short form of
    Flagger's warning that keeps the value and the threshold."""
    room = max(10, width - 2)
    hook_text = hook_halt_text(message, room)
    if hook_text is not None:
        return Content.assemble(("⚠ ", "$warning"), (hook_text, "$warning"))
    kind = classify(message)
    prefix = f"Halt {kind.obj} advancement "
    text = f"Halt: {message[len(prefix) :]}" if kind.obj and message.startswith(prefix) else message
    room = max(10, width - 2)
    if len(text) > room:
        text = wording.short_message(message, room)
    return Content.assemble(("⚠ ", "$warning"), (text, "$warning"))


def stopped_text(view: CanaryView) -> tuple[str, str]:
    """(long, short): why no analysis tick is coming, when none is: the Canary is being deleted (Flagger's ticks
    do nothing then); empty otherwise."""
    info = view.info
    if info.phase == Phase.TERMINATED:
        return "none: the Canary is deleted", "Canary deleted"
    if info.phase == Phase.TERMINATING or (info.deleting and info.revert_on_deletion):
        return "none: reverting the target (revertOnDeletion)", "reverting (revertOnDeletion)"
    if info.deleting:
        return "none: the Canary is being deleted", "being deleted"
    return "", ""


def deleted_text(deleted: tuple[CanaryKey, float], others: bool) -> Content:
    """The followed canary is gone: said where its status was, with when; never another canary in its place."""
    key, at = deleted
    lines = [
        Content.assemble((str(key), "bold"), "   ", ("✘ deleted", "$error bold"), f"  at {wording.clock(at)}"),
        Content("Flagger's events for it stay below."),
        Content.styled("n: next canary · o: overview" if others else "No other canary in scope.", "$text-muted"),
    ]
    return Content("\n").join(lines)


def strategy_line(shown: Progress, *, compact: bool) -> Content:
    """A/B testing and blue/green in place of the weight line (they never write one): `A/B testing · iteration
    4/10`, and for blue/green which side serves."""
    serves = ""
    if shown.strategy is Strategy.BLUE_GREEN:
        serves = " · canary serves" if shown.on_canary else " · primary serves"
    head = "" if compact else "strategy   "
    return Content.assemble(head, (shown.strategy.label, "bold"), " · iteration ", (shown.counter, "bold"), serves)


def forecast_lines(state: AppState, view: CanaryView, label: str, room: int) -> list[Content]:
    """The forecast of the rollout in flight as one line: none when there is nothing to forecast, or no row left
    (a halt line comes first)."""
    text = forecast_line(state.forecasts.get(view.key))
    if not text or room < 1:
        return []
    style = "$warning" if "rollback" in text or "waits" in text else "$text"
    return [Content.assemble(label, (text, style))]


class StatusPanel(StatePanel):
    TITLE = "Canary"

    def slice_key(self, state: AppState) -> Any:
        view = state.selected_view
        if view is None:
            return None, len(state.canaries), healths(state, "canaries"), state.deleted
        return view, state.router_for(view), int(state.now), self.size, state.forecasts.get(view.key)

    def render_state(self, state: AppState) -> Content:
        view = state.selected_view
        if view is None and state.deleted is not None and state.deleted[0] == state.selected:
            return deleted_text(state.deleted, bool(state.canaries))
        if view is None:
            if state.canaries:
                return Content("No canary selected")
            refused = problem(state, "canaries")
            if refused is not None:
                return Content.styled(refused, "$error")
            return Content.styled("Waiting for a Canary in scope…", "$text-muted")
        info = view.info
        phase_text, phase_style = phase_label(info.phase)
        if not info.phase:
            phase_text = (
                f"? unknown · Promoted {info.condition_reason}"
                if info.condition_reason
                else "? unknown (no status yet)"
            )
        weight, status_weight = facts.canary_weight(state, view)
        rungs = view.rungs
        position = step_position(weight, rungs) if weight is not None else None
        step = f"{wording.number(position)}/{len(rungs)}" if rungs else "?"
        failed_text, failed_style = failed_checks_text(view, short=self.compact)
        next_tick = view.next_tick_in(state.now)
        next_text = wording.duration(next_tick) if next_tick is not None else "?"
        stopped, stopped_short = stopped_text(view)
        in_phase = wording.duration(state.now - view.phase_since) if view.phase_since is not None else "?"
        transition = (
            wording.duration(state.now - info.last_transition_time) if info.last_transition_time is not None else "?"
        )
        weight_text = wording.weight(weight)
        status_note = ""
        if status_weight != weight:
            status_note = f" (status.canaryWeight {wording.number(status_weight)})"
        flags: list[tuple[str, str]] = []
        if info.suspend:
            flags.append(("  ॥ suspended", "$warning bold"))
        if info.skip_analysis:
            flags.append(("  ⏭ skipAnalysis", "$warning"))
        shown = progress(state, view)
        iterations = "" if shown.by_iterations else iterations_text(view)
        interval = wording.duration(view.interval_s)
        width = self.content_region.width or 60
        status_short = f" (status {wording.number(status_weight)})" if status_note else ""
        # Hooks that hold the canary (failed, or waiting at a gate) here; every hook is listed on the detail screen.
        hooks = hooks_summary(tuple(r for r in results_for(state, view) if r.outcome in ATTENTION))
        if self.compact:
            failed_line = Content.assemble("failed ", (failed_text, failed_style))
            if iterations and failed_line.cell_length + len(iterations) <= width:
                failed_line += Content(iterations)
            if hooks:
                failed_line = Content.assemble(failed_line, " · hooks ", hooks)
            compact_lines = [
                Content.assemble((str(view.key), "bold"), " ", (phase_text, phase_style), f" {in_phase}", *flags),
                strategy_line(shown, compact=True)
                if shown.by_iterations
                else Content.assemble(
                    "weight ", (weight_text, "bold"), f" of {view.max_weight}% · step {step}", status_short
                ),
                failed_line,
                Content(
                    f"{stopped_short} · changed {transition} ago"
                    if stopped
                    else f"every {interval} · next {next_text} · changed {transition} ago"
                ),
            ]
            room = self.content_region.height - len(compact_lines)
            short = forecast_short(state.forecasts.get(view.key))
            if room < 1 and short and not stopped:
                # No row of its own: the forecast takes the place of the interval and `changed … ago`.
                compact_lines[-1] = Content(f"next {next_text} · {short}")
            compact_lines.extend(forecast_lines(state, view, "", room))
            # Each line is a short form that fits 80 columns; a longer name is cut with `…`, never wrapped.
            return Content("\n").join(line.truncate(width, ellipsis=True) for line in compact_lines)
        weight_line = Content.assemble(
            "weight     ", (weight_text, "bold"), f" of max {view.max_weight}%   step {step}", status_note
        )
        if weight_line.cell_length > width and status_note:
            weight_line = Content.assemble(
                "weight     ", (weight_text, "bold"), f" of max {view.max_weight}%   step {step}", status_short
            )
        if shown.by_iterations:
            weight_line = strategy_line(shown, compact=False).truncate(width, ellipsis=True)
        lines = [
            Content.assemble((str(view.key), "bold"), "   ", (phase_text, phase_style), f"  for {in_phase}", *flags),
            weight_line,
            Content.assemble(
                "checks     failed ", (failed_text, failed_style), *((" · hooks ", hooks) if hooks else ())
            ).truncate(width, ellipsis=True),
            Content(
                f"analysis   {stopped}"
                if stopped
                else f"analysis   every {interval} · next tick in {next_text}{iterations}"
            ),
            Content(f"changed    {transition} ago (status.lastTransitionTime)"),
        ]
        warning = current_warning(view)
        halt = [halt_line(warning.message, width)] if warning is not None else []
        room = self.content_region.height - len(lines) - len(halt)
        lines.extend(line.truncate(width, ellipsis=True) for line in forecast_lines(state, view, "forecast   ", room))
        lines.extend(halt)
        return Content("\n").join(lines)
