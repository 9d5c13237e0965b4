"""The checks panel's rows for the custom checks (templateRef and inline query): each with its own range, the
latest value canaryscope measured for it (tui/cluster/check_poller.py) judged against that range, and Flagger's
verdict on it, read from Flagger's Halt event at its latest tick."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tui.domain.current_warning import from_last_tick
from tui.domain.flagger.gofmt import go_float
from tui.domain.flagger.messages import classify, no_values_check
from tui.domain.model import Check, CheckKind, CheckSample
from tui.domain.state import CanaryView

_INTERVAL = re.compile(r"^([0-9]+)(m|s)$")
MIN_INTERVAL_S = 1.0


def interval_seconds(check: Check) -> float:
    """The check's interval (`30s`, `1m`, as the CRD allows it) in seconds: how often its value is measured."""
    match = _INTERVAL.match(check.interval)
    if match is None:
        return 60.0
    return max(MIN_INTERVAL_S, float(match.group(1)) * (60 if match.group(2) == "m" else 1))


@dataclass(frozen=True)
class CheckRow:
    name: str
    source: str  # `templateRef ns/name` or `query`
    kind: str  # `template`, `query`: a word for a narrow row
    range: str  # `max 1`, `0.5-2` (en dash), or a problem with the check as written
    verdict: str  # Flagger's, in a few words
    failed: bool | None  # True: it halted the latest tick; None: no verdict known
    check: Check | None = None


def range_text(check: Check) -> str:
    if check.min is not None and check.max is not None:
        return f"{go_float(check.min)}–{go_float(check.max)}"
    if check.min is not None:
        return f"min {go_float(check.min)}"
    if check.max is not None:
        return f"max {go_float(check.max)}"
    return "no bound"


def _halted(view: CanaryView) -> tuple[str, str] | None:
    """(check name, what Flagger said of it) when Flagger's latest tick halted on a custom check."""
    halt = view.last_halt
    if halt is None or not from_last_tick(view, halt):
        return None
    found = classify(halt.message)
    if found.kind == "metric-halt":
        values = found.values
        return values["check"], f"✖ {values['value']} {values['op']} {values['bound']}"
    custom = no_values_check(found)
    if custom is not None:
        return custom, "✖ no values found"
    return None


def custom_check_rows(view: CanaryView, halts: Mapping[str, int] | None = None) -> list[CheckRow]:
    """`halts`: how many failed checks each check caused in this release (Flagger's Halt events), so a check that
    halted earlier ticks still says so once the latest tick (or the rollback) has passed."""
    halted = _halted(view)
    rows = []
    for check in view.info.analysis.checks:
        if check.kind is CheckKind.BUILTIN and check.problem is None:
            continue
        template = check.kind is CheckKind.TEMPLATE
        source = f"templateRef {check.template_key}" if template else check.kind.value
        kind = "template" if template else "query" if check.kind is CheckKind.QUERY else "builtin"
        if check.problem is not None:
            rows.append(CheckRow(check.name, source, kind, check.problem, "", True, check))
        elif halted is not None and halted[0] == check.name:
            rows.append(CheckRow(check.name, source, kind, range_text(check), f"{halted[1]} (Flagger)", True, check))
        elif halts and halts.get(check.name):
            verdict = f"halted {halts[check.name]}× this release (Flagger)"
            rows.append(CheckRow(check.name, source, kind, range_text(check), verdict, None, check))
        else:
            rows.append(CheckRow(check.name, source, kind, range_text(check), "no halt from Flagger", None, check))
    return rows


def measured(check: Check, sample: CheckSample | None) -> tuple[str, bool | None]:
    """The latest measured value against the check's own range (`1.30 ✖`), or why there is none, in one line; with
    whether it fails (None: nothing measured yet). An error fails, as Flagger halts on it."""
    if sample is None:
        return "–", None
    if sample.value is None:
        return (sample.error.splitlines()[0] if sample.error else "no value"), True
    failed = check.fails(sample.value)
    return f"{sample.value:.2f} {'✖' if failed else '✔'}", failed
