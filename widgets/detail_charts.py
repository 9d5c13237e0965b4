"""The detail view's charts: the same series as the sparklines, as plotext line charts with thresholds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

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
            points = [((s.t - now) / 60.0, getattr(s, self.field)) for s in series if s.t > start]
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
