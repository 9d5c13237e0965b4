"""Whether an action applies to a canary in its current phase; the reason when it does not.

Shared by every source, so the same key is refused for the same reason in the simulation and on a cluster.
"""

from __future__ import annotations

from tui.actions.base import ActionKind
from tui.domain.model import Phase
from tui.domain.state import CanaryView

_CAN_PROMOTE = {Phase.PROGRESSING, Phase.WAITING_PROMOTION}
_ROLLING_BACK_TOO_LATE = {Phase.PROMOTING, Phase.FINALISING}


def why_not(kind: ActionKind, view: CanaryView | None) -> str | None:
    if kind in (ActionKind.TOGGLE_LOAD, ActionKind.INJECT_ERRORS):
        return None
    if view is None:
        return "No canary selected: there is no canary in scope yet"
    phase = view.info.phase
    name = str(view.key)
    if kind in (ActionKind.RELEASE, ActionKind.FAULTY_RELEASE, ActionKind.CHANGE_CONFIG):
        if phase in (None, Phase.INITIALIZING):
            return f"{name} is still initializing: Flagger has not created the primary yet"
        return None
    if kind is ActionKind.PROMOTE:
        if phase in _CAN_PROMOTE:
            return None
        if phase in _ROLLING_BACK_TOO_LATE:
            return f"{name} is already {phase}: the promotion is under way"
        return f"Nothing to promote: {name} is {phase or 'not initialized'}; press r to release a new version"
    if kind is ActionKind.ABORT:
        if phase in _CAN_PROMOTE:
            return None
        if phase in _ROLLING_BACK_TOO_LATE:
            return (
                f"Too late to abort {name}: it is {phase} "
                "(Flagger rolls back only while Progressing or WaitingPromotion)"
            )
        return f"Nothing to abort: {name} is {phase or 'not initialized'}, no analysis is running"
    return None
