"""Load being sent: each generator with its hey-style parameters, request rate and status counts."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.model import LoadStats
from tui.state import AppState
from widgets import formatting as fmt
from widgets.panel import StatePanel


def parameters(stats: LoadStats) -> str:
    text = f"-c {stats.concurrency} -q {stats.rate_per_worker:g}"
    if stats.duration_s:
        text += f" -z {fmt.duration(stats.duration_s)}"
    return text


def status_counts(stats: LoadStats) -> Content:
    parts: list[str | tuple[str, str]] = []
    for code, count in stats.status_counts:
        if parts:
            parts.append("  ")
        parts.append((f"{code}", "$error bold" if code >= 500 else "$success"))
        parts.append(f" {count}")
    if stats.transport_errors:
        parts.append(("  errors", "$error"))
        parts.append(f" {stats.transport_errors}")
    if not parts:
        parts.append(("no responses yet", "$text-muted"))
    return Content.assemble(*parts)


class LoadPanel(StatePanel):
    TITLE = "Load"

    def slice_key(self, state: AppState) -> Any:
        return tuple(sorted(state.loads.items())), int(state.now), self.compact

    def render_state(self, state: AppState) -> Content:
        if not state.loads:
            return Content.styled("no load running\nl: background load\ne: inject errors", "$text-muted")
        blocks: list[Content] = []
        for stats in sorted(state.loads.values(), key=lambda s: (s.started_at, s.id)):
            elapsed = state.now - stats.started_at
            if stats.duration_s:
                timing = f"{fmt.duration(max(0.0, stats.duration_s - elapsed))} left"
            else:
                timing = f"for {fmt.duration(elapsed)}"
            mark = "▶" if stats.running else "■"
            query = stats.url.split("?", 1)[1] if "?" in stats.url else stats.url
            rates = f"{stats.rps:.1f} req/s · p99 {fmt.millis(stats.p99_ms)}"
            if self.compact:
                blocks.append(
                    Content("\n").join(
                        [
                            Content.assemble((f"{mark} {stats.label}", "bold"), f" · {timing}"),
                            Content.assemble(f" {stats.rps:.1f}/s ", status_counts(stats)),
                        ]
                    )
                )
            else:
                blocks.append(
                    Content("\n").join(
                        [
                            Content.assemble((f"{mark} {stats.label}", "bold"), f" · {timing}"),
                            Content.styled(f"  {parameters(stats)} {query}", "$text-muted"),
                            Content(f"  {rates} · {stats.requests} sent"),
                            Content.assemble("  ", status_counts(stats)),
                        ]
                    )
                )
        return Content("\n").join(blocks)
