"""The layer rule, read from the code's own imports: no module imports one on a higher floor, and no circle.

The floors (lowest first) are the ones the README's Layout section draws. A new module must be placed on a floor
here: a module nobody placed fails the test, so the rule is never silently skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "widgets", "styles")

# floor -> the module prefixes on it; the longest prefix that matches wins. "tui" alone is the package's face.
FLOORS: dict[str, tuple[str, ...]] = {
    "foundation": ("tui", "tui.base", "tui.cmdline", "styles"),
    "domain": ("tui.domain", "tui.kube", "tui.wait.tracker"),
    "actions": ("tui.actions",),
    "sources": ("tui.sources", "tui.sim", "tui.cluster", "tui.load", "tui.release"),
    "widgets": ("widgets",),
    "screens": ("tui.screens",),
    "app": ("tui.app",),
    "tools": (
        "tui.__main__",
        "tui.cli",
        "tui.watch_fleet",
        "tui.watched_source",
        "tui.serve",
        "tui.wait",
        "tui.lab",
        "tui.export",
    ),
}

# floor -> the floors below it that it may use. Sources and widgets stand side by side: neither knows the other.
MAY_USE: dict[str, set[str]] = {
    "foundation": set(),
    "domain": {"foundation"},
    "actions": {"domain", "foundation"},
    "sources": {"actions", "domain", "foundation"},
    "widgets": {"domain", "foundation"},
    "screens": {"widgets", "actions", "domain", "foundation"},
    "app": {"screens", "widgets", "sources", "actions", "domain", "foundation"},
    "tools": {"app", "screens", "widgets", "sources", "actions", "domain", "foundation"},
}


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported_names(module: str, path: Path) -> set[str]:
    """Every name an import statement in the file imports, at any depth (also under TYPE_CHECKING)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from a import b` depends on a.b when that is a module, else on a (resolved in import_graph).
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (an imported name resolves to the longest module it names)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        targets: set[str] = set()
        for name in _imported_names(module, path):
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def floor_of(module: str) -> str | None:
    best: tuple[int, str] | None = None
    for floor, prefixes in FLOORS.items():
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "tui"
            if (module == prefix or inside) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), floor)
    return best[1] if best else None


def test_every_module_is_on_a_floor() -> None:
    unplaced = sorted(module for module in modules() if floor_of(module) is None)
    assert not unplaced, f"modules on no floor (add them to FLOORS): {unplaced}"


def test_no_import_runs_up_or_across() -> None:
    wrong = []
    for module, targets in sorted(import_graph().items()):
        here = floor_of(module)
        for target in sorted(targets):
            there = floor_of(target)
            if there is not None and here is not None and there != here and there not in MAY_USE[here]:
                wrong.append(f"{module} ({here}) imports {target} ({there})")
    assert not wrong, "imports against the layer rule:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle() -> None:
    assert _cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_circle_finder_finds_circles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected


def test_the_import_reader_sees_deferred_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from tui.app import CanaryscopeApp\nfrom . import sibling\n", encoding="utf-8")
    names = _imported_names("tui.screens.m", source)
    assert {"tui.app.CanaryscopeApp", "tui.screens.sibling"} <= names
