"""Success rate and p99 latency of primary and canary over the last minutes, with Flagger's thresholds."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.domain import facts, metric_notes, wording
from tui.domain.check_failures import counts_by_check, release_failures
from tui.domain.check_rows import CheckRow, custom_check_rows, interval_seconds, measured
from tui.domain.model import CheckKind
from tui.domain.state import AppState, CanaryView
from widgets.panel import StatePanel
from widgets.sparkline import bucketed, sparkline

SPAN_S = 300.0


class MetricsPanel(StatePanel):
    TITLE = "Success rate · latency"

    def slice_key(self, state: AppState) -> Any:
        view = state.selected_view
        if view is None:
            return None
        canary = facts.canary_series(state, view)
        return (
            facts.primary_series(state, view)[-1:],
            canary[-1:],
            len(canary),
            view.info.analysis,
            view.last_halt,
            view.last_tick_at,
            tuple(state.check_values.get(view.info.key, {}).items()),
            view.info.provider,
            state.flagger.mesh_provider,
            state.health.get("prometheus"),
            int(state.now // 5),
            self.size.width,
            self.size.height,
        )

    def render_state(self, state: AppState) -> Content:
        view = state.selected_view
        # The panel judges a canary by its own checks: when it has checks of its own, it is named for them.
        self.border_title = "Checks" if view is not None and _has_own_checks(view) else self.TITLE
        if view is None:
            return Content.styled("No canary selected", "$text-muted")
        success_min, duration_max = facts.thresholds(view)
        width = max(40, self.content_region.width or 80)
        primary, canary = facts.primary_series(state, view), facts.canary_series(state, view)
        templates = metric_notes.templates_note(state, view)
        checks = self._custom_checks(state, view, width)
        if templates is not None and (checks or not any(s.success_rate is not None for s in (*primary, *canary))):
            # The checks are the canary's own queries: no builtin value to wait for, and the rows go to its checks.
            note = Content.styled(wording.shorten(templates, width), "$text-muted")
            return Content("\n").join(self._fit([note, *checks], len(checks)))
        observer = metric_notes.observer(state, view)
        duration_name = observer.duration if observer is not None else "p99"
        label_w, value_w, rps_w, p99_w = 9, 11, 9, 8
        if self.compact:
            spark_total = width - label_w - value_w - rps_w - p99_w - 2
            sr_w, lat_w, rows = max(8, spark_total * 3 // 5), max(6, spark_total * 2 // 5), 1
        else:
            spark_total = width - label_w - value_w - rps_w - p99_w - 4
            # Builtin and custom checks together: one-row sparklines leave the panel's height to the custom rows.
            sr_w, lat_w, rows = max(10, spark_total * 3 // 5), max(8, spark_total * 2 // 5), 1 if checks else 2
        span = f"last {int(SPAN_S // 60)}m"
        # A Canary that lists its metrics is judged only by those: no default bound for a builtin it lacks.
        analysis = view.info.analysis
        rate_judged = templates is None and (not analysis.checks or analysis.success_rate_min is not None)
        lat_judged = templates is None and (not analysis.checks or analysis.duration_max_ms is not None)
        sr_head = f"success rate · {span}" + (f" · min {wording.percent(success_min, 0)}" if rate_judged else "")
        lat_head = duration_name + (f" · max {wording.millis(duration_max)}" if lat_judged else "")
        header = Content.styled(
            f"{'':<{label_w}}{sr_head:<{sr_w + 1 + value_w}}{'req/s':>{rps_w - 1}} {lat_head}",
            "$text-muted bold",
        )
        if templates is not None:
            # Builtin values are shown, but the thresholds that judge this canary are its MetricTemplates'.
            header = Content.styled(wording.shorten(templates, width), "$text-muted")
        lines = [header]
        for role, series in (("primary", primary), ("canary", canary)):
            sr_cols = bucketed(
                [(s.t, s.success_rate) for s in series], now=state.now, span_s=SPAN_S, width=sr_w, pick=min
            )
            lat_cols = bucketed([(s.t, s.p99_ms) for s in series], now=state.now, span_s=SPAN_S, width=lat_w, pick=max)
            low = min([90.0] + [v for v in sr_cols if v is not None])
            high_lat = max([duration_max * 1.2] + [v for v in lat_cols if v is not None])
            sr_lines = sparkline(sr_cols, low=low, high=100.0, rows=rows, bad=lambda v: rate_judged and v < success_min)
            lat_lines = sparkline(
                lat_cols, low=0.0, high=high_lat, rows=rows, bad=lambda v: lat_judged and v > duration_max
            )
            now_sample = facts.latest(series, state.now, facts.stale_after(view, series))
            no_data = False
            if now_sample is None and series and series[-1].success_rate is not None:
                # Values stopped arriving (Prometheus slow or gone): the last one no longer stands for now.
                shown = f"stale {wording.duration(state.now - series[-1].t)}"
                value = Content.styled(f"{shown if len(shown) < value_w else 'stale':<{value_w}}", "$warning")
            elif now_sample is None or now_sample.success_rate is None:
                value = Content.styled(f"{'no data':<{value_w}}", "$text-muted")
                no_data = True
            elif not rate_judged:
                value = Content(f"{wording.percent(now_sample.success_rate):<{value_w}}")
            elif not facts.meets_success_min(now_sample.success_rate, success_min):
                value = Content.styled(f"{wording.percent(now_sample.success_rate) + ' ✖':<{value_w}}", "$error bold")
            else:
                value = Content.styled(f"{wording.percent(now_sample.success_rate) + ' ✔':<{value_w}}", "$success")
            rps = wording.rate(now_sample.rps) if now_sample is not None and now_sample.rps is not None else "–"
            if now_sample is None or now_sample.p99_ms is None:
                p99 = Content.styled(f"{'–':>{p99_w - 1}}", "$text-muted")
            elif lat_judged and now_sample.p99_ms > duration_max:
                p99 = Content.styled(f"{wording.millis(now_sample.p99_ms):>{p99_w - 1}}", "$error bold")
            else:
                p99 = Content(f"{wording.millis(now_sample.p99_ms):>{p99_w - 1}}")
            role_style = "$primary bold" if role == "primary" else "$warning bold"
            if no_data and all(v is None for v in (*sr_cols, *lat_cols)):
                # Nothing to draw for this role: the row says why instead.
                reason = metric_notes.no_data_reason(state, view, role, series)
                lines.extend(Content("") for _ in range(rows - 1))
                lines.append(
                    Content.assemble(
                        (f"{role:<{label_w}}", role_style),
                        (wording.shorten(f"no data · {reason}", width - label_w), "$text-muted"),
                    )
                )
                continue
            for row in range(rows):
                last = row == rows - 1
                lines.append(
                    Content.assemble(
                        (f"{role if last else '':<{label_w}}", role_style),
                        sr_lines[row],
                        " ",
                        value if last else " " * value_w,
                        f"{rps if last else '':>{rps_w - 1}} ",
                        lat_lines[row],
                        " ",
                        p99 if last else "",
                    )
                )
        return Content("\n").join(self._fit([*lines, *checks], len(checks)))

    def _fit(self, lines: list[Content], checks: int) -> list[Content]:
        """The lines the panel's height holds; check rows that do not fit are counted on the last line, never cut
        silently."""
        height = self.content_region.height
        if height <= 0 or len(lines) <= height or checks == 0:
            return lines
        hidden = min(checks, len(lines) - height + 1)
        more = f"… {hidden} more check{'s' if hidden > 1 else ''} ({checks} in all)"
        return [*lines[: len(lines) - hidden], Content.styled(more, "$text-muted")][:height]

    @staticmethod
    def _custom_checks(state: AppState, view: Any, width: int) -> list[Content]:
        """One line per templateRef / query check: its range, its recent values and the latest against that range
        (or why there is none), and Flagger's verdict."""
        narrow = width < 100
        # The template's own namespace/name is left to the analysis view: a row must fit 80 columns unwrapped.
        kind_w, verdict_w, value_w = (0, 20, 10) if narrow else (9, 30, 12)
        spark_w = max(4, width - 17 - kind_w - 15 - value_w - verdict_w - 2)
        lines = []
        for row in custom_check_rows(view, counts_by_check(release_failures(state, view))):
            kind = f"{row.kind:<{kind_w}}" if kind_w else ""
            head = f"{wording.shorten(row.name, 16):<17}{kind}{wording.shorten(row.range, 14):<15}"
            style = "$error bold" if row.failed else "$text-muted"
            verdict = (wording.shorten(row.verdict, verdict_w), style)
            lines.append(Content.assemble((head, "bold"), *_measured(state, view, row, spark_w, value_w), verdict))
        return lines


