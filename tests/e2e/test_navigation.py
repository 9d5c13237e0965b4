"""Navigation in a real terminal: every sequence of up to three of o, Enter, Esc, d, ?, z keeps the screen alive
(its top line's clock moves) and lands where tui/app/navigation.py says; the first screen with and without a named
canary, through the command line."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cluster import objects
from tests.e2e.test_tmux import TMUX, Terminal, canaryscope_command
from tests.standin.apiserver import ApiServer
from tui.app import navigation
from tui.app.navigation import moved

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CLOCK = re.compile(r"\b\d\d:\d\d:\d\d\b")
# Bytes as a terminal sends them. Esc goes as CSI 27 u, which Textual reads at once: a bare ESC byte waits out the
# escape delay and would run into the next key (ESC o reads as alt+o).
KEY_BYTES = {"o": "6f", "enter": "0d", "escape": "1b 5b 32 37 75", "d": "64", "question_mark": "3f", "z": "7a"}
KEY_NAMES = tuple(KEY_BYTES)


def shown(screen: str) -> str | None:
    """Which navigation screen is on top, from what the terminal shows."""
    lines = screen.splitlines()
    if "canaryscope keys" in screen:
        return navigation.HELP
    if any(line.lstrip().startswith("namespace") and "primary SR" in line for line in lines):
        return navigation.OVERVIEW
    if lines and "Esc to go back" in lines[0]:
        return navigation.DETAIL
    if "PRIMARY SUCCESS RATE" in screen:
        return navigation.PRESENTATION
    if "Traffic split" in screen:
        return navigation.ROLLOUT
    return None


def top_clock(screen: str) -> str | None:
    found = CLOCK.findall(screen.splitlines()[0]) if screen else []
    return found[-1] if found else None


def wait_screen(term: OwnTerminal, predicate: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = term.screen()
        if predicate(screen):
            return screen
        time.sleep(0.03)
    raise AssertionError(f"{what}: not within {timeout}s; the screen was:\n{screen}")


class OwnTerminal(Terminal):
    """A terminal on a tmux server of its own (no configuration file): nothing else's options or sizes apply."""

    def __init__(self, session: str) -> None:
        super().__init__(session)
        self.server = [str(TMUX), "-L", session, "-f", "/dev/null"]

    def screen(self) -> str:
        done = subprocess.run([*self.server, "capture-pane", "-p", "-t", self.session], capture_output=True, text=True)
        return done.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.server, "send-keys", "-t", self.session, *keys], check=True)

    def alive(self) -> bool:
        done = subprocess.run([*self.server, "has-session", "-t", self.session], capture_output=True)
        return done.returncode == 0


def send(term: OwnTerminal, keys: tuple[str, ...]) -> None:
    data = " ".join(KEY_BYTES[key] for key in keys).split()
    term.keys("-H", *data)


@contextmanager
def tmux(command: str, size: tuple[int, int] = (120, 40)) -> Iterator[OwnTerminal]:
    if TMUX is None:
        pytest.skip("tmux is not installed")
    term = OwnTerminal(f"canaryscope-nav-{uuid.uuid4().hex[:8]}")
    env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC"}
    width, height = size
    args = [*term.server, "new-session", "-d", "-s", term.session, "-x", str(width), "-y", str(height), command]
    subprocess.run(args, check=True, env=env)
    try:
        yield term
    finally:
        subprocess.run([*term.server, "kill-server"], capture_output=True)


def sequences_starting_with(first: str) -> list[tuple[str, ...]]:
    return [(first, *rest) for n in range(3) for rest in itertools.product(KEY_NAMES, repeat=n)]


def ticks(term: OwnTerminal, count: int, what: str) -> str:
    """The screen once the top line's clock has changed `count` times: time passes and reaches the terminal. Keys
    sent before are read by then (the app reads its input within a frame), so this also waits for them."""
    screen = wait_screen(term, lambda s: top_clock(s) is not None, f"{what}: a clock on the top line")
    for _ in range(count):
        before = top_clock(screen)
        screen = wait_screen(term, lambda s, b=before: top_clock(s) not in (None, b), f"{what}: the clock moving")
    return screen


