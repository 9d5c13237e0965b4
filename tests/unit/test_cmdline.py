"""The command-line kit: one-line mistakes, the one duration syntax, Canary references and the subcommand table."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import build_parser, main
from tui.cmdline import registry
from tui.cmdline.duration import DurationError, format_duration, parse_duration
from tui.cmdline.names import CanaryRefError, parse_canary_ref, resolve_namespace
from tui.cmdline.parser import OneLineParser, UsageError, one_line, without_doubled_option

ROOT = Path(__file__).resolve().parents[2]
EVERY_COMMAND = ("demo", "watch", "load", "wait", "serve", "lab", "export")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60)


# --- the one-line parser -------------------------------------------------------------------------------------


def test_a_parser_mistake_raises_one_line_instead_of_exiting() -> None:
    parser = OneLineParser(prog="canaryscope x")
    parser.add_argument("--count", type=int, required=True)
    with pytest.raises(UsageError) as caught:
        parser.parse_args(["--count", "many"])
    assert str(caught.value) == "argument --count: invalid int value: 'many'"
    with pytest.raises(UsageError, match=r"^the following arguments are required: --count$"):
        parser.parse_args([])


def test_the_option_is_named_once_and_the_message_is_one_line() -> None:
    assert without_doubled_option("argument --speed: --speed: expected a number") == "--speed: expected a number"
    assert without_doubled_option("argument -c: invalid int value: 'x'") == "argument -c: invalid int value: 'x'"
    assert one_line("first\n  second\tthird ") == "first second third"


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["demo", "--speed", "x"], 2, "canaryscope: --speed: expected a number, got 'x'\n"),
        (["load"], 2, "canaryscope load: the following arguments are required: url\n"),
        (["lab", "sideways"], 2, "canaryscope lab: argument command: invalid choice: 'sideways' "),
        (
            ["export", "--fps", "many", "a.cast", "b.gif"],
            2,
            "canaryscope export: --fps: expected a number, got 'many'\n",
        ),
        # wait keeps 2 for "not finished in time": its mistakes exit 3
        (["wait"], 3, "canaryscope wait: the following arguments are required: [NAMESPACE/]CANARY\n"),
    ],
)
def test_mistakes_from_a_real_process_are_one_line(args: list[str], code: int, stderr: str) -> None:
    done = run(*args)
    assert done.returncode == code
    assert done.stderr.startswith(stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""


# --- durations -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45", 45),
        ("45s", 45),
        (" 4m ", 240),
        ("1h30m", 5400),
        ("2.5s", 2.5),
        (".5s", 0.5),
        ("1.", 1),
        ("250ms", 0.25),
        ("250µs", 0.00025),
        ("1m0.5s", 60.5),
        ("0", 0),
    ],
)
def test_one_syntax_go_durations_and_bare_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", " ", "soon", "5 m", "1h 30m", "-1s", "+1s", "1e3", "m", "s", ".", "1x", "45ss"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "go", "trimmed"),
    [
        (0, "0s", "0s"),
        (0.25, "250ms", "250ms"),
        (2.5, "2.5s", "2.5s"),
        (45, "45s", "45s"),
        (90, "1m30s", "1m30s"),
        (120, "2m0s", "2m"),
        (3600, "1h0m0s", "1h"),
        (3630, "1h0m30s", "1h0m30s"),
        (7 * 86400, "168h0m0s", "168h"),
    ],
)
def test_format_like_go_and_trimmed(seconds: float, go: str, trimmed: str) -> None:
    assert format_duration(seconds) == go
    assert format_duration(seconds, trim=True) == trimmed


@pytest.mark.parametrize("seconds", [0, 0.001, 0.25, 1, 2.5, 59, 60, 61.5, 3599, 3600, 5400, 90061, 604800])
def test_what_is_formatted_parses_back(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)
    assert parse_duration(format_duration(seconds, trim=True)) == pytest.approx(seconds)


def test_every_caller_takes_the_same_syntax() -> None:
    """--read-timeout took only seconds, scenario strings no bare number; both take the one syntax now."""
    from tui.sim.scenario import from_mapping

    args = build_parser().parse_args(["watch", "--read-timeout", "1m", "--refresh", "2.5s"])
    assert (args.read_timeout, args.refresh) == (60.0, 2.5)
    scenario = from_mapping({"canaries": [{"name": "examiner", "analysis": {"interval": "20"}}], "warmup": "1m30s"})
    assert (scenario.canaries[0].interval_s, scenario.warmup_s) == (20.0, 90.0)
    from tui.export.cli import build_parser as export_parser

    times = export_parser().parse_args(["a.cast", "b.gif", "--from", "1m", "--to", "90", "--idle-limit", "2.5s"])
    assert (times.start, times.end, times.idle_limit) == (60.0, 90.0, 2.5)


# --- NAMESPACE/NAME ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("examiner", (None, "examiner")),
        ("apps/examiner", ("apps", "examiner")),
        ("apps/podinfo.v2-canary", ("apps", "podinfo.v2-canary")),
        ("a" * 63 + "/" + "b" * 253, ("a" * 63, "b" * 253)),
    ],
)
def test_canary_references_that_kubernetes_allows(text: str, expected: tuple[str | None, str]) -> None:
    assert parse_canary_ref(text) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a/b/c", "CANARY: expected NAME or NAMESPACE/NAME, got 'a/b/c'"),
        ("/examiner", "CANARY: expected NAME or NAMESPACE/NAME, got '/examiner'"),
        ("apps/", "CANARY: expected NAME or NAMESPACE/NAME, got 'apps/'"),
        ("", "CANARY: expected NAME or NAMESPACE/NAME, got ''"),
        (None, "CANARY: expected NAME or NAMESPACE/NAME, got None"),
        ("Apps/examiner", "CANARY: 'Apps' is not a namespace name"),
        ("a.b/examiner", "CANARY: 'a.b' is not a namespace name"),
        ("a" * 64 + "/examiner", f"CANARY: '{'a' * 64}' is not a namespace name"),
        ("apps/Examiner", "CANARY: 'Examiner' is not a Canary name"),
        ("apps/-examiner", "CANARY: '-examiner' is not a Canary name"),
        ("apps/examiner.", "CANARY: 'examiner.' is not a Canary name"),
        ("b" * 254, f"CANARY: '{'b' * 254}' is not a Canary name"),
    ],
)
def test_canary_references_refused_with_one_line(value: object, message: str) -> None:
    with pytest.raises(CanaryRefError) as caught:
        parse_canary_ref(value)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_script_needs_the_namespace_and_names_its_key() -> None:
    with pytest.raises(CanaryRefError, match=r"^canary: expected NAMESPACE/NAME, got 'examiner'$"):
        parse_canary_ref("examiner", "canary", need_namespace=True)


def test_the_namespace_of_a_reference_and_of_n_must_agree() -> None:
    assert resolve_namespace("apps/x", "apps", None) == "apps"
    assert resolve_namespace("x", None, "test") == "test"
    assert resolve_namespace("apps/x", "apps", "apps") == "apps"
    assert resolve_namespace("x", None, None) is None
    with pytest.raises(CanaryRefError, match="CANARY 'apps/x' names namespace 'apps' but -n says 'test'"):
        resolve_namespace("apps/x", "apps", "test")


def test_watch_refuses_a_reference_that_cannot_name_a_canary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["a/b/c"]) == 2
    assert capsys.readouterr().err == "canaryscope: CANARY: expected NAME or NAMESPACE/NAME, got 'a/b/c'\n"
    assert main(["apps/Examiner"]) == 2
    assert capsys.readouterr().err.startswith("canaryscope: CANARY: 'Examiner' is not a Canary name")


# --- the subcommand table ------------------------------------------------------------------------------------


def test_the_registry_lists_every_subcommand_and_each_module_registers_its_own() -> None:
    assert registry.names() == EVERY_COMMAND
    for command in registry.commands():
        assert command.help and "\n" not in command.help
        parser = command.build_parser()
        assert parser.prog in (f"canaryscope {command.name}", "canaryscope")
        assert command.tui == (command.name in ("demo", "watch"))


def test_canaryscope_help_lists_every_subcommand_with_its_help() -> None:
    done = run("--help")
    assert done.returncode == 0 and done.stderr == ""
    flat = " ".join(done.stdout.split())
    for command in registry.commands():
        assert f"{command.name} {' '.join(command.help.split())}" in flat


@pytest.mark.parametrize("name", EVERY_COMMAND)
def test_every_subcommand_has_its_own_help(name: str) -> None:
    done = run(name, "--help")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("usage: ") and "--help" in done.stdout


def test_one_command_loads_its_own_module_only() -> None:
    """Starting `canaryscope demo` does not pay for the HTTP clients of load, wait and serve."""
    code = (
        "import sys; from tui.cmdline import registry; registry.command('demo'); "
        "print(sorted(m for m in ('tui.serve', 'tui.load.cli', 'tui.wait.cli', 'tui.lab.cli', 'tui.export.cli') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_cli_and_serve_do_not_import_each_other() -> None:
    assert not {"tui.serve"} & _imported(ROOT / "tui" / "cli.py")
    assert not {"tui.cli"} & _imported(ROOT / "tui" / "serve.py")
    assert not {"tui.sim.scenario"} & _imported(ROOT / "tui" / "app" / "script.py")


def test_serve_serves_only_the_tui(capsys: pytest.CaptureFixture[str]) -> None:
    for words in (["lab"], ["export", "a.cast", "b.gif"], ["wait", "apps/examiner"]):
        assert main(["serve", "--", *words]) == 2
        assert capsys.readouterr().err == (
            f"canaryscope serve: only the TUI can be served (demo or watch), not {words[0]!r}\n"
        )
