"""The dataclass methods' cache: what a start compiles is stored, a later start uses it, and whatever the cache
holds, the classes behave as `dataclasses` alone would make them."""

from __future__ import annotations

import argparse
import dataclasses
import marshal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui import cli
from tui.base import compiled_methods


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(compiled_methods, "DIRECTORY", tmp_path)
    yield tmp_path
    compiled_methods.uninstall()


def _point(extra_field: bool = False) -> type:
    # int, not "int": the methods' annotations must come out as objects, whatever this module's future imports say.
    fields = [("x", int), ("y", int, dataclasses.field(default=2))]
    if extra_field:
        fields.append(("z", str, dataclasses.field(default="z")))
    return dataclasses.make_dataclass("Point", fields, frozen=True)


def _behaves_like_a_dataclass(point: type) -> None:
    a, b = point(1), point(1, 2)
    assert a == b and hash(a) == hash(b) and a != point(2)
    assert repr(a).startswith("Point(x=1, y=2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 3  # type: ignore[attr-defined]
    assert point.__init__.__annotations__["x"] is int


def _saved(directory: Path) -> dict[str, object]:
    stored = marshal.loads(compiled_methods.cache_path(directory).read_bytes())
    assert isinstance(stored, dict)
    return stored


def test_a_class_defined_again_runs_the_methods_stored_by_an_earlier_start(cache_dir: Path) -> None:
    first = compiled_methods.install()
    assert first is not None
    _behaves_like_a_dataclass(_point())
    assert first.compiled > 0
    assert first.save()
    assert any("def __init__" in source for source in _saved(cache_dir))
    compiled_methods.uninstall()

    again = compiled_methods.install()
    assert again is not None
    _behaves_like_a_dataclass(_point())
    assert again.compiled == 0  # every method came from the file
    assert not again.save()  # nothing new: the file is left alone


def test_a_changed_class_compiles_anew_and_nothing_stale_runs(cache_dir: Path) -> None:
    cache = compiled_methods.install()
    assert cache is not None
    _point()
    cache.save()
    compiled_methods.uninstall()

    cache = compiled_methods.install()
    assert cache is not None
    point = _point(extra_field=True)
    assert cache.compiled > 0
    assert point(1).z == "z" and point(1) != point(1, 2, "w")
    assert cache.save()
    assert any("z" in source and "def __init__" in source for source in _saved(cache_dir))


@pytest.mark.parametrize("content", [b"not marshal at all", marshal.dumps([1, 2, 3]), marshal.dumps({"x": 1}), b""])
def test_a_damaged_or_foreign_file_is_ignored_and_written_again(cache_dir: Path, content: bytes) -> None:
    path = compiled_methods.cache_path(cache_dir)
    path.write_bytes(content)
    cache = compiled_methods.install()
    assert cache is not None
    _behaves_like_a_dataclass(_point())
    assert cache.compiled > 0
    assert cache.save()
    assert all(isinstance(key, str) for key in _saved(cache_dir))


def test_nothing_is_written_where_python_may_not_write_bytecode(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    cache = compiled_methods.install()
    assert cache is not None
    _behaves_like_a_dataclass(_point())
    assert not cache.save()
    assert not compiled_methods.cache_path(cache_dir).exists()


def test_a_directory_that_cannot_be_written_leaves_every_start_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    monkeypatch.setattr(compiled_methods, "DIRECTORY", blocked / "__pycache__")
    try:
        cache = compiled_methods.install()
        assert cache is not None
        _behaves_like_a_dataclass(_point())
        assert not cache.save()
    finally:
        compiled_methods.uninstall()
    assert blocked.read_text() == "in the way"
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]


def test_past_the_limit_a_save_keeps_only_what_this_process_used(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {f"# an older class {i}\n": compile("pass", "<string>", "exec") for i in range(5)}
    compiled_methods.cache_path(cache_dir).write_bytes(marshal.dumps(old))
    monkeypatch.setattr(compiled_methods, "LIMIT", 5)
    cache = compiled_methods.install()
    assert cache is not None
    _point()
    assert cache.save()
    saved = _saved(cache_dir)
    assert not set(saved) & set(old) and set(saved) == set(cache.used)


def test_only_one_cache_is_installed_at_a_time(cache_dir: Path) -> None:
    assert compiled_methods.install() is not None
    assert compiled_methods.install() is None


def test_an_interactive_command_stores_what_it_compiled_and_leaves_dataclasses_as_it_found_them(
    cache_dir: Path,
) -> None:
    def run(_args: argparse.Namespace) -> int:
        _point(extra_field=True)
        return 0

    command = cli._tui_command("probe", "a command for this test", argparse.ArgumentParser, run)
    assert command.run([]) == 0
    assert any("z" in source for source in _saved(cache_dir))
    assert "exec" not in vars(dataclasses)
