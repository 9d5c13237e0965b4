"""canaryscope in a real terminal: tmux runs `canaryscope demo`, keys go in, the screen is read back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

TMUX = shutil.which("tmux")
if TMUX is None and os.environ.get("CI"):
    raise RuntimeError("tmux is required in CI (apt-get install tmux)")


def canaryscope_command() -> str:
    script = Path(sys.executable).with_name("canaryscope")
    return str(script) if script.exists() else f"{sys.executable} -m tui"


class Terminal:
    def __init__(self, session: str) -> None:
        self.session = session

    def screen(self) -> str:
        done = subprocess.run([TMUX, "capture-pane", "-p", "-t", self.session], capture_output=True, text=True)
        return done.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([TMUX, "send-keys", "-t", self.session, *keys], check=True)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear within {timeout}s; screen was:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while text in self.screen():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} still on screen after {timeout}s:\n{self.screen()}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return subprocess.run([TMUX, "has-session", "-t", self.session], capture_output=True).returncode == 0


@pytest.fixture
def demo() -> Iterator[Terminal]:
    if TMUX is None:
        pytest.skip("tmux is not installed")
    session = f"canaryscope-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC"}
    command = f"{canaryscope_command()} demo --speed 40 --seed 3 --scenario seed"
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True, env=env)
    terminal = Terminal(session)
    try:
        yield terminal
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)


def test_release_goes_all_the_way_to_succeeded(demo: Terminal) -> None:
    screen = demo.wait_for("Initialized")
    # The first frame with data is whole: every panel's border and title (none left for a later full frame).
    for panel in ("Canary", "Traffic split", "Deployments", "Success rate", "Flagger events", "Load"):
        assert panel in screen
    # The log writes its lines once it knows its width, a frame later.
    demo.wait_for("Initialization done! examiner.apps", timeout=2)
    demo.keys("r")
    demo.wait_for("Progressing")
    screen = demo.wait_for("Advance examiner.apps canary weight 30")
    assert "New revision detected! Scaling up examiner.apps" in screen
    demo.wait_for("✔ Succeeded", timeout=60)
    demo.wait_for("Promotion completed! Scaling down examiner.apps", timeout=10)
    demo.keys("q")
    deadline = time.monotonic() + 10
    while demo.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not demo.alive(), "q quits canaryscope"


def test_help_and_refusals_are_visible(demo: Terminal) -> None:
    demo.wait_for("Initialized")
    demo.keys("p")
    demo.wait_for("Nothing to promote")
    demo.keys("?")
    demo.wait_for("canaryscope keys")
    demo.keys("Escape")
    demo.wait_gone("canaryscope keys")


def test_a_small_terminal_says_so(demo: Terminal) -> None:
    demo.wait_for("Initialized")
    subprocess.run([TMUX, "resize-window", "-t", demo.session, "-x", "60", "-y", "20"], check=True)
    demo.wait_for("Terminal too small")
    subprocess.run([TMUX, "resize-window", "-t", demo.session, "-x", "80", "-y", "24"], check=True)
    demo.wait_for("Traffic split")
    demo.wait_gone("Terminal too small")
    for _ in range(5):
        subprocess.run([TMUX, "resize-window", "-t", demo.session, "-x", "40", "-y", "12"], check=True)
        demo.wait_for("Terminal too small")
        subprocess.run([TMUX, "resize-window", "-t", demo.session, "-x", "120", "-y", "40"], check=True)
        demo.wait_for("Flagger events")
        demo.wait_gone("Terminal too small")
    assert demo.alive()


def test_c_opens_the_analysis_view_and_esc_comes_back(demo: Terminal) -> None:
    demo.wait_for("Initialized")
    demo.keys("c")
    screen = demo.wait_for("Initialized: no analysis runs until the target changes.")
    assert "apps/examiner · " in screen.splitlines()[0] and " · analysis · 2 checks" in screen.splitlines()[0]
    # The header comes first; the check cards are mounted under it a frame or more later.
    for check in ("request-success-rate  min 99%", "request-duration  max 500ms", "Flagger's linkerd query"):
        demo.wait_for(check)
    demo.keys("Escape")
    demo.wait_for("Traffic split")
    demo.wait_gone("analysis · 2 checks")
    assert demo.alive()


@pytest.fixture
def overview_demo() -> Iterator[Terminal]:
    if TMUX is None:
        pytest.skip("tmux is not installed")
    session = f"canaryscope-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC"}
    command = f"{canaryscope_command()} demo --speed 10 --seed 3 --scenario overview"
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True, env=env)
    terminal = Terminal(session)
    try:
        yield terminal
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)


def highlighted(screen: str) -> str:
    """The canary the top line follows: `namespace/name`."""
    top = screen.splitlines()[0] if screen else ""
    return next((word for word in top.split() if "/" in word and "-" in word), "")


def test_enter_and_esc_open_a_canary_every_time_and_come_back_to_its_row(overview_demo: Terminal) -> None:
    demo = overview_demo
    demo.wait_for("why · last event")  # several canaries: the demo starts on the overview
    demo.wait_for("30 ok")
    for round_ in range(6):
        shown = highlighted(demo.screen())
        demo.keys("Down")
        wait_until(lambda shown=shown: highlighted(demo.screen()) not in ("", shown), "the cursor moved")
        before = highlighted(demo.screen())
        assert before not in ("", shown), demo.screen()
        demo.keys("Enter")
        demo.wait_for("Traffic split", timeout=20)
        namespace, _, name = before.partition("/")
        demo.wait_for(f"{namespace}/{name} ", timeout=10)
        demo.keys("Escape")
        demo.wait_for("why · last event", timeout=10)
        demo.wait_gone("Traffic split")
        screen = demo.screen()
        assert highlighted(screen) == before, f"round {round_}: Esc comes back to {before}"
        assert any(f" {name} " in line for line in screen.splitlines()[3:]), "its row is on screen"
    demo.keys("q")


def wait_highlighted(demo: Terminal, wanted: str, timeout: float = 10.0) -> str:
    wait_until(lambda: highlighted(demo.screen()) == wanted, f"the top line following {wanted}", timeout)
    return demo.screen()


def open_and_come_back(demo: Terminal, expected: str) -> None:
    """Enter opens `expected`, Esc comes back to the overview on its row."""
    demo.keys("Enter")
    demo.wait_for("Traffic split", timeout=20)
    wait_highlighted(demo, expected)
    demo.keys("Escape")
    demo.wait_for("why · last event", timeout=10)
    demo.wait_gone("Traffic split")
    wait_highlighted(demo, expected)


def test_enter_and_esc_with_a_filter_in_between_come_back_to_the_row_every_time(overview_demo: Terminal) -> None:
    demo = overview_demo
    demo.wait_for("why · last event")
    demo.wait_for("30 ok")
    for round_ in range(3):
        shown = highlighted(demo.screen())
        demo.keys(*["Down"] * (round_ + 2))
        wait_until(lambda shown=shown: highlighted(demo.screen()) not in ("", shown), "the cursor moved")
        row = highlighted(demo.screen())
        assert row not in ("", shown), demo.screen()
        namespace = row.partition("/")[0]
        other = "identity" if namespace != "identity" else "payments"
        # A filter that hides the row, cleared at once: back on the row, which Enter opens.
        demo.keys("/", other)
        demo.wait_for(f"match “{other}”")
        demo.keys("Escape")
        demo.wait_gone("match “")
        wait_highlighted(demo, row)
        open_and_come_back(demo, row)
        # A filter, Enter on the first match: that match is the row now, with the filter on and once cleared.
        demo.keys("/", other)
        demo.wait_for(f"match “{other}”")
        demo.keys("Enter")
        match = highlighted(demo.screen())
        assert match.startswith(f"{other}/"), demo.screen()
        open_and_come_back(demo, match)
        assert f"match “{other}”" in demo.screen(), "the filter is still on"
        demo.keys("Escape")
        demo.wait_gone("match “")
        wait_highlighted(demo, match)
        open_and_come_back(demo, match)
    demo.keys("q")
