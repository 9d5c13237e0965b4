"""Imports never go up the floors: the domain (model, state, reducer, derived facts and wording, narration, the
wait tracker, Flagger's and Kubernetes' formats) knows nothing of sources, widgets or screens, and widgets are
drawn only by the screens and the app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = (
    "tui.model",
    "tui.observations",
    "tui.state",
    "tui.reducer",
    "tui.facts",
    "tui.wording",
    "tui.names",
    "tui.narration",
    "tui.current_warning",
    "tui.safe_text",
    "tui.flagger",
    "tui.kube",
    "tui.wait.tracker",
)
ABOVE_THE_DOMAIN = ("widgets", "tui.screens", "tui.app", "tui.sources", "tui.sim", "tui.cluster", "tui.cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function: `from a import b` counts as a and a.b."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


MODULES = {module_name(path): imports_of(path) for path in sorted((ROOT / "tui").rglob("*.py"))}


def test_the_rules_see_the_modules_they_name() -> None:
    assert all(any(within(m, (floor,)) for m in MODULES) for floor in DOMAIN)
    assert "widgets" in {i.split(".")[0] for i in MODULES["tui.screens.rollout"]}


@pytest.mark.parametrize("floor", DOMAIN)
def test_the_domain_never_imports_a_higher_floor(floor: str) -> None:
    upward = {
        f"{module} imports {imported}"
        for module, imported_all in MODULES.items()
        if within(module, (floor,))
        for imported in imported_all
        if within(imported, ABOVE_THE_DOMAIN)
    }
    assert not upward


def test_only_screens_and_the_app_import_widgets() -> None:
    """A module above the screens and the app (one that imports them) may draw too."""
    drawing = {
        module
        for module, imported in MODULES.items()
        if any(within(i, ("widgets",)) for i in imported)
        and not within(module, ("tui.screens", "tui.app"))
        and not any(within(i, ("tui.screens", "tui.app")) for i in imported)
    }
    assert not drawing
