"""The modules the app is made of import downwards only: none of them imports the app (no import circle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def path_of(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


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


PARTS = [
    "tui.app.presenting",
    "tui.app.acting",
    "tui.app.terminal",
    "tui.screens.keys",
    "tui.base.themes",
    "tui.app.navigation",
]


@pytest.mark.parametrize("module", PARTS)
def test_the_app_s_parts_never_import_the_app(module: str) -> None:
    names = imported(path_of(module))
    assert not {"tui.app.main", "tui.app.CanaryscopeApp"} & names


@pytest.mark.parametrize("module", ["tui.screens.keys", "tui.app.terminal", "tui.base.themes"])
def test_the_key_table_and_the_terminal_import_no_screen_or_widget(module: str) -> None:
    # Screens import the key table: were it to import a screen, the two would import each other.
    names = imported(path_of(module)) - {"tui.screens", "tui.screens.moves"}
    assert not any(name.startswith(("tui.screens", "widgets", "tui.app.presenting")) for name in names)
