"""The source side depends on neither Textual nor, for the protocol, the simulation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_TEXTUAL = [
    "tui.sources.port",
    "tui.sources.mailbox",
    "tui.kube.translate",
    "tui.sim.source",
    "tui.cluster.source",
    "tui.wait.cli",
]


def imported(modules: list[str], blocked: str) -> subprocess.CompletedProcess[str]:
    # A module set to None in sys.modules cannot be imported: any import of it (or below it) fails loudly.
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        f"import importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('tui.sim')))\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_the_sources_import_without_textual() -> None:
    done = imported(WITHOUT_TEXTUAL, "textual")
    assert done.returncode == 0, done.stderr


def test_the_textual_messages_do_need_textual_so_the_check_can_fail() -> None:
    done = imported(["tui.app.messages"], "textual")
    assert done.returncode != 0 and "textual" in done.stderr


def test_the_source_protocol_and_the_mailbox_know_nothing_of_the_simulation() -> None:
    done = imported(["tui.sources.port", "tui.sources.mailbox", "tui.kube.translate", "tui.cluster.source"], "textual")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