def _measured(state: AppState, view: Any, row: CheckRow, spark_w: int, value_w: int) -> list[Content | str]:
    """The check's sparkline and latest value (✔/✖ against its own range), or its error across both, in one line."""
    check = row.check
    blank = " " * (spark_w + 1 + value_w + 1)
    if check is None or check.problem is not None:
        return [blank]
    series = state.check_series(view.info.key, check.name)
    latest = series[-1] if series else None
    text, failed = measured(check, latest)
    if latest is not None and latest.value is None:
        width = spark_w + 1 + value_w
        return [Content.styled(f"{wording.shorten(text, width):<{width}}", "$warning"), " "]
    interval = interval_seconds(check)
    points = [(s.at, s.value) for s in series]
    pick = max if check.max is not None else min
    # The clock on screen moves once a second: a value measured since then is still the newest column.
    now = max(state.now, latest.at) if latest is not None else state.now
    cols = bucketed(points, now=now, span_s=interval * spark_w, width=spark_w, pick=pick)
    seen = [v for v in cols if v is not None] + [b for b in (check.min, check.max) if b is not None]
    low = min([0.0, *seen])
    high = max([low + 1e-9, *seen]) * 1.1 if seen else 1.0
    line = sparkline(cols, low=low, high=high, rows=1, bad=check.fails)[0]
    style = "$text-muted" if failed is None else "$error bold" if failed else "$success"
    return [line, " ", Content.styled(f"{wording.shorten(text, value_w):<{value_w}}", style), " "]


def _has_own_checks(view: CanaryView) -> bool:
    return any(check.kind is not CheckKind.BUILTIN for check in view.info.analysis.checks)
