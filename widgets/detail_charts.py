"""The detail view's charts: the same series as the sparklines, as plotext line charts with thresholds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from tui.model import MetricSample
from tui.state import METRIC_HISTORY_S

CHART_SPAN_S = METRIC_HISTORY_S


def segments(points: Sequence[tuple[float, float | None]]) -> Iterator[tuple[list[float], list[float]]]:
    """Contiguous runs of known values: a gap in the data stays a gap in the line."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y in points:
        if y is None:
            if xs:
                yield xs, ys
            xs, ys = [], []
            continue
        xs.append(x)
        ys.append(y)
    if xs:
        yield xs, ys


class MetricChart(PlotextPlot):
    """One metric for primary and canary over the last minutes; x is minutes before now."""

    DEFAULT_CSS = "MetricChart { height: 1fr; }"

    def __init__(self, title: str, field: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chart_title = title
        self.field = field
        self._data: tuple = ()

    def render(self) -> RenderResult:
        try:
            return super().render()
        except (ArithmeticError, IndexError, ValueError) as exc:  # a charting bug must not end the app
            return Text(f"{self.chart_title}: this data cannot be drawn ({exc.__class__.__name__})", style="dim")

    def on_unmount(self) -> None:
        # PlotextPlot subscribes to theme changes with a closure over the widget, which keeps the signal's weak key
        # alive: without this every detail screen ever opened would stay in memory.
        self.app.theme_changed_signal.unsubscribe(self)

    def draw(
        self,
        now: float,
        primary: Sequence[MetricSample],
        canary: Sequence[MetricSample],
        threshold: float | None,
        threshold_label: str,
    ) -> None:
        data = (now, tuple(primary[-1:]), tuple(canary[-1:]), len(primary), len(canary), threshold)
        if data == self._data:
            return
        self._data = data
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        title = self.chart_title
        if threshold is not None:
            title += f"  (red line: {threshold_label})"
        plt.title(title)
        plt.xlabel("minutes ago")
        oldest = min((s.t for s in (*primary[:1], *canary[:1])), default=now)
        start = max(now - CHART_SPAN_S, oldest)
        drawn_any = False
        for label, series, color in (("primary", primary, "blue"), ("canary", canary, "orange")):
            # Only what the x range shows: plotext drops points outside it, and a labelled line left without any
            # point (a sample stamped a moment ahead of the screen's clock) made it fail building the legend.
            points = [((s.t - now) / 60.0, getattr(s, self.field)) for s in series if start < s.t <= now]
            first = True
            for xs, ys in segments(points):
                plt.plot(xs, ys, label=label if first else None, color=color, marker="braille")
                first = False
                drawn_any = True
        if threshold is not None:
            plt.hline(threshold, color="red")
        plt.xlim((start - now) / 60.0 if start < now else -1.0, 0)
        if not drawn_any:
            plt.title(f"{title} (no data yet)")
        self.refresh()
