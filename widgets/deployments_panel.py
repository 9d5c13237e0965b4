"""Deployments: the target (runs the canary), its -primary copy, replicas and what tells revisions apart."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size
from textual.content import Content

from tui.domain import wording
from tui.domain.model import DeploymentInfo
from tui.domain.names import primary_name
from tui.domain.state import AppState
from widgets.panel import StatePanel
from widgets.problems import healths, problem


def revision_text(dep: DeploymentInfo, values: dict[str, str] | None = None) -> str:
    """ECHO_VALUE (what examiner answers) or the image; a faulty build shows its error rate."""
    values = (
        values
        if values is not None
        else {k: v for k, v in (("ECHO_VALUE", dep.echo_value), ("SERVER_ERROR_RATE", dep.error_rate)) if v is not None}
    )
    echo, errors = values.get("ECHO_VALUE"), values.get("SERVER_ERROR_RATE")
    if echo is not None:
        text = f'"{echo}"'
    elif dep.image:
        text = dep.image.rsplit("/", 1)[-1]
    else:
        text = wording.UNKNOWN
    if errors not in (None, "", "0"):
        text += f" errors {errors}%"
    return text


def _cell(text: str, width: int) -> str:
    # Measured in cells, not characters: an emoji or a CJK character in ECHO_VALUE takes two. A cut text keeps one
    # blank cell before the next column, so `…` never runs into it.
    if cell_len(text) >= width and width > 2:
        return set_cell_size(set_cell_size(text, max(1, width - 2)) + "…", width)
    return set_cell_size(text, width)


def _name_cell(target: str, suffix: str, width: int) -> str:
    """The workload's name in `width` cells: a long target is cut before its `-primary` suffix, which tells the two
    rows apart."""
    if cell_len(target + suffix) < width:
        return set_cell_size(target + suffix, width)
    keep = max(1, width - 2 - cell_len(suffix))
    return set_cell_size(set_cell_size(target, keep) + "…" + suffix, width)


DAEMONSET = "DaemonSet"


class DeploymentsPanel(StatePanel):
    TITLE = "Deployments"

    def _rows(self, state: AppState) -> list[tuple[str, DeploymentInfo | None]]:
        view = state.selected_view
        if view is None:
            return []
        ns, target = view.key.namespace, view.info.target
        return [
            ("primary", state.deployment(ns, primary_name(target))),
            ("canary", state.deployment(ns, target)),
        ]

    def slice_key(self, state: AppState) -> Any:
        rows = self._rows(state)
        ages = tuple(wording.age(state.now - d.created) if d and d.created else None for _, d in rows)
        values = tuple(tuple(sorted(state.revision_values(d).items())) if d else () for _, d in rows)
        view = state.selected_view
        kind = view.info.target_kind if view is not None else None
        health = healths(state, "deployments", "daemonsets")
        return tuple(d for _, d in rows), ages, values, self.size.width, state.selected, kind, health

    def render_state(self, state: AppState) -> Content:
        view = state.selected_view
        daemonsets = view is not None and view.info.target_kind == DAEMONSET
        title = "DaemonSets" if daemonsets else self.TITLE
        if self.border_title != title:
            self.border_title = title  # setting it, even to the same title, repaints the panel
        if view is None:
            return Content.styled("No canary selected", "$text-muted")
        width = max(40, self.content_region.width or 80)
        # A long name is cut (keeping `-primary`) rather than squeezing the revision, which tells releases apart.
        name_w = min(max(cell_len(view.info.target) + 9, 12), max(24, width // 3))
        if self.compact:
            fixed = name_w + 8 + 7 + 11 + 5
            rev_w = max(8, width - fixed)
            header = f"{'NAME':<{name_w}}{'ROLE':<8}{'D/R/U':<7}{'REVISION':<{rev_w}}{'TEMPLATE':<11}AGE"
        else:
            fixed = name_w + 9 + 8 + 6 + 8 + 12 + 5
            rev_w = max(10, width - fixed)
            header = (
                f"{'NAME':<{name_w}}{'ROLE':<9}{'DESIRED':<8}{'READY':<6}{'UPDATED':<8}"
                f"{'REVISION':<{rev_w}}{'TEMPLATE':<12}AGE"
            )
        lines = [Content.styled(header, "$text-muted bold")]
        refused = problem(state, "daemonsets" if daemonsets else "deployments")
        for role, dep in self._rows(state):
            suffix = primary_name(view.info.target)[len(view.info.target) :] if role == "primary" else ""
            name = _name_cell(view.info.target, suffix, name_w)
            role_style = "$primary" if role == "primary" else "$warning"
            if dep is None:
                missing = ("not found", "$text-muted") if refused is None else (refused, "$error")
                lines.append(Content.assemble(name, (_cell(role, 8), role_style), missing))
                continue
            ready_style = "$success" if dep.ready == dep.desired else "$warning"
            template = _cell(dep.template_hash or wording.UNKNOWN, 11 if self.compact else 12)
            age = wording.age(state.now - dep.created) if dep.created else wording.UNKNOWN
            if self.compact:
                counts = f"{wording.number(dep.desired)}/{wording.number(dep.ready)}/{wording.number(dep.updated)}"
                lines.append(
                    Content.assemble(
                        name,
                        (_cell(role, 8), role_style),
                        (_cell(counts, 7), ready_style),
                        _cell(revision_text(dep, state.revision_values(dep)), rev_w),
                        (template, "$text-muted"),
                        age,
                    )
                )
            else:
                lines.append(
                    Content.assemble(
                        name,
                        (_cell(role, 9), role_style),
                        _cell(wording.number(dep.desired), 8),
                        (_cell(wording.number(dep.ready), 6), ready_style),
                        _cell(wording.number(dep.updated), 8),
                        _cell(revision_text(dep, state.revision_values(dep)), rev_w),
                        (template, "$text-muted"),
                        age,
                    )
                )
        return Content("\n").join(lines)
