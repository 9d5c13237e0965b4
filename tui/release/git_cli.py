"""Run the `git` command line for a release: no prompts, English messages, one deadline for all commands."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tui.release.redact import redact

# The commands a release runs print a few lines; only the tail of anything longer is kept.
_MAX_OUTPUT = 64 * 1024
_CLEANUP_S = 10.0
_TERM_GRACE_S = 3.0


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def last_error_line(self) -> str:
        """git's own last stderr line, without `hint:` advice, credentials removed."""
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith("hint:")] or lines
        return redact(lines[-1]) if lines else ""


class GitTimeout(Exception):
    def __init__(self, args: tuple[str, ...], seconds: float) -> None:
        super().__init__(f"git {args[0]} did not finish within {seconds:g}s")


class GitMissing(Exception):
    pass


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"  # stable English messages to show and to read
    env["GIT_TERMINAL_PROMPT"] = "0"  # a missing credential fails instead of waiting on a prompt
    env["GIT_LITERAL_PATHSPECS"] = "1"  # a file name with `*` or `:` is a name, not a pattern
    env.pop("GIT_DIR", None)  # the checkout given is the one to use
    env.pop("GIT_WORK_TREE", None)
    return env


class Git:
    """`git -C <cwd> ...` with a shared deadline, so one release never blocks longer than its timeout."""

    def __init__(self, cwd: Path, timeout_s: float) -> None:
        if shutil.which("git") is None:
            raise GitMissing("the git command is not installed")
        self.cwd = cwd
        self.timeout_s = timeout_s
        self._deadline = time.monotonic() + timeout_s
        self._env = _environment()

    def run(self, *args: str, config: tuple[str, ...] = (), cleanup: bool = False) -> GitResult:
        """`cleanup` runs outside the deadline (with its own short limit), to undo a step that ran out of time."""
        remaining = _CLEANUP_S if cleanup else self._deadline - time.monotonic()
        if remaining <= 0:
            raise GitTimeout(args, self.timeout_s)
        options = [item for pair in config for item in ("-c", pair)]
        # A new session has no controlling terminal, so ssh cannot ask for a passphrase on the user's screen;
        # it also makes the whole group (git, ssh, remote helpers) killable on timeout.
        proc = subprocess.Popen(
            ["git", *options, *args],
            cwd=self.cwd,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            _stop(proc)
            raise GitTimeout(args, self.timeout_s) from None
        return GitResult(proc.returncode, _text(out), _text(err))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM first: git removes its lock files (.git/index.lock) on it, SIGKILL would leave them behind."""
    for sig, wait_s in ((signal.SIGTERM, _TERM_GRACE_S), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.communicate(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def _text(data: bytes) -> str:
    return data[-_MAX_OUTPUT:].decode("utf-8", errors="replace")
