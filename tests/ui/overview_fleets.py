"""Hand-built fleets for the overview: thirty canaries over five namespaces in every kind of trouble, one context or
two, and a small app that shows one on the overview as the real app would."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import App

from styles import STYLESHEET
from tests.cluster import objects
from tui.domain.fleet import Fleet
from tui.domain.model import CanaryKey, FlaggerEvent
from tui.domain.observations import CanariesListed, CanarySelected, ClockTick, EventObserved, Observation
from tui.domain.reducer import reduce_all
from tui.domain.state import AppState
from tui.kube.parse import parse_canary
from tui.screens.overview import OverviewScreen

NAMESPACES = ("payments", "checkout", "search", "catalog", "identity")
APPS = ("api", "worker", "frontend", "gateway", "cache", "events")
NOW = 1_772_625_600.0 + 3600  # 2026-03-04 13:00 UTC, an hour after the canaries' lastTransitionTime
T0 = "2026-03-04T12:00:00Z"
T_RECENT = "2026-03-04T12:59:40Z"  # twenty seconds before NOW: not stuck

# (phase, failed checks, lastTransitionTime, last event) by the canary's index; the rest Succeeded.
TROUBLE: dict[int, tuple[str, int, str, str]] = {
    2: ("Failed", 0, "2026-03-04T12:40:00Z", "Canary failed! Scaling down {name}.{ns}"),
    9: ("Failed", 0, "2026-03-04T12:55:00Z", "Rolling back {name}.{ns} failed checks threshold reached 2"),
    4: ("Progressing", 1, T_RECENT, "Halt advancement no values found for linkerd metric request-success-rate"),
    13: ("Progressing", 1, T_RECENT, "Halt {name}.{ns} advancement success rate 87.37% < 99%"),
    7: ("WaitingPromotion", 0, "2026-03-04T12:30:00Z", "Halt {name}.{ns} advancement waiting for promotion approval"),
    20: ("Progressing", 0, "2026-03-04T12:10:00Z", "Advance {name}.{ns} canary weight 20"),
    25: ("Terminating", 0, T_RECENT, "Terminating {name}.{ns}"),
    15: ("Progressing", 0, T_RECENT, "Advance {name}.{ns} canary weight 30"),
    21: ("Promoting", 0, T_RECENT, "Copying {name}.{ns} template spec to {name}-primary.{ns}"),
}


def names() -> list[tuple[str, str]]:
    """(namespace, name) of the thirty, long names among them to be cut."""
    found = []
    for i in range(30):
        namespace = NAMESPACES[i % 5]
        name = f"{APPS[i % 6]}-{i:02d}"
        if i in (12, 13):
            name = f"payments-gateway-eu-west-{i}"
        found.append((namespace, name))
    return found


def mixed_state(count: int = 30, offset: int = 0) -> AppState:
    """`count` canaries, the troubled ones as TROUBLE says (indexes shifted by `offset`), at NOW."""
    infos = []
    events: list[Observation] = []
    for i, (namespace, name) in enumerate(names()[:count]):
        phase, failed, transition, message = TROUBLE.get(i + offset, ("Succeeded", 0, T0, ""))
        info = parse_canary(objects.canary(name, namespace, phase=phase, failed=failed, transition=transition))
        if i + offset == 13:
            info = replace(info, failed_checks=1)
        infos.append(info)
        text = message.format(name=name, ns=namespace) or f"Promotion completed! Scaling down {name}.{namespace}"
        kind = "Warning" if phase in ("Failed", "Progressing") and failed else "Normal"
        events.append(EventObserved(FlaggerEvent(NOW - 30, namespace, name, kind, text)))
    observations: list[Observation] = [CanariesListed(tuple(infos), None, NOW), *events, ClockTick(NOW)]
    state = reduce_all(AppState(), observations)
    return reduce_all(state, [CanarySelected(state_first(state))])


def state_first(state: AppState) -> CanaryKey:
    return sorted(state.canaries)[0]


def two_contexts() -> Fleet:
    return Fleet({"eu-west-1": mixed_state(18), "us-east-1": mixed_state(12, offset=3)})


class OverviewApp(App[None]):
    """The overview alone, fed a fleet as the app feeds it (apply folds selections into the first state)."""

    CSS_PATH = str(STYLESHEET)

    def __init__(self, fleet: Fleet, theme: str = "textual-dark") -> None:
        super().__init__()
        self.fleet = fleet
        first = fleet.contexts[0]
        self.state = fleet.state_of(first)
        self._first = first
        self.theme = theme
        self.opened: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(OverviewScreen("test"))

    def apply(self, observations: list[Observation]) -> None:
        self.state = reduce_all(self.state, observations)
        self.fleet = Fleet({**self.fleet.states, self._first: self.state})
        show = getattr(self.screen, "show_fleet", None)
        if show is not None:
            show(self.fleet)

    def select_in(self, context: str, key: CanaryKey) -> None:
        """The hook the overview calls for a row of a context other than the local one."""
        if context == self._first:
            self.apply([CanarySelected(key)])

    def open_rollout(self) -> None:
        self.opened.append(self.state.selected)