def walk(first: str) -> list[str]:
    """Every sequence that starts with `first`, each from the rollout screen; the problems found."""
    command = f"{canaryscope_command()} demo --speed 20 --seed 3 --scenario {REPO / 'examples' / 'two-canaries.yaml'}"
    with tmux(command) as term:
        wait_screen(term, lambda s: shown(s) == navigation.ROLLOUT and top_clock(s) is not None, "the first frame")
        for sequence in sequences_starting_with(first):
            stack: navigation.Stack = (navigation.ROLLOUT,)
            for key in sequence:
                stack = moved(stack, navigation.KEYS[key])
            send(term, sequence)
            try:
                ticks(term, 2, f"after {sequence}")
                wait_screen(term, lambda s, top=stack[-1]: shown(s) == top, f"{sequence} shows {stack[-1]}")
                ticks(term, 1, f"on {stack[-1]} after {sequence}")
                send(term, ("escape",) * (len(stack) - 1))
                ticks(term, 1, f"Esc after {sequence}")
                wait_screen(term, lambda s: shown(s) == navigation.ROLLOUT, f"the rollout screen after {sequence}")
            except AssertionError as exc:
                # The terminal is in an unknown state: the sequences after this one would only repeat it.
                return [str(exc)]
    return []


def test_every_sequence_of_up_to_three_keys_keeps_the_screen_alive() -> None:
    if TMUX is None:
        pytest.skip("tmux is not installed")
    started = time.monotonic()
    # One terminal per first key, side by side: 6 + 36 + 216 sequences in about a minute on a busy machine.
    with ThreadPoolExecutor(len(KEY_NAMES)) as pool:
        problems = [p for found in pool.map(walk, KEY_NAMES) for p in found]
    assert not problems, "\n\n".join(problems)
    assert sum(len(sequences_starting_with(k)) for k in KEY_NAMES) == 6 + 36 + 216
    print(f"258 sequences in {time.monotonic() - started:.1f} s")


def test_the_demo_opens_the_rollout_screen() -> None:
    with tmux(f"{canaryscope_command()} demo --speed 20 --seed 3") as term:
        screen = wait_screen(term, lambda s: shown(s) is not None and top_clock(s) is not None, "the first frame")
        assert shown(screen) == navigation.ROLLOUT
        assert "apps/examiner" in screen.splitlines()[0]


def watch_command(kubeconfig: Path, *args: str) -> str:
    return f"{canaryscope_command()} --kubeconfig {kubeconfig} --prometheus none --logger none --read-only " + " ".join(
        args
    )


def test_one_canary_in_scope_without_a_name_opens_its_rollout_screen(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary("examiner", "test"))
    with tmux(watch_command(kubeconfig, "-n", "test")) as term:
        screen = wait_screen(term, lambda s: "test/examiner" in s and shown(s) == navigation.ROLLOUT, "its rollout")
        assert "(1 of" not in screen.splitlines()[0]
        send(term, ("o",))
        wait_screen(term, lambda s: shown(s) == navigation.OVERVIEW, "o shows the overview")
        send(term, ("escape",))
        wait_screen(term, lambda s: shown(s) == navigation.ROLLOUT, "Esc comes back")


def test_several_canaries_without_a_name_open_the_overview(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary("examiner", "test"))
    apiserver.put(objects.canary("podinfo", "test"))
    with tmux(watch_command(kubeconfig, "-n", "test")) as term:
        wait_screen(term, lambda s: "podinfo" in s and shown(s) == navigation.OVERVIEW, "the overview with both")
        send(term, ("enter",))
        wait_screen(term, lambda s: shown(s) == navigation.ROLLOUT and "test/examiner (1 of 2)" in s, "Enter opens")
        send(term, ("escape",))
        wait_screen(term, lambda s: shown(s) == navigation.OVERVIEW, "Esc goes back to the overview")


def test_a_named_canary_opens_its_rollout_screen(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.put(objects.canary("examiner", "test"))
    apiserver.put(objects.canary("podinfo", "test"))
    with tmux(watch_command(kubeconfig, "-n", "test", "podinfo")) as term:
        wait_screen(term, lambda s: "test/podinfo" in s and shown(s) == navigation.ROLLOUT, "podinfo's rollout screen")


def test_ctrl_c_quits() -> None:
    with tmux(f"{canaryscope_command()} demo --speed 20 --seed 3") as term:
        wait_screen(term, lambda s: shown(s) == navigation.ROLLOUT, "the first frame")
        term.keys("C-c")
        deadline = time.monotonic() + 10
        while term.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not term.alive(), "ctrl+c quits canaryscope"
