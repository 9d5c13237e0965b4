"""Set string values under one mapping of a YAML file by splicing text, so comments, blank lines, key order and
quoting elsewhere stay byte for byte; the result is checked with PyYAML before it is returned."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from tui.release.errors import ReleaseError
from tui.release.yaml_locate import entries_named, is_alias_of_earlier_node, kind_of, locate_mapping, split_path
from tui.release.yaml_scalar import Scalar, render_scalar
from tui.release.yaml_verify import construct, verify_edit

# The header line of a block scalar: indicator, optional chomping/indent, optional comment to keep.
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*(?P<comment>[ \t]+#[^\r\n]*)?")
_PROPERTY = re.compile(r"[!&][^ \t\r\n]*[ \t]*")


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    text: str


def set_scalars(text: str, path: str, values: Mapping[str, Scalar], *, source: str = "<text>") -> str:
    """Return `text` with each key of `values` set to its value (a string; or a bool or int for switches such as
    `canary.enabled`) under the mapping at dotted `path`.

    Existing keys keep their line, indentation, trailing comment and (where it can carry the value) quoting;
    missing keys are added after the last entry at the same indentation. Raises ReleaseError (one line).
    """
    _check_values(values)
    located = locate_mapping(text, path, source)
    where = f"{path or 'the document root'} in {source}"
    mapping = located.mapping
    if mapping.flow_style:
        splices = _plan_flow(text, mapping, values, where)
    else:
        splices = _plan_block(text, mapping, values, where)
    edited = _apply(text, splices)
    if edited != text:
        verify_edit(text, edited, located.document, split_path(path), values, source=source, where=where)
    return edited


def _check_values(values: Mapping[str, Scalar]) -> None:
    if not values:
        raise ReleaseError("no values to set")
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            raise ReleaseError(f"value names must be non-empty strings, got {key!r}")
        if not isinstance(value, str | bool | int):
            raise ReleaseError(f"value for {key} must be a string, bool or int, got {type(value).__name__}")


def _existing(mapping: yaml.MappingNode, key: str, where: str) -> yaml.Node | None:
    matches = entries_named(mapping, key)
    if len(matches) > 1:
        raise ReleaseError(f"{where}: key {key!r} appears {len(matches)} times")
    if not matches:
        return None
    key_node, value = matches[0]
    if is_alias_of_earlier_node(key_node, value):
        raise ReleaseError(f"{where}: {key} is an alias (*); edit its anchor by hand")
    if not isinstance(value, yaml.ScalarNode):
        raise ReleaseError(f"{where}: {key} holds {kind_of(value)}, not a single value")
    return value


def _unchanged(node: yaml.ScalarNode, value: Scalar) -> bool:
    current = construct(node)
    return type(current) is type(value) and current == value


def _replace_scalar(text: str, node: yaml.ScalarNode, key: str, value: Scalar, where: str, *, flow: bool) -> _Splice:
    start, end = node.start_mark.index, node.end_mark.index
    body = start  # where the value proper begins, after a tag or anchor
    prop = _PROPERTY.match(text, body)
    while prop:  # a tag goes with the old value; an anchor is refused, other entries may use it
        if text[body] == "&":
            raise ReleaseError(f"{where}: {key} carries an anchor (&) other entries may use; edit it by hand")
        body = prop.end()
        prop = _PROPERTY.match(text, body)
    if node.style in ("|", ">"):
        block = text[start:end].rstrip()  # the block without the blank lines and indentation that follow it
        header = _BLOCK_HEADER.match(text, body)
        comment = (header.group("comment") or "") if header else ""
        return _Splice(start, start + len(block), render_scalar(value, flow=flow) + comment)
    if start == end:  # `KEY:` with nothing after it: the empty value sits right after the colon
        if flow:
            raise ReleaseError(f"{where}: {key} has no value in a flow mapping; edit it by hand")
        return _Splice(start, end, " " + render_scalar(value, flow=flow))
    return _Splice(start, end, render_scalar(value, style=node.style, flow=flow))


def _plan_block(text: str, mapping: yaml.MappingNode, values: Mapping[str, Scalar], where: str) -> list[_Splice]:
    splices: list[_Splice] = []
    missing: list[str] = []
    for key, value in values.items():
        node = _existing(mapping, key, where)
        if node is None:
            missing.append(f"{render_scalar(key)}: {render_scalar(value)}")
        elif not _unchanged(node, value):
            splices.append(_replace_scalar(text, node, key, value, where, flow=False))
    if missing:
        # Keys of a block mapping share one column, also when the first follows a list dash (`- name: x`).
        indent = " " * mapping.value[0][0].start_mark.column
        line_end = text.find("\n", _entry_end(text, *mapping.value[-1]))
        if line_end == -1:  # the last entry ends the file without a newline
            eol = _dominant_eol(text)
            splices.append(_Splice(len(text), len(text), "".join(eol + indent + line for line in missing)))
        else:
            eol = "\r\n" if text[line_end - 1 : line_end] == "\r" else "\n"
            splices.append(_Splice(line_end + 1, line_end + 1, "".join(indent + line + eol for line in missing)))
    return splices


def _plan_flow(text: str, mapping: yaml.MappingNode, values: Mapping[str, Scalar], where: str) -> list[_Splice]:
    simple = mapping.start_mark.line == mapping.end_mark.line and all(
        isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode) and v.style not in ("|", ">")
        for k, v in mapping.value
    )
    if not simple:
        raise ReleaseError(f"{where} is a flow mapping ({{...}}) on several lines or with nested values; edit by hand")
    splices: list[_Splice] = []
    missing: list[str] = []
    for key, value in values.items():
        node = _existing(mapping, key, where)
        if node is None:
            missing.append(f"{render_scalar(key, flow=True)}: {render_scalar(value, flow=True)}")
        elif not _unchanged(node, value):
            splices.append(_replace_scalar(text, node, key, value, where, flow=True))
    if missing:
        if mapping.value:
            at, lead = mapping.value[-1][1].end_mark.index, ", "
        else:
            at, lead = text.rindex("}", mapping.start_mark.index, mapping.end_mark.index), ""
        splices.append(_Splice(at, at, lead + ", ".join(missing)))
    return splices


def _entry_end(text: str, key: yaml.Node, value: yaml.Node) -> int:
    if is_alias_of_earlier_node(key, value):  # `KEY: *name`: the alias is on the key's line
        return key.end_mark.index
    return max(key.end_mark.index, _content_end(text, value))


def _content_end(text: str, node: yaml.Node) -> int:
    """Where the text of `node` really ends: end marks of block scalars and block collections lie past the blank
    lines and comments that follow them. (A misplaced guess is caught by the check after the edit.)"""
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("|", ">"):
            start = node.start_mark.index
            return start + len(text[start : node.end_mark.index].rstrip())
        return node.end_mark.index
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _entry_end(text, *node.value[-1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return max(node.start_mark.index, _content_end(text, node.value[-1]))
    return node.end_mark.index


def _dominant_eol(text: str) -> str:
    return "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"


def _apply(text: str, splices: list[_Splice]) -> str:
    ordered = sorted(splices, key=lambda s: (s.start, s.end))
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ReleaseError("internal: overlapping edits")  # two keys resolved to one value; never expected
    out, pos = [], 0
    for splice in ordered:
        out.append(text[pos : splice.start])
        out.append(splice.text)
        pos = splice.end
    out.append(text[pos:])
    return "".join(out)
