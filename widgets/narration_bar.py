"""The narration line: what Flagger is doing and why, in plain words (see tui/narration.py). A script's `say`
stands on its own line above it until the next `say`, so the narration stays in view during a talk."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.narration import narrate
from tui.state import AppState
from widgets.panel import StatePanel


class NarrationBar(StatePanel):
    DEFAULT_CSS = """
    NarrationBar { border: none; padding: 0 1; height: auto; max-height: 2; color: $text; }
    NarrationBar.-captioned { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    @staticmethod
    def _notice(state: AppState) -> tuple[str, str] | None:
        if state.notice is not None and state.now < state.notice[2]:
            return state.notice[0], state.notice[1]
        return None

    def slice_key(self, state: AppState) -> Any:
        return state.caption, self._notice(state) or narrate(state)

    def render_state(self, state: AppState) -> Content:
        notice = self._notice(state)
        if notice is not None:
            style = "$warning bold" if notice[1] != "information" else "$accent bold"
            line = Content.assemble(("» ", style), (notice[0], style))
        else:
            line = Content.assemble(("» ", "$accent bold"), (narrate(state), "italic"))
        # One line each for the caption and the narration, cut with an ellipsis rather than wrapped.
        self.set_class(state.caption is not None, "-captioned")
        if state.caption is None:
            return line
        return Content.assemble(("❝ ", "$accent bold"), (state.caption, "bold"), "\n", line)
