"""The detail view's charts: the same series as the sparklines, as plotext line charts with thresholds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.color import Color, ColorParseError
from textual.content import Content
from textual_plotext import PlotextPlot

from tui.domain.model import MetricSample
from tui.domain.state import METRIC_HISTORY_S

CHART_SPAN_S = METRIC_HISTORY_S
# The theme variables the lines are drawn in, as the metrics panel draws primary and canary; the legend (outside
# the plot, where it cannot cover a line) uses the same ones.
SERIES_COLOURS = (("primary", "primary", "blue"), ("canary", "warning", "orange"))
THRESHOLD_COLOUR = ("error", "red")
THRESHOLD_MARKER = "─"
SHORT_CHART = 10  # rows


def legend() -> Content:
    """The charts' legend, one line above them: the lines' colours and what the x axis counts."""
    parts: list[str | tuple[str, str]] = []
    for role, variable, _ in SERIES_COLOURS:
        parts.extend([(f"{THRESHOLD_MARKER * 2} {role}", f"${variable} bold"), "   "])
    parts.extend([("─ ─ threshold", f"${THRESHOLD_COLOUR[0]} bold"), "   x: minutes ago, now at the right"])
    return Content.assemble(*parts)


def theme_colour(variables: dict[str, str], name: str, fallback: str) -> str | tuple[int, int, int]:
    """A theme colour as plotext takes it (an RGB triple), or a plotext colour name when the theme has none."""
    try:
        colour = Color.parse(variables[name])
    except (KeyError, ColorParseError):
        return fallback
    return fallback if colour.ansi is not None else colour.rgb


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
        self._drawn: tuple = ()
        self._drawn_at: tuple[int, bool] = (0, False)

    def _fit(self) -> tuple[int, bool]:
        """What the drawing depends on in the widget's size: the threshold's dashes and whether x has ticks."""
        width = self.size.width or self.app.size.width
        return max(4, width - 10), 0 < self.size.height < SHORT_CHART

    def render(self) -> RenderResult:
        if self._drawn and self._fit() != self._drawn_at:
            self._draw_plot(*self._drawn)  # drawn before the layout gave this widget its size
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
        data = (now, tuple(primary[-1:]), tuple(canary[-1:]), len(primary), len(canary), threshold, self.app.theme)
        if data == self._data:
            return
        self._data = data
        self._drawn = (now, tuple(primary), tuple(canary), threshold, threshold_label)
        self._draw_plot(*self._drawn)

    def _draw_plot(
        self,
        now: float,
        primary: Sequence[MetricSample],
        canary: Sequence[MetricSample],
        threshold: float | None,
        threshold_label: str,
    ) -> None:
        self._drawn_at = cells, short = self._fit()
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        variables = self.app.theme_variables
        title = self.chart_title
        if threshold is not None:
            title += f" · {threshold_label}"
        oldest = min((s.t for s in (*primary[:1], *canary[:1])), default=now)
        start = max(now - CHART_SPAN_S, oldest)
        drawn_any = False
        for (_role, variable, fallback), series in zip(SERIES_COLOURS, (primary, canary), strict=True):
            colour = theme_colour(variables, variable, fallback)
            # Only what the x range shows: plotext drops points outside it.
            points = [((s.t - now) / 60.0, getattr(s, self.field)) for s in series if start < s.t <= now]
            for xs, ys in segments(points):
                plt.plot(xs, ys, color=colour, marker="braille")
                drawn_any = True
        x_from = (start - now) / 60.0 if start < now else -1.0
        if threshold is not None:
            # Drawn last, dashed: where a series sits on the threshold's row (a primary at 100 % on the row of a 99 %
            # minimum) both stay visible, the series between the dashes.
            xs = [x_from + (0.0 - x_from) * i / (cells - 1) for i in range(0, cells, 2)]
            plt.scatter(xs, [threshold] * len(xs), color=theme_colour(variables, *THRESHOLD_COLOUR), marker="─")
        if short:
            plt.xticks([])  # a short chart keeps its rows for the lines; the legend says what x counts
        plt.xlim(x_from, 0)
        plt.title(title if drawn_any else f"{title} (no data yet)")
        self.refresh()
