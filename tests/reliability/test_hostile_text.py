"""Hostile text planted in the cluster (names, hooks, env values, logger lines, Kubernetes Events) and served by the
API stand-in to the real kubernetes client: `wait` prints one line per event with nothing a CI runner reads as a
command; the app shows the text literally (never as markup, never as escape sequences) and exports well-formed SVG."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests.cluster import objects
from tests.e2e.test_tmux import canaryscope_command
from tests.reliability.apps import cluster_app, panel, wait_state
from tests.reliability.report import Report
from tests.standin.apiserver import ApiServer
from tests.wait.test_wait import NEW, Flagger, WaitProcess, seed
from tui.base.safe_text import safe_text
from tui.cluster.actions import ClusterActions
from tui.cluster.release import ReleaseConfig
from tui.cluster.source import ClusterOptions
from tui.domain.model import CanaryKey
from tui.load.policy import LoadPolicy
from tui.load.presets import BACKGROUND_LOAD, ERROR_INJECTION
from tui.load.registry import LoadRegistry
from tui.screens.confirm import ConfirmScreen
from tui.screens.presentation import PresentationScreen

SECTION = "Security"
KEY = CanaryKey("test", "examiner")
OSC_TITLE = "\x1b]0;PWNED\x1b\\"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x1b\\"
OSC_LINK = "\x1b]8;;http://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
FORGED = "ok\n2026-03-04T12:00:00Z succeeded test/examiner revision x after 1s\n::error title=Deploy::owned"
ERASE = "erase\r\x1b[1A\x1b[2K"
PLANTED = (f"Title {OSC_TITLE}", f"Clipboard {OSC_CLIPBOARD}", f"Link {OSC_LINK}", FORGED, ERASE, "##vso[task.x]1")
CLICK_HOOK = "[@click=app.act('release')]smoke-test"
MARKUP_TARGET = "[/]examiner"
ECHO = f"v2 👍\U0001f3fd ❤\ufe0f 👨\u200d👩\u200d👧 {OSC_TITLE}\u202eabc"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")
# Characters XML 1.0 does not allow, and C1 controls a terminal may act on.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def well_formed_svg(svg: str) -> list[str]:
    """What is wrong with an SVG document: not XML, or control characters in it."""
    problems = []
    try:
        ET.fromstring(svg)
    except ET.ParseError as exc:
        problems.append(f"not well-formed XML: {exc}")
    if NOT_XML.search(svg):
        problems.append(f"control characters {sorted(set(NOT_XML.findall(svg)))!r}")
    return problems


def test_wait_prints_one_line_per_event_and_nothing_a_ci_runner_reads_as_a_command(
    apiserver: ApiServer, kubeconfig: Path, report: Report
) -> None:
    flagger = Flagger(apiserver, seed(apiserver, phase="Succeeded"))
    wait = WaitProcess(kubeconfig, "test/examiner", "--timeout", "20s")
    wait.wait_for("start test/examiner")
    flagger.new_revision(wait)
    for message in PLANTED:
        flagger.event(message, warning=True)  # to the logger pod's log and as a Kubernetes Event
    flagger.advance(wait, 10)
    flagger.promote(wait, 10)
    code = wait.finish()
    # Read in text mode, a carriage return splits a line too: every line must start with the time.
    unstamped = [line for line in wait.lines if not STAMP.match(line)]
    commands = [line for line in wait.lines if line.lstrip().startswith(("::", "##"))]
    escapes = [line for line in wait.lines if "\x1b" in line or NOT_XML.search(line)]
    bodies = [line.split(" ", 1)[-1] for line in wait.lines]
    succeeded = [line for line in bodies if line.startswith("succeeded ")]
    events = [line for line in bodies if line.startswith("event Warning ")]
    ok = report.outcome(
        SECTION,
        "hostile-wait",
        f"{len(PLANTED)} event messages with OSC 0/52/8, newlines forging a `succeeded` line and a `::error` "
        "workflow command, CR + cursor-up + erase-line, `##vso[`, from the logger pod and as Kubernetes Events",
        "`canaryscope wait` stdout as a CI log reads it: every line starts with its timestamp, one line per event, "
        "no ESC or other control character, no line starting with `::` or `##`",
        f"{len(wait.lines)} lines: {len(unstamped)} unstamped, {len(escapes)} with controls, {len(commands)} "
        f"commands, {len(events)} event lines for {len(PLANTED)} events, {len(succeeded)} `succeeded` line",
        code == 0 and not unstamped and not escapes and not commands and len(events) == len(PLANTED),
    )
    assert code == 0, wait.stderr
    assert not unstamped and not escapes and not commands, wait.lines
    assert len(events) == len(PLANTED), events
    assert len(succeeded) == 1 and succeeded[0].startswith(f"succeeded test/examiner revision {NEW}")
    assert f"event Warning {safe_text(FORGED)}" in bodies
    assert ok


def hostile_cluster(api: ApiServer) -> None:
    """examiner, Progressing with a failed webhook check: a hook named as markup, an ECHO_VALUE with OSC, bidi and
    emoji sequences, and events with every planted sequence, from the logger and as Kubernetes Events."""
    hooks = [{"name": CLICK_HOOK, "type": "pre-rollout", "url": "http://flagger-loadtester.test/"}]
    canary = api.put(objects.canary(phase="Progressing", weight=20, failed=1, hooks=hooks))
    api.put(objects.deployment("examiner", echo=ECHO))
    api.put(objects.deployment("examiner-primary", echo=f"v1 {OSC_CLIPBOARD}"))
    api.put(objects.traffic_split(primary=80, canary_weight=20))
    flagger = Flagger(api, canary)
    for message in PLANTED:
        flagger.event(message, warning=True)
    flagger.event(f"Halt examiner.test advancement pre-rollout check {CLICK_HOOK} failed 500 [/bold]", warning=True)


def cluster_actions(app: Any, source: Any) -> ClusterActions:
    target = "http://127.0.0.1:9/examine"
    return ClusterActions(
        source.connection,
        lambda: app.state,
        served=lambda: source.served,
        release=ReleaseConfig(),
        target_url=target,
        loads=LoadRegistry(LoadPolicy.for_target(target)),
        background=BACKGROUND_LOAD,
        errors=ERROR_INJECTION,
        confirm=True,
    )


async def test_the_app_shows_hostile_text_literally_and_exports_well_formed_svg(
    apiserver: ApiServer, kubeconfig: Path, tmp_path: Path, report: Report
) -> None:
    hostile_cluster(apiserver)
    options = ClusterOptions(prometheus=None, logger=("monitoring", "app.kubernetes.io/name=logger"), read_timeout_s=5)
    app, source = cluster_app(kubeconfig, options)
    app.actions = actions = cluster_actions(app, source)
    app.screenshot_dir = tmp_path / "shots"
    svgs: dict[str, str] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_state(
            pilot,
            app,
            lambda s: KEY in s.canaries and len(s.deployments) == 2 and len(s.events) >= len(PLANTED) + 1,
            "the canary, its deployments and the planted events",
        )
        await pilot.pause(0)
        events = app.rollout_screen.query_one("#events").visible_text()  # type: ignore[attr-defined]
        deployments = panel(app, "#deployments")
        deployments_width = app.rollout_screen.query_one("#deployments").content_region.width
        svgs["rollout"] = app.export_screenshot()
        await pilot.press("ctrl+s")
        await pilot.press("z")
        assert isinstance(app.screen, PresentationScreen)
        narration = str(app.screen.query_one("#p-narration").render())
        svgs["presentation"] = app.export_screenshot()
        await pilot.press("z", "d")
        svgs["detail"] = app.export_screenshot()
        await pilot.press("escape")
        # spec.targetRef.name as markup: in the narration, the detail title, presentation mode and the confirmation.
        changed = objects.canary(phase="Succeeded")
        changed["spec"]["targetRef"]["name"] = MARKUP_TARGET
        apiserver.put(changed)
        await wait_state(pilot, app, lambda s: s.canaries[KEY].info.target == MARKUP_TARGET, "the new target")
        await pilot.press("z")
        narration_target = str(app.screen.query_one("#p-narration").render())
        await pilot.press("z", "r")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#confirm-question").render())
        svgs["confirm"] = app.export_screenshot()
        await pilot.press("n")
        await pilot.press("q")
    source.stop()
    actions.stop()
    saved = list((tmp_path / "shots").glob("*.svg"))
    svgs.update({f"ctrl+s {path.name}": path.read_text() for path in saved})
    bad_svgs = {name: problems for name, svg in svgs.items() if (problems := well_formed_svg(svg))}
    literal = {
        "events": all(safe_text(m).split("⏎")[0] in events for m in PLANTED) and "\x1b" not in events,
        "ECHO_VALUE": "v2 👍 ❤ 👨👩👧 ␛]0;PWNED␛\\abc" in deployments,
        "hook in narration": CLICK_HOOK in narration,
        "target in narration": MARKUP_TARGET in narration_target,
        "target in confirmation": f"Patch Deployment test/{MARKUP_TARGET}:" in question,
    }
    # Every cell counted as the terminal draws it, and every row within the panel (its columns stay in place).
    wide = [
        line
        for line in deployments.splitlines()
        if cell_len(line) != sum(cell_len(c) for c in line) or cell_len(line) > deployments_width
    ]
    ok = report.outcome(
        SECTION,
        "hostile-app",
        "a hook named `[@click=app.act('release')]smoke-test`, `spec.targetRef.name` `[/]examiner`, ECHO_VALUE with "
        "OSC 0/52, RTL override and emoji ZWJ/skin-tone/VS16 sequences, 6 events with OSC 0/52/8, newlines and CR",
        "the whole app on the stand-in: rollout screen, presentation mode, detail charts, the confirmation (answered "
        "no), ctrl+s; each shows the text literally; every SVG parses as XML with no control character",
        f"{sum(literal.values())} of {len(literal)} places literal; {len(svgs) - len(bad_svgs)} of {len(svgs)} SVGs "
        f"well-formed; {len(wide)} deployment rows wider than the panel or whose width depends on grapheme joining",
        all(literal.values()) and not bad_svgs and not wide and len(saved) == 1,
    )
    assert all(literal.values()), (literal, events, deployments, narration, narration_target, question)
    assert not bad_svgs, bad_svgs
    assert len(saved) == 1
    assert not wide, wide
    assert ok


class Tmux:
    """A tmux server of its own (so its paste buffers are this test's alone), one session, read back as text."""

    def __init__(self, tmux: str, socket: str) -> None:
        self.base = [tmux, "-L", socket]

    def __call__(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True)
        return done.stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-p", "-t", "hostile")
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear within {timeout}s; screen was:\n{screen}")

    def wait_closed(self, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if subprocess.run([*self.base, "has-session", "-t", "hostile"], capture_output=True).returncode != 0:
                return True
            time.sleep(0.2)
        return False


@pytest.mark.e2e
def test_a_real_terminal_a_recording_and_a_screenshot_get_no_sequence_from_the_cluster(
    apiserver: ApiServer, kubeconfig: Path, tmp_path: Path, report: Report
) -> None:
    tmux_binary = shutil.which("tmux")
    if tmux_binary is None:
        pytest.skip("tmux is not installed")
    hostile_cluster(apiserver)
    cast, shots, config = tmp_path / "session.cast", tmp_path / "shots", tmp_path / "tmux.conf"
    # Accept OSC 52 into tmux's buffers (the default only passes it on), so a planted one would be seen there.
    config.write_text("set -g set-clipboard on\nset -g allow-rename on\n")
    command = (
        f"{canaryscope_command()} watch --kubeconfig {kubeconfig} test/examiner --read-only --prometheus none "
        f"--record {cast} --screenshot-dir {shots}"
    )
    tmux = Tmux(tmux_binary, f"canaryscope-hostile-{uuid.uuid4().hex[:8]}")
    env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC"}
    subprocess.run(
        [*tmux.base, "-f", str(config), "new-session", "-d", "-s", "hostile", "-x", "120", "-y", "40", command],
        check=True,
        env=env,
    )
    try:
        tmux("select-pane", "-t", "hostile", "-T", "before")
        screen = tmux.wait_for("␛]0;PWNED␛\\")
        tmux("send-keys", "-t", "hostile", "z")
        tmux.wait_for("PRIMARY SUCCESS RATE")
        tmux("send-keys", "-t", "hostile", "z")
        tmux.wait_for("Flagger events")
        tmux("send-keys", "-t", "hostile", "C-s")
        tmux.wait_for("Saved")
        title = tmux("display-message", "-p", "-t", "hostile", "#{pane_title}").strip()
        window = tmux("display-message", "-p", "-t", "hostile", "#{window_name}").strip()
        buffers = tmux("list-buffers").splitlines()
        tmux("send-keys", "-t", "hostile", "q")
        closed = tmux.wait_closed()
    finally:
        tmux("kill-server")
    frames = [json.loads(line) for line in cast.read_text().splitlines()[1:]]
    played = "".join(frame[2] for frame in frames if frame[1] == "o")
    planted = [seq for seq in ("\x1b]0;PWNED", "\x1b]52;", "\x1b]8;;http") if seq in played]
    svgs = {path.name: path.read_text() for path in shots.glob("*.svg")}
    bad_svgs = {name: problems for name, svg in svgs.items() if (problems := well_formed_svg(svg))}
    # The row with ECHO_VALUE ends in the panel's border like the row above it: no emoji took more cells than counted.
    rows = screen.splitlines()
    echo_row = next(i for i, row in enumerate(rows) if "v2 👍" in row)
    aligned = rows[echo_row].rstrip()[-1] == rows[echo_row - 1].rstrip()[-1] and cell_len(rows[echo_row]) <= 120
    ok = report.outcome(
        SECTION,
        "hostile-terminal",
        "the same planted cluster (OSC 0 window title, OSC 52 clipboard, OSC 8 link, CR + erase, emoji sequences) "
        "watched by `canaryscope watch --record` in a real terminal (tmux 120x40), presentation mode, ctrl+s",
        "tmux's pane title and window name unchanged, no paste buffer created (set-clipboard on), the .cast "
        "replays none of the sequences, the saved SVG parses as XML, the ECHO_VALUE row keeps its border",
        f"title {title!r}, window {window!r}, {len(buffers)} buffers, {len(planted)} sequences in {len(frames)} "
        f"frames, {len(svgs) - len(bad_svgs)} of {len(svgs)} SVGs well-formed, border {'kept' if aligned else 'moved'}",
        title == "before"
        and "PWNED" not in window
        and not buffers
        and not planted
        and len(svgs) == 1
        and not bad_svgs
        and aligned
        and closed,
    )
    assert title == "before" and "PWNED" not in window, (title, window)
    assert not buffers, buffers
    assert not planted, planted
    assert len(svgs) == 1 and not bad_svgs, bad_svgs
    assert aligned, screen
    assert closed
    assert ok
