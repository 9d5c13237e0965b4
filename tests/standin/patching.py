"""The three patch formats the Kubernetes API server accepts, applied to plain JSON values.

- JSON merge patch (RFC 7386): maps merge recursively, `null` deletes, lists are replaced wholesale.
- JSON patch (RFC 6902): a list of add/remove/replace/move/copy/test operations on JSON pointers.
- Strategic merge patch: like merge patch, but lists declared with a merge key (containers by `name`, container ports
  by `containerPort`, ...) are merged element by element, and the `$patch`, `$setElementOrder/<field>`,
  `$deleteFromPrimitiveList/<field>` and `$retainKeys` directives are honoured.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Union

JSON = Any


class PatchError(ValueError):
    """The patch could not be applied; the API server answers 422 with this message."""


@dataclass(frozen=True)
class ListSpec:
    """A list field with `patchStrategy: merge`; merge_key None means a merged list of primitives (a set)."""

    merge_key: str | None
    item: SmpSchema = field(default_factory=dict)


SmpSchema = dict[str, Union["SmpSchema", ListSpec]]


def merge_patch(target: JSON, patch: JSON) -> JSON:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- JSON patch ---------------------------------------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list, token: str, *, for_add: bool) -> int:
    if for_add and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f"invalid array index {token!r}")
    i = int(token)
    if i > len(container) or (not for_add and i == len(container)):
        raise PatchError(f"array index {i} out of bounds")
    return i


def _parent(doc: JSON, tokens: list[str]) -> JSON:
    node = doc
    for t in tokens[:-1]:
        if isinstance(node, dict):
            if t not in node:
                raise PatchError(f"doc is missing path: /{'/'.join(tokens)}")
            node = node[t]
        elif isinstance(node, list):
            node = node[_index(node, t, for_add=False)]
        else:
            raise PatchError(f"doc is missing path: /{'/'.join(tokens)}")
    return node


def _get(doc: JSON, path: str) -> JSON:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"doc is missing key: {path}")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, for_add=False)]
    raise PatchError(f"doc is missing path: {path}")


def _add(doc: JSON, path: str, value: JSON) -> JSON:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, for_add=True), value)
    else:
        raise PatchError(f"doc is missing path: {path}")
    return doc


def _remove(doc: JSON, path: str) -> tuple[JSON, JSON]:
    tokens = _pointer(path)
    if not tokens:
        raise PatchError("cannot remove the document root")
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"remove operation does not apply: doc is missing path: {path}")
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, for_add=False))
    raise PatchError(f"doc is missing path: {path}")


def json_patch(target: JSON, operations: JSON) -> JSON:
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"invalid operation {op!r}")
        kind, path = op["op"], op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise PatchError(f"operation {kind} at {path} has no value")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            doc, _ = _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)  # must exist
            doc, _ = _remove(doc, path) if path else (doc, None)
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind in ("move", "copy"):
            source = op.get("from")
            if source is None:
                raise PatchError(f"operation {kind} at {path} has no from")
            if kind == "move":
                doc, value = _remove(doc, source)
            else:
                value = copy.deepcopy(_get(doc, source))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise PatchError(f"testing value {path} failed")
        else:
            raise PatchError(f"unexpected operation {kind!r}")
    return doc


# --- strategic merge patch ----------------------------------------------------------------------------------------

_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVES = "$deleteFromPrimitiveList/"


def strategic_merge_patch(target: JSON, patch: JSON, schema: SmpSchema) -> JSON:
    if not isinstance(patch, dict):
        raise PatchError("a strategic merge patch must be a JSON object")
    return _smp_map(target if isinstance(target, dict) else {}, patch, schema)


def _smp_map(original: dict, patch: dict, schema: SmpSchema) -> dict:
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive not in (None, "merge"):
        raise PatchError(f"unknown patch directive {directive!r} in a map")
    result = copy.deepcopy(original)
    if "$retainKeys" in patch:
        keep = set(patch["$retainKeys"] or [])
        result = {k: v for k, v in result.items() if k in keep}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        spec = schema.get(key)
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif isinstance(spec, ListSpec) and isinstance(value, list):
            result[key] = _smp_list(result.get(key) or [], value, spec)
        elif isinstance(value, dict):
            child = spec if isinstance(spec, dict) else {}
            current = result.get(key)
            result[key] = _smp_map(current if isinstance(current, dict) else {}, value, child)
        else:
            result[key] = copy.deepcopy(value)
    for key, value in patch.items():
        if key.startswith(_DELETE_PRIMITIVES):
            name = key[len(_DELETE_PRIMITIVES) :]
            drop = value or []
            if isinstance(result.get(name), list):
                result[name] = [v for v in result[name] if v not in drop]
    for key, value in patch.items():
        if key.startswith(_ORDER):
            name = key[len(_ORDER) :]
            spec = schema.get(name)
            if isinstance(result.get(name), list) and isinstance(spec, ListSpec):
                result[name] = _reorder(result[name], value or [], spec.merge_key)
    return result


def _smp_list(original: list, patch: list, spec: ListSpec) -> list:
    if spec.merge_key is None:
        if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
            return [v for v in patch if not isinstance(v, dict)]
        merged = list(original)
        merged.extend(v for v in patch if v not in merged)
        return merged
    key = spec.merge_key
    if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        return [copy.deepcopy(v) for v in patch if not (isinstance(v, dict) and "$patch" in v)]
    merged = copy.deepcopy(original)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError(f"map: {item!r} does not contain declared merge key: {key}")
        position = next(
            (i for i, cur in enumerate(merged) if isinstance(cur, dict) and cur.get(key) == item[key]), None
        )
        if item.get("$patch") == "delete":
            if position is not None:
                merged.pop(position)
        elif position is None:
            merged.append(_smp_map({}, item, spec.item))
        else:
            merged[position] = _smp_map(merged[position], item, spec.item)
    return merged


def _reorder(items: list, order: list, merge_key: str | None) -> list:
    def ident(v: JSON) -> JSON:
        return v.get(merge_key) if merge_key and isinstance(v, dict) else v

    wanted = [o.get(merge_key) if merge_key and isinstance(o, dict) else o for o in order]
    rank = {w: i for i, w in enumerate(wanted) if isinstance(w, str | int | float)}
    listed = sorted((v for v in items if ident(v) in rank), key=lambda v: rank[ident(v)])
    return listed + [v for v in items if ident(v) not in rank]
