"""Load being sent: each generator with its hey-style parameters, request rate and status counts."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.domain import wording
from tui.domain.model import LoadStats
from tui.domain.state import AppState
from widgets.panel import StatePanel


def parameters(stats: LoadStats) -> str:
    text = f"-c {stats.concurrency} -q {stats.rate_per_worker:g}"
    if stats.duration_s:
        text += f" -z {wording.duration(stats.duration_s)}"
    return text


# A generator that has run its course stays this long as "finished", then leaves the panel.
FINISHED_SHOWN_S = 10.0


def status_counts(stats: LoadStats, width: int = 1000, indent: str = "") -> Content:
    """`200 6850  500 296`, broken between pairs (never between a code and its count) to fit `width`."""
    pairs: list[Content] = []
    for code, count in stats.status_counts:
        pairs.append(Content.assemble((f"{code}", "$error bold" if code >= 500 else "$success"), f" {count}"))
    if stats.transport_errors:
        pairs.append(Content.assemble(("errors", "$error"), f" {stats.transport_errors}"))
    if not pairs:
        return Content.assemble(indent, ("no responses yet", "$text-muted"))
    lines: list[Content] = [Content(indent)]
    for pair in pairs:
        line = lines[-1]
        joined = line + "  " + pair if line.cell_length > len(indent) else line + pair
        if joined.cell_length <= width or line.cell_length <= len(indent):
            lines[-1] = joined
        else:
            lines.append(Content(" " * len(indent)) + pair)
    return Content("\n").join(lines)


def ended_at(stats: LoadStats) -> float | None:
    """When a generator with a duration ends (or ended); None for one that runs until stopped."""
    return stats.started_at + stats.duration_s if stats.duration_s else None


def shown(stats: LoadStats, now: float) -> bool:
    """Running generators, and finished ones for a short moment after their end (a stopped one leaves at once:
    the key that stopped it said so)."""
    if stats.running:
        return True
    end = ended_at(stats)
    return end is not None and now - end < FINISHED_SHOWN_S


class LoadPanel(StatePanel):
    TITLE = "Load"

    def slice_key(self, state: AppState) -> Any:
        return tuple(sorted(state.loads.items())), int(state.now), self.compact, self.size

    def render_state(self, state: AppState) -> Content:
        loads = [s for s in state.loads.values() if shown(s, state.now)]
        if not loads:
            return Content.styled("no load running\nl: background load\ne: inject errors", "$text-muted")
        width = max(10, self.content_region.width or 30)
        blocks: list[Content] = []
        for stats in sorted(loads, key=lambda s: (s.started_at, s.id)):
            elapsed = state.now - stats.started_at
            if not stats.running:
                timing = "finished"
            elif stats.duration_s:
                timing = f"{wording.duration(max(0.0, stats.duration_s - elapsed))} left"
            else:
                timing = f"for {wording.duration(elapsed)}"
            mark = "▶" if stats.running else "■"
            query = stats.url.split("?", 1)[1] if "?" in stats.url else stats.url
            # `error injection` reads `error` where the full label and its timing do not share a line; failing
            # that, the timing moves to its own line rather than wrap mid-phrase.
            for label in (stats.label, stats.label.split(" ")[0]):
                title = Content.assemble((f"{mark} {label}", "bold"), f" · {timing}")
                if title.cell_length <= width:
                    break
            else:
                title = Content.assemble((f"{mark} {stats.label}", "bold"), f"\n  {timing}")
            if self.compact:
                blocks.append(Content("\n").join([title, status_counts(stats, width, indent=f" {stats.rps:.1f}/s ")]))
            else:
                command = f"  {parameters(stats)} {query}"
                if len(command) > width and "&" in query:
                    # The last parameter (`&status=500`) tells an error injection apart: it survives the cut.
                    last = "&" + query.rsplit("&", 1)[1]
                    command = wording.shorten(command[: -len(last)], max(1, width - len(last))) + last
                command = wording.shorten(command, width)
                rates = f"{stats.rps:.1f} req/s · p99 {wording.millis(stats.p99_ms)}"
                sent = f" · {stats.requests} sent"
                rates_line = Content(f"  {rates}{sent}" if len(rates) + len(sent) + 2 <= width else f"  {rates}")
                blocks.append(
                    Content("\n").join(
                        [
                            title,
                            Content.styled(command, "$text-muted"),
                            rates_line,
                            status_counts(stats, width, indent="  "),
                        ]
                    )
                )
        # Newest first when they do not all fit: the one just started matters more than one about to leave.
        rows = self.content_region.height or 1000
        fitting: list[Content] = []
        used = 0
        for block in reversed(blocks):
            height = len(block.plain.split("\n"))
            hidden = len(blocks) - len(fitting) - 1
            if used + height + (1 if hidden else 0) > rows and fitting:
                break
            fitting.insert(0, block)
            used += height
        hidden = len(blocks) - len(fitting)
        if hidden:
            fitting.insert(0, Content.styled(f"… {hidden} more (older)", "$text-muted"))
        return Content("\n").join(fitting)
