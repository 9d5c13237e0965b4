"""What the overview says instead of an empty table: why there is no row, as a sentence with what to do."""

from __future__ import annotations

from textual.content import Content

from tui.domain.allowed_scopes import AllowedScopes, allowed_names, allowed_text
from tui.domain.fleet import Fleet
from tui.domain.model import Health, SourceHealth
from tui.domain.state import AppState
from widgets.problems import problem


def empty_scope(fleet: Fleet, scope: str = "in scope") -> Content:
    """Why the table is empty, as a sentence per context: refused (with the hint `-n`), not installed, none there
    yet, or the first list still on its way."""
    lines = []
    for context in fleet.contexts:
        state = fleet.state_of(context)
        where = f"{context}: " if fleet.several else ""
        health = state.health.get("canaries")
        refused = problem(state, "canaries")
        if refused is not None and health is not None and health.state == Health.FORBIDDEN:
            lines.append(Content.styled(where + forbidden_sentence(health.detail, state.allowed_scopes), "$error"))
        elif refused is not None:
            lines.append(Content.styled(where + f"Canaries cannot be listed: {refused}.", "$error"))
        elif health is not None and health.state == Health.CONNECTED:
            lines.append(
                Content.styled(where + f"No Canary {scope}: none to show until one is created.", "$text-muted")
            )
        else:
            lines.append(Content.styled(where + "Waiting for a Canary in scope…", "$text-muted"))
    return Content("\n").join(lines)


def forbidden_sentence(detail: str, allowed: AllowedScopes | None = None) -> str:
    """A refused list of Canaries as a sentence with what to do: `-A` needs cluster-wide rights, `-n` does not;
    with every namespace refused, the namespaces found to allow it (once checked)."""
    everywhere = "all namespaces" in detail or "cluster" in detail or " in " not in detail
    scope = "in every namespace" if everywhere else f"in {detail.rsplit(' in ', 1)[-1]}"
    if everywhere and allowed is not None:
        return f"You may not list Canaries {scope} ({detail}). {allowed_text(allowed)}"
    hint = (
        "Watch a namespace you may read with -n NAMESPACE."
        if everywhere
        else "Try another namespace with -n NAMESPACE, or ask for list and watch on canaries.flagger.app."
    )
    return f"You may not list Canaries {scope} ({detail}). {hint}"


def scope_of(mode: str) -> str:
    """`in apps`, `in all namespaces` from a source's label (`cluster kind · apps`); `in scope` otherwise."""
    if mode.startswith("cluster ") and " · " in mode:
        return "in " + mode.rsplit(" · ", 1)[1]
    return "in scope"


def trouble_line(context: str, worst: SourceHealth, state: AppState) -> str:
    """A troubled context's line above the overview: its worst source and why; a refused `-A` with the namespaces
    found to allow it."""
    allowed = state.allowed_scopes
    if worst.source == "canaries" and worst.state is Health.FORBIDDEN and allowed is not None and allowed.namespaces:
        # The hint first: on a narrow screen the line is cut from the end.
        names = allowed_names(allowed)
        return f"{context}: Canaries refused in every namespace; try -n {allowed.namespaces[0]} (allowed in {names})"
    return f"{context}: {worst.source} {worst.state.value}" + (f": {worst.detail}" if worst.detail else "")
