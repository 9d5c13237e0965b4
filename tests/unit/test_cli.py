"""The command line refuses mistakes with one line and exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["demo", "--speed", "0"], "--speed: must be above 0"),
        (["demo", "--speed", "fast"], "--speed: expected a number, got 'fast'"),
        (["demo", "--seed", "-1"], "--seed: must not be negative"),
        (["demo", "--scenario", "{tmp}/no/such/file.yaml"], "{tmp}/no/such/file.yaml: no such file"),
        (["demo", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["examiner", "--kubeconfig", "{tmp}/missing/kubeconfig"], "no kubeconfig found at {tmp}/missing/kubeconfig"),
        (["-A", "examiner"], "a CANARY needs one namespace"),
        (["-n", "apps", "-A"], "not allowed with argument"),
        (["--prometheus", "prometheus:9090"], "--prometheus: expected a URL or svc/NAMESPACE/NAME:PORT"),
        (["--logger", "logger"], "--logger: expected NAMESPACE/LABEL-SELECTOR"),
        (["--read-timeout", "1"], "--read-timeout: must be between 5 and 300 seconds"),
        (["-n", "x", "other/examiner"], "names namespace 'other' but -n says 'x'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 2
    err = capsys.readouterr().err
    assert fragment.replace("{tmp}", str(tmp_path)) in err
    assert err.count("\n") == 1 and err.startswith("canaryscope: ")


def test_a_broken_scenario_file_from_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("canaries:\n  - name: examiner\n    analysis: {stepWeight: 0}\n")
    done = run("demo", "--scenario", str(bad))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"canaryscope: scenario {bad}: canaries[0].analysis.stepWeight: must be at least 1, got 0"
    )
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_an_unknown_provider_in_a_scenario_file_from_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "contour.yaml"
    bad.write_text("provider: contour\ncanaries:\n  - name: examiner\n")
    done = run("demo", "--scenario", str(bad))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"canaryscope: scenario {bad}: provider: unknown provider 'contour' "
        "(the simulation speaks: linkerd, istio, gatewayapi, gatewayapi:v1, nginx, kubernetes)"
    )
    assert done.stdout == ""


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("canaryscope ")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["demo", "--record", "out.txt"], "--record: the file should end in .cast"),
        (["demo", "--script", "/no/script.yaml"], "script /no/script.yaml: no such file"),
        (["demo", "--theme", "neon"], "invalid choice: 'neon'"),
        (["demo", "--record", "/proc/forbidden/x.cast"], "--record: cannot write /proc/forbidden/x.cast"),
    ],
)
def test_presenting_options_are_checked_before_the_screen_opens(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("step", "fragment"),
    [
        ("{after: Done, do: quit}", "steps[0].after: unknown phase 'Done'"),
        ("{when: {phase: Failed, weight: high}, do: quit}", "steps[0].when.weight: expected a whole number"),
        ("{after: Failed, timeout: later, do: quit}", "steps[0].timeout: expected a duration"),
    ],
)
def test_a_mistake_in_a_waiting_step_is_one_line_naming_the_key(
    step: str, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "talk.yaml"
    script.write_text(f"steps:\n  - {step}\n")
    assert main(["demo", "--script", str(script)]) == 2
    err = capsys.readouterr().err
    assert f"canaryscope: script {script}: {fragment}" in err and err.count("\n") == 1
