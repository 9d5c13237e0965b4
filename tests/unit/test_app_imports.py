"""The modules the app is made of import downwards only: none of them imports the app (no import circle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TUI = Path(__file__).resolve().parents[2] / "tui"


def imported(path: Path) -> set[str]:
    """Every module a file imports, also under `if TYPE_CHECKING:` and inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("module", ["presenting", "acting", "terminal", "keys", "themes", "navigation"])
def test_the_app_s_parts_never_import_the_app(module: str) -> None:
    assert "tui.app" not in imported(TUI / f"{module}.py")


@pytest.mark.parametrize("module", ["keys", "terminal", "themes"])
def test_the_key_table_and_the_terminal_import_no_screen_or_widget(module: str) -> None:
    # Screens import the key table: were it to import a screen, the two would import each other.
    names = imported(TUI / f"{module}.py")
    assert not any(name.startswith(("tui.screens", "widgets", "tui.presenting")) for name in names)
