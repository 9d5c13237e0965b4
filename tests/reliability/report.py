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
# Rows in the order of the issue; rows not listed follow, by key.
ORDER = (
    "api-outage-relist",
    "api-outage-health",
    "watch-410",
    "watch-silent",
    "watch-silent-default",
    "watch-internal-error",
    "watch-410-loop",
    "watch-empty-loop",
    "retry-after",
    "watch-trickle",
    "prometheus-trickle",
    "event-flood",
    "tls-untrusted",
    "tls-insecure",
    "prometheus-down",
    "prometheus-slow",
    "prometheus-nan-empty",
    "prometheus-keys",
    "logger-pod-replaced",
    "rbac-403",
    "rbac-403-canaries",
    "crd-missing",
    "resize",
    "parse-canary",
    "parse-deployment",
    "parse-router",
    "parse-events",
    "parse-logger",
    "parse-payload",
    "classify",
    "watch-events",
    "reduce-and-render",
    "question-marks",
    "garbage-app",
    "malformed-inputs",
    "day-memory",
    "day-bounds",
    "screens-memory",
    "no-secrets",
    "echoed-token",
    "echoed-token-file",
    "echoed-exec-plugin",
    "serve/test_serve_auth.py::test_without_the_token_every_request_gets_403_and_nothing_starts",
    "serve/test_serve_auth.py::test_another_local_account_cannot_drive_a_cluster_session",
    "serve/test_serve_auth.py::test_sessions_are_capped_and_one_more_tab_is_told_so",
    "serve/test_serve_auth.py::test_a_prometheus_password_reaches_the_tab_in_its_environment_only",
    "cluster/test_actions.py::test_a_gate_hook_in_another_namespace_is_refused_and_named",
    "cluster/test_actions.py::test_abort_posts_to_the_rollback_hooks_own_service",
    "hostile-wait",
    "hostile-app",
    "hostile-terminal",
    "hostile-markup",
)


def _order(row: Row) -> tuple[int, int, str]:
    index = ORDER.index(row.key) if row.key in ORDER else len(ORDER)
    return SECTIONS.index(row.section), index, row.key


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


# Items of the issue already checked by tests outside tests/reliability: their outcome in this session becomes a
# row here, so the document covers the whole list. Keys are test names without parameters.
COVERED_ELSEWHERE: dict[str, tuple[str, str, str]] = {
    "tests/serve/test_serve_auth.py::test_without_the_token_every_request_gets_403_and_nothing_starts": (
        "Security",
        "`serve`: pages and websockets requested without this start's token, with a wrong one, or no Origin",
        "403 every time and no canaryscope process started; the token printed once and absent from argv",
    ),
    "tests/serve/test_serve_auth.py::test_another_local_account_cannot_drive_a_cluster_session": (
        "Security",
        "`serve` run by root in cluster mode; another local account (nobody) opens the page and the websocket",
        "403 for the page, /ws and guessed tokens; the token in no /proc cmdline or environ nobody can read; "
        "no session and no request but GETs at the API server",
    ),
    "tests/serve/test_serve_auth.py::test_sessions_are_capped_and_one_more_tab_is_told_so": (
        "Security",
        "`serve --max-sessions 1` and a second tab",
        "the second tab's terminal and the page (503) say all sessions are in use; no second process starts",
    ),
    "tests/serve/test_serve_auth.py::test_a_prometheus_password_reaches_the_tab_in_its_environment_only": (
        "Security",
        "`serve -- --prometheus http://admin:PASSWORD@…`",
        "the password in no child's argv, not in serve's output nor the tab's terminal; only in the child's "
        "environment",
    ),
    "tests/cluster/test_actions.py::test_a_gate_hook_in_another_namespace_is_refused_and_named": (
        "Security",
        "a gate hook naming a service in another namespace (http://payments-admin.prod:9000/gate/check)",
        "the confirmation names the service and namespace; nothing is posted with the user's rights",
    ),
    "tests/cluster/test_actions.py::test_abort_posts_to_the_rollback_hooks_own_service": (
        "Security",
        "`a` when the rollback hook names another service than the promotion gate hook",
        "the rollback hook's own service gets /rollback/open; the other gets nothing",
    ),
    "tests/cluster/test_actions.py::test_read_only_sends_nothing_but_gets_and_watches_for_every_key_and_command": (
        "Security",
        "--read-only: every action key and every palette command",
        "requests reaching the API stand-in other than GET/watch; the loadtester and the load target get none",
    ),
    "tests/cluster/test_actions.py::test_every_change_asks_first_and_no_means_nothing_is_sent": (
        "Security",
        "a mutating key on a cluster without --yes",
        "a confirmation naming the change comes first; answering no sends nothing",
    ),
    "tests/cluster/test_actions.py::test_a_target_outside_the_allowed_host_is_refused": (
        "Security",
        "load and error injection aimed outside the configured target host",
        "refused with the host named; nothing sent",
    ),
    "tests/load/test_policy.py::test_bad_urls_are_refused_with_one_line": (
        "Security",
        "load URLs with other schemes (ftp, file, ws, none), other hosts, malformed URLs, credentials in the URL",
        "refused in one line before any request",
    ),
    "tests/load/test_policy.py::test_caps_and_ranges": (
        "Security",
        "load concurrency, rate and duration above their caps",
        "refused, naming the cap and how to raise it",
    ),
    "tests/load/test_policy.py::test_even_raised_limits_have_a_ceiling": (
        "Security",
        "caps raised explicitly beyond their ceiling",
        "refused",
    ),
    "tests/e2e/test_tmux.py::test_a_small_terminal_says_so": (
        "Faults survived",
        "a real terminal (tmux) shrunk below 80x24 and grown back, several times",
        "the too-small notice, then the full layout again",
    ),
    "tests/cluster/test_source.py::test_events_api_aggregation_is_undone_and_merged_with_the_logger": (
        "Faults survived",
        "the same Flagger event from the logger stream and from aggregated Kubernetes Events",
        "shown once; aggregation prefixes removed",
    ),
}


