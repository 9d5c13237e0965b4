"""Find the mapping at a dotted key path in a (multi-document) YAML text, with the character positions PyYAML's
composer records, so an edit can touch exactly the bytes of one value."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from tui.release.errors import ReleaseError

_KIND_WORDS = {yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping"}


@dataclass(frozen=True)
class Located:
    mapping: yaml.MappingNode
    document: int  # 0-based index among the file's documents


def split_path(path: str) -> tuple[str, ...]:
    """ "spec.values.configuration" -> its keys; "" addresses the document root."""
    if path == "":
        return ()
    keys = tuple(path.split("."))
    if any(not key for key in keys):
        raise ReleaseError(f"value path {path!r} has an empty key")
    return keys


def compose_documents(text: str, source: str) -> list[yaml.Node | None]:
    try:
        # The pure-Python composer: its marks are indices into `text` itself.
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ReleaseError(f"{source} is not valid YAML: {describe_yaml_error(exc)}") from None


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(exc)


def kind_of(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return "empty"
    return _KIND_WORDS.get(type(node), "something else")


def is_alias_of_earlier_node(key: yaml.Node, value: yaml.Node) -> bool:
    """An alias (`*name`) is composed as the anchored node itself, which sits before its key in the text."""
    return value.start_mark.index < key.end_mark.index


def entries_named(mapping: yaml.MappingNode, name: str) -> list[tuple[yaml.Node, yaml.Node]]:
    return [(k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == name]


def locate_mapping(text: str, path: str, source: str) -> Located:
    """The one document whose `path` is a mapping; a one-line ReleaseError naming the path and file otherwise."""
    keys = split_path(path)
    shown = path or "the document root"
    found: list[Located] = []
    problems: list[tuple[int, str]] = []  # (how deep the path got, why it stopped)
    for index, root in enumerate(compose_documents(text, source)):
        outcome = _walk(root, keys, path, source)
        if isinstance(outcome, yaml.MappingNode):
            found.append(Located(outcome, index))
        else:
            problems.append(outcome)
    if len(found) == 1:
        return found[0]
    if found:
        numbers = ", ".join(str(f.document + 1) for f in found)
        raise ReleaseError(f"{shown} is in {len(found)} documents of {source} ({numbers}); expected exactly one")
    if not problems:
        raise ReleaseError(f"{shown} not found in {source}: the file has no YAML documents")
    _, why = max(problems, key=lambda p: p[0])
    raise ReleaseError(why)


def _walk(node: yaml.Node | None, keys: tuple[str, ...], path: str, source: str) -> yaml.MappingNode | tuple[int, str]:
    shown = path or "the document root"
    for depth, key in enumerate(keys):
        parent = ".".join(keys[:depth]) or "the document root"
        if not isinstance(node, yaml.MappingNode):
            return depth, f"{path} not found in {source}: {parent} is not a mapping"
        matches = entries_named(node, key)
        if not matches:
            return depth, f"{path} not found in {source}: no key {key!r} under {parent}"
        if len(matches) > 1:
            return depth + 1, f"{path} in {source}: key {key!r} appears {len(matches)} times under {parent}"
        key_node, value = matches[0]
        if is_alias_of_earlier_node(key_node, value):
            return depth + 1, f"{path} in {source}: {'.'.join(keys[: depth + 1])} is an alias (*); edit its anchor"
        node = value
    if node is None:
        return 0, f"{shown} not found in {source}: a document is empty"
    if not isinstance(node, yaml.MappingNode):
        return len(keys) + 1, f"{shown} in {source} is {kind_of(node)}, not a mapping of values"
    return node
