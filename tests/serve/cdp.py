"""Headless Debian chromium driven over the Chrome DevTools Protocol (one page, synchronous calls).

The served page draws the terminal with xterm.js on a canvas, so its text is not in the DOM. A script added
before the page's own records the page's terminal object when textual.js builds it; its public buffer API
then gives the text exactly as xterm holds it for drawing.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium")
# The machine's chromium works headless with these; it must not try to reach the internet.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

# textual.js assigns `this.fitAddon` right after `this.terminal` in its terminal class's constructor.
CAPTURE_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true, enumerable: true});
    window.__servedTerminal = this.terminal;
  },
});
"""

SCREEN_TEXT = """(() => {
  const terminal = window.__servedTerminal;
  if (!terminal) return null;
  const buffer = terminal.buffer.active, rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()"""


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Browser:
    def __init__(self, binary: str, profile: Path, *, width: int = 1280, height: int = 800) -> None:
        self.profile = profile
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.size = (width, height)
        self._ids = itertools.count(1)
        self._exit = contextlib.ExitStack()
        self._socket: ClientConnection | None = None
        try:
            port = self._devtools_port(timeout=30.0)
            url = self._page_socket(port)
            self._socket = self._exit.enter_context(
                connect(url, max_size=64 * 1024 * 1024, proxy=None, open_timeout=10)
            )
        except BaseException:
            self.close()
            raise

    def _devtools_port(self, timeout: float) -> int:
        # With --remote-debugging-port=0 chromium picks a free port and writes it here.
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode} before DevTools was ready")
            with contextlib.suppress(OSError, ValueError, IndexError):
                return int(marker.read_text().split()[0])
            time.sleep(0.05)
        raise TimeoutError(f"chromium did not open DevTools within {timeout}s")

    @staticmethod
    def _page_socket(port: int) -> str:
        with httpx.Client(trust_env=False, timeout=10) as client:
            deadline = time.monotonic() + 10
            while True:
                targets = client.get(f"http://127.0.0.1:{port}/json/list").json()
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return str(pages[0]["webSocketDebuggerUrl"])
                if time.monotonic() > deadline:
                    raise TimeoutError("chromium opened no page")
                time.sleep(0.1)

    def call(self, method: str, timeout: float = 15.0, **params: Any) -> dict[str, Any]:
        assert self._socket is not None
        call_id = next(self._ids)
        self._socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{method} got no answer within {timeout}s")
            message = json.loads(self._socket.recv(timeout=left))
            if message.get("id") != call_id:
                continue  # an event; nothing here subscribes to them
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            return dict(message.get("result") or {})

    def open(self, url: str) -> None:
        width, height = self.size
        # Headless window sizes lose some height to the absent browser frame; the viewport is set exactly.
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.call("Page.enable")
        self.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_TERMINAL)
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def screen(self) -> str:
        return self.evaluate(SCREEN_TEXT) or ""

    def wait_for_screen(self, *texts: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.2)
        missing = [t for t in texts if t not in screen]
        raise AssertionError(f"{missing} not in the page's terminal within {timeout}s; it showed:\n{screen}")

    def press(self, key: str, code: str, key_code: int) -> None:
        """A real key press: focus the terminal, then keyDown (with its text) and keyUp through the browser."""
        self.evaluate("window.__servedTerminal.focus()")
        self.call(
            "Input.dispatchKeyEvent", type="keyDown", key=key, code=code, text=key, windowsVirtualKeyCode=key_code
        )
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=key_code)

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._exit.close()
        self._socket = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def artifacts_dir(default: Path) -> Path:
    """Where screenshots go: $CANARYSCOPE_ARTIFACTS (CI keeps it) or the test's temporary directory."""
    target = Path(os.environ.get("CANARYSCOPE_ARTIFACTS") or default)
    target.mkdir(parents=True, exist_ok=True)
    return target
