"""The narration line: what Flagger is doing and why, in plain words (see tui/domain/narration.py).

Always one line: the longest form of the sentence that fits the width, so no panel below moves. A script's `say`
stands on a line of its own above it until the next `say`, so the narration stays in view during a talk.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.domain.narration import Narration, narration
from tui.domain.state import AppState
from widgets.panel import StatePanel

PROMPT = "» "


class NarrationBar(StatePanel):
    DEFAULT_CSS = """
    NarrationBar { border: none; padding: 0 1; height: 1; color: $text; }
    NarrationBar.-captioned { height: 2; }
    """

    @staticmethod
    def _notice(state: AppState) -> tuple[str, str] | None:
        if state.notice is not None and state.now < state.notice[2]:
            return state.notice[0], state.notice[1]
        return None

    def _read_only(self) -> bool:
        actions = getattr(self.app, "actions", None)
        return bool(getattr(actions, "read_only", False))

    def _width(self) -> int:
        """Cells left for the sentence after the prompt."""
        return max(0, self.content_size.width - len(PROMPT))

    def slice_key(self, state: AppState) -> Any:
        return state.caption, self._notice(state) or narration(state, read_only=self._read_only()), self._width()

    def on_resize(self) -> None:
        state = getattr(self.app, "state", None)
        if isinstance(state, AppState):
            self.show(state)

    def render_state(self, state: AppState) -> Content:
        width = self._width()
        notice = self._notice(state)
        if notice is not None:
            style = "$warning bold" if notice[1] != "information" else "$accent bold"
            text = Narration((notice[0],)).fitted(width)
            line = Content.assemble((PROMPT, style), (text, style))
        else:
            sentence = narration(state, read_only=self._read_only()).fitted(width)
            line = Content.assemble((PROMPT, "$accent bold"), (sentence, "italic"))
        self.set_class(state.caption is not None, "-captioned")
        if state.caption is None:
            return line
        caption = Content.assemble(("❝ ", "$accent bold"), (state.caption, "bold"))
        full = width + len(PROMPT)
        if caption.cell_length > full:
            caption = caption.truncate(full, ellipsis=True)
        return Content.assemble(caption, "\n", line)
