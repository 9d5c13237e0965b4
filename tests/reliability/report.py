"""What the reliability tests measured, kept in results.json and rendered as RELIABILITY.md at the repository root.

Each test records its figure before asserting it, so a failure is written down as a failure. Tests that did not
run in a session (a marker deselected, a binary missing) keep their last recorded row.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).with_name("results.json")
DOCUMENT = ROOT / "RELIABILITY.md"

SECTIONS = ("Faults survived", "Bad input", "Long runs", "Security")


@dataclass(frozen=True)
class Row:
    section: str
    key: str  # stable identity; rows are listed in key order within a section
    fault: str
    checked: str
    measured: str
    budget: str
    ok: bool


@dataclass(frozen=True)
class Input:
    kind: str  # "cli", "scenario", "kubeconfig", ...
    what: str
    code: int  # the exit code
    error: str  # the one line on stderr


def round_figure(value: float) -> float:
    """Two significant digits: enough to read a margin, stable enough to commit."""
    if value == 0 or not math.isfinite(value):
        return value
    digits = 1 - math.floor(math.log10(abs(value)))
    return round(value, max(0, digits))


class Report:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.inputs: dict[str, Input] = {}
        self.inputs_replaced = False

    # --- recording -----------------------------------------------------------------------------------------

    def figure(
        self,
        section: str,
        key: str,
        fault: str,
        checked: str,
        value: float,
        budget: float,
        unit: str,
        *,
        at_least: bool = False,
    ) -> bool:
        """Record a measured figure against its budget (at most, or at least); returns whether it holds."""
        ok = value >= budget if at_least else value <= budget
        shown = round_figure(value)
        self.rows[key] = Row(
            section, key, fault, checked, f"{shown:g} {unit}", f"{'≥' if at_least else '≤'} {budget:g} {unit}", ok
        )
        return ok

    def outcome(self, section: str, key: str, fault: str, checked: str, measured: str, ok: bool) -> bool:
        """Record a check whose result is not a number (what was shown, what was refused)."""
        self.rows[key] = Row(section, key, fault, checked, measured, "—", ok)
        return ok

    def tried(self, key: str, kind: str, what: str, code: int, error: str) -> None:
        self.inputs[key] = Input(kind, what, code, error)

    # --- persistence ---------------------------------------------------------------------------------------

    def merged_with(self, path: Path) -> tuple[dict[str, Row], dict[str, Input]]:
        rows: dict[str, Row] = {}
        inputs: dict[str, Input] = {}
        if path.is_file():
            try:
                saved = json.loads(path.read_text())
                rows = {r["key"]: Row(**r) for r in saved.get("rows", [])}
                inputs = {k: Input(**v) for k, v in saved.get("inputs", {}).items()}
            except (ValueError, TypeError, KeyError):
                rows, inputs = {}, {}
        rows.update(self.rows)
        # The malformed-input test tries the whole list each time: its list replaces the saved one.
        inputs = dict(self.inputs) if self.inputs_replaced else {**inputs, **self.inputs}
        return rows, inputs

    def save(self, results: Path = RESULTS, document: Path = DOCUMENT) -> None:
        if not self.rows and not self.inputs:
            return
        rows, inputs = self.merged_with(results)
        ordered = sorted(rows.values(), key=lambda r: (SECTIONS.index(r.section), r.key))
        results.write_text(
            json.dumps(
                {"rows": [asdict(r) for r in ordered], "inputs": {k: asdict(inputs[k]) for k in sorted(inputs)}},
                indent=1,
                ensure_ascii=False,
            )
            + "\n"
        )
        document.write_text(render(ordered, [inputs[k] for k in sorted(inputs)]))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(rows: list[Row], inputs: list[Input]) -> str:
    failed = [r for r in rows if not r.ok]
    lines = [
        "# Reliability",
        "",
        "Written by the tests in `tests/reliability/` (run `.venv/bin/python -m pytest tests/reliability`); do not",
        "edit by hand. Every figure was measured over real sockets against the Kubernetes API stand-in",
        "(`tests/standin/`), a real Prometheus behind a fault front (`tests/prom/`), or the embedded simulation,",
        "and is asserted against its budget. Figures are rounded to two significant digits.",
        "",
        f"{len(rows) - len(failed)} of {len(rows)} checks hold"
        + (f"; failing: {', '.join(r.key for r in failed)}." if failed else "."),
        "",
    ]
    for section in SECTIONS:
        chosen = [r for r in rows if r.section == section]
        if not chosen:
            continue
        lines += [f"## {section}", "", "| fault | what was checked | measured | budget | result |", "|" + "---|" * 5]
        for r in chosen:
            result = "pass" if r.ok else "**FAIL**"
            lines.append(
                f"| {_cell(r.fault)} | {_cell(r.checked)} | {_cell(r.measured)} | {_cell(r.budget)} | {result} |"
            )
        lines.append("")
    if inputs:
        lines += [
            "## Malformed inputs tried",
            "",
            f"{len(inputs)} inputs, each run as `python -m tui …` in its own process; each must exit non-zero with",
            "exactly one line on stderr (shown here) and no traceback.",
            "",
            "| kind | input | exit | stderr |",
            "|---|---|---|---|",
        ]
        for item in inputs:
            error = _cell(item.error).replace("`", "'")
            lines.append(f"| {item.kind} | {_cell(item.what)} | {item.code} | `{error}` |")
        lines.append("")
    return "\n".join(lines)
