"""Changes between two states found by identity: replaced values, new and gone keys, another order."""

from __future__ import annotations

from tui.domain.changes import changed_keys, same_keys


class Key:
    """A key that counts its hashes: the walk over a dict whose values were replaced must not hash."""

    hashes = 0

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        Key.hashes += 1
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other.name == self.name

    def __repr__(self) -> str:
        return self.name


def test_a_replaced_value_is_found_without_hashing_a_key() -> None:
    keys = [Key(f"k{i}") for i in range(100)]
    old = {key: object() for key in keys}
    new = {**old, keys[42]: object()}
    Key.hashes = 0
    assert changed_keys(old, new) == [keys[42]]
    assert Key.hashes == 0
    assert changed_keys(old, dict(old)) == []
    assert same_keys(old, new) and Key.hashes == 0


def test_new_gone_and_reordered_keys() -> None:
    a, b, c = object(), object(), object()
    assert changed_keys({"x": a, "y": b}, {"x": a, "y": b, "z": c}) == ["z"]
    assert changed_keys({"x": a, "y": b}, {"x": a}) == ["y"]
    assert changed_keys({"x": a, "y": b}, {"x": a, "z": c}) == ["z", "y"]
    assert changed_keys({"x": a, "y": b}, {"y": b, "x": a}) == []
    assert same_keys({"x": a, "y": b}, {"y": c, "x": a})
    assert not same_keys({"x": a, "y": b}, {"x": a, "z": b})
    assert not same_keys({"x": a}, {"x": a, "y": b})
