"""`python -m tui.release` in a real process against a real bare repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.release.conftest import Repos, git, needs_git
from tests.release.helmrelease import FILE

ROOT = Path(__file__).resolve().parents[2]


pytestmark = needs_git


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.release", *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_a_faulty_release_prints_the_commit_and_the_push(repos: Repos) -> None:
    done = run("--git-repo", str(repos.work), "--git-file", FILE, "--echo", "⛈ faulty 🤘", "--faulty", "10")
    assert done.returncode == 0, done.stderr
    head = git(repos.bare, "rev-parse", "main").strip()
    short = git(repos.bare, "rev-parse", "--short", "main").strip()
    lines = done.stdout.splitlines()
    assert lines[0] == f"commit {head} ({short}) on main"
    assert lines[1] == 'subject examiner: faulty release "⛈ faulty 🤘" (SERVER_ERROR_RATE=10)'
    assert lines[2].startswith("push    pushed to origin/main: ") and lines[2].endswith(f"..{short}")
    values = yaml.safe_load(repos.remote_file())["spec"]["values"]["configuration"]
    assert (values["ECHO_VALUE"], values["SERVER_ERROR_RATE"]) == ("⛈ faulty 🤘", "10")


def test_a_rejected_push_exits_1_with_the_commit_kept(repos: Repos) -> None:
    other = repos.clone("colleague")
    (other / "README.md").write_text("first\n")
    git(other, "commit", "--quiet", "-am", "Colleague")
    git(other, "push", "--quiet", "origin", "main")
    done = run("--git-repo", str(repos.work), "--git-file", FILE, "--set", "REQUEST_DELAY=1000..2500", "-m", "Slow")
    assert done.returncode == 1
    assert done.stdout.splitlines()[2] == (
        f"push    push to origin/main failed: [rejected] (fetch first); "
        f"error: failed to push some refs to '{repos.bare}'"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--git-file", FILE, "--echo", "x"], "release: the following arguments are required: --git-repo"),
        (
            ["--git-repo", "{tmp}/missing", "--git-file", FILE, "--echo", "x"],
            "release: {tmp}/missing is not a directory",
        ),
        (["--git-repo", ".", "--git-file", FILE], "release: nothing to release: give --echo or --set"),
        (["--git-repo", ".", "--git-file", FILE, "--faulty", "10"], "release: --faulty needs --echo"),
        (
            ["--git-repo", ".", "--git-file", FILE, "--set", "NOEQUALS"],
            "release: --set: expected KEY=VALUE, got 'NOEQUALS'",
        ),
        (
            ["--git-repo", ".", "--git-file", FILE, "--echo", "x", "--timeout", "soon"],
            "release: --timeout: expected seconds, got 'soon'",
        ),
    ],
)
def test_mistakes_are_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    done = run(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert (done.returncode, done.stderr, done.stdout) == (2, message.replace("{tmp}", str(tmp_path)) + "\n", "")


def test_a_missing_path_from_the_shell(repos: Repos) -> None:
    done = run("--git-repo", str(repos.work), "--git-file", FILE, "--value-path", "spec.env", "--echo", "x")
    assert (done.returncode, done.stderr) == (2, f"release: spec.env not found in {FILE}: no key 'env' under spec\n")