class Report:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.inputs: dict[str, Input] = {}
        self.inputs_replaced = False
        self._elsewhere: dict[str, list[str]] = {}  # test name -> outcomes of its cases

    def observe(self, nodeid: str, when: str, outcome: str) -> None:
        """Called for every test phase (from tests/conftest.py): keeps the outcomes of COVERED_ELSEWHERE tests."""
        name = nodeid.split("[", 1)[0]
        if name not in COVERED_ELSEWHERE or outcome == "skipped":
            return
        if when == "call" or outcome == "failed":
            self._elsewhere.setdefault(name, []).append(outcome)

    def _elsewhere_rows(self) -> dict[str, Row]:
        rows = {}
        for name, outcomes in self._elsewhere.items():
            section, fault, checked = COVERED_ELSEWHERE[name]
            passed = sum(o == "passed" for o in outcomes)
            short = name.removeprefix("tests/")
            measured = f"{passed} of {len(outcomes)} case{'s' if len(outcomes) > 1 else ''} passed"
            rows[short] = Row(section, short, fault, f"{checked} (`{short}`)", measured, "—", passed == len(outcomes))
        return rows

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
        if not self.rows and not self.inputs and not self._elsewhere:
            return
        rows, inputs = self.merged_with(results)
        rows.update(self._elsewhere_rows())
        ordered = sorted(rows.values(), key=_order)
        results.write_text(
            json.dumps(
                {"rows": [asdict(r) for r in ordered], "inputs": {k: asdict(v) for k, v in inputs.items()}},
                indent=1,
                ensure_ascii=False,
            )
            + "\n"
        )
        document.write_text(render(ordered, list(inputs.values())))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(rows: list[Row], inputs: list[Input]) -> str:
    failed = [r for r in rows if not r.ok]
    lines = [
        "# Reliability",
        "",
        "Written by the tests in `tests/reliability/` (run `make reliability`); do not",
        "edit by hand. Every figure was measured over real sockets against the Kubernetes API stand-in",
        "(`tests/standin/`), a real Prometheus behind a fault front (`tests/prom/`), or the embedded simulation,",
        "and is asserted against its budget. Figures are rounded to two significant digits. A row whose test did",
        "not run in the last session (a marker deselected, a binary missing) keeps its last result.",
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


REPORT = Report()
