"""`canaryscope serve` in a real headless browser: the page draws the panels and a key press reaches the app."""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve.cdp import Browser, artifacts_dir, find_chromium
from tests.serve.served import Served, alive, descendants, free_port

pytestmark = pytest.mark.browser

PANELS = ("Canary", "Traffic split", "Deployments", "Success rate", "Flagger events", "Load")


@pytest.fixture
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install -y --no-install-recommends chromium)")
        pytest.skip("chromium is not installed (apt-get install -y --no-install-recommends chromium)")
    return binary


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[tuple[Served, int]]:
    port = free_port()
    served = Served(["--port", str(port), "--", "demo", "--speed", "20", "--seed", "1"], tmp_path)
    try:
        served.wait_listening(port)
        yield served, port
    finally:
        served.stop()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_page_draws_the_panels_and_a_key_releases(
    chromium: str, served_demo: tuple[Served, int], tmp_path: Path
) -> None:
    served, port = served_demo
    assert f"on http://127.0.0.1:{port}" in served.stdout
    started = time.monotonic()
    browser = Browser(chromium, tmp_path / "profile")
    try:
        browser.open(served.url())
        screen = browser.wait_for_screen(*PANELS, "Initialized", "simulation (seed 1")
        drawn_after = time.monotonic() - started
        assert "Progressing" not in screen
        sessions = descendants(served.process.pid)
        assert sessions, "the page's websocket started a canaryscope process"

        browser.press("r", "KeyR", 82)
        screen = browser.wait_for_screen("Progressing", "New revision detected! Scaling up examiner.apps")
        shot = browser.screenshot(artifacts_dir(tmp_path) / "serve-demo-progressing.png")
        width, height = png_size(shot)
        assert (width, height) == (1280, 800)
        assert len(shot) > 20_000, "a drawn terminal, not a blank page"
    finally:
        browser.close()
    print(f"panels drawn {drawn_after:.1f}s after chromium started; screenshot {len(shot)} bytes")

    # Closing the tab ends its canaryscope; the server keeps serving.
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in sessions) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in sessions), "the tab's canaryscope ended with the tab"
    assert served.process.poll() is None
    assert served.stop() == 0
    assert "Traceback" not in served.stderr


def test_over_the_session_cap_the_page_says_so(chromium: str, tmp_path: Path) -> None:
    from websockets.sync.client import connect

    port = free_port()
    served = Served(["--port", str(port), "--max-sessions", "1", "--", "demo", "--seed", "1"], tmp_path)
    browser = None
    try:
        served.wait_listening(port)
        token = served.token
        # Another tab holds the only session.
        with connect(f"ws://127.0.0.1:{port}/ws/{token}?width=80&height=24", proxy=None, open_timeout=15):
            deadline = time.monotonic() + 30
            while not descendants(served.process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            browser = Browser(chromium, tmp_path / "profile")
            browser.open(served.url())
            text = ""
            while "sessions are in use" not in text and time.monotonic() < deadline + 30:
                text = browser.evaluate("document.body ? document.body.innerText : ''") or ""
                time.sleep(0.1)
            browser.screenshot(artifacts_dir(tmp_path) / "serve-sessions-full.png")
        assert "all 1 sessions are in use (--max-sessions 1)" in text
    finally:
        if browser is not None:
            browser.close()
        served.stop()
