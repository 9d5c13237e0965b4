"""Check an edit with PyYAML: the edited file must load, carry the new strings, and differ in nothing else."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from tui.release.errors import ReleaseError
from tui.release.yaml_locate import describe_yaml_error
from tui.release.yaml_scalar import Scalar


@dataclass(frozen=True)
class Tagged:
    """A value under a tag PyYAML does not know (e.g. `!Ref`), compared by tag and content."""

    tag: str
    value: Any


class _Loader(yaml.SafeLoader):
    pass


def _construct_tagged(loader: _Loader, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.MappingNode):
        return Tagged(node.tag, tuple(loader.construct_mapping(node, deep=True).items()))
    if isinstance(node, yaml.SequenceNode):
        return Tagged(node.tag, tuple(loader.construct_sequence(node, deep=True)))
    return Tagged(node.tag, loader.construct_scalar(node))


_Loader.add_constructor(None, _construct_tagged)


def construct(node: yaml.Node) -> Any:
    """The Python value PyYAML makes of one composed node."""
    return _Loader("").construct_object(node, deep=True)


def load_documents(text: str) -> list[Any]:
    return list(yaml.load_all(text, Loader=_Loader))


def verify_edit(
    before: str,
    after: str,
    document: int,
    keys: tuple[str, ...],
    values: Mapping[str, Scalar],
    *,
    source: str,
    where: str,
) -> None:
    try:
        old = load_documents(before)
    except yaml.YAMLError as exc:
        raise ReleaseError(f"{source} is not valid YAML: {describe_yaml_error(exc)}") from None
    try:
        new = load_documents(after)
    except yaml.YAMLError as exc:
        raise ReleaseError(f"{source} left unchanged: the edit would not parse ({describe_yaml_error(exc)})") from None
    expected = copy.deepcopy(old)
    target = expected[document]
    for key in keys:
        target = target[_existing_key(target, key)]
    for key, value in values.items():
        target[_existing_key(target, key)] = value
    if not same(new, expected):
        names = ", ".join(values)
        raise ReleaseError(f"{source} left unchanged: setting {names} under {where} would change more than that")


def _existing_key(mapping: dict[Any, Any], key: str) -> Any:
    """The constructed key spelled `key` in the file (a key written `10` is the int 10 once loaded)."""
    if key in mapping:
        return key
    return next((k for k in mapping if str(k) == key and isinstance(k, int | float)), key)


def same(a: Any, b: Any) -> bool:
    """Deep equality in which NaN equals NaN, so a `.nan` elsewhere in the file does not fail the check."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Tagged):
        return a.tag == b.tag and same(a.value, b.value)
    return bool(a == b)
